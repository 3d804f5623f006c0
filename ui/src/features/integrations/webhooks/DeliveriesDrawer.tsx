/** One endpoint's deliveries, newest event first, a page at a time (`webhookDeliveries`),
 * filtered by status; `DEAD` is the dead-letter list, whose rows can be sent again
 * (`redeliverWebhook`, from the first try). */
import { ReloadOutlined, SendOutlined } from "@ant-design/icons";
import { Alert, App, Button, Drawer, Segmented, Space, Table, Tag, Tooltip, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";
import { GraphqlError, request } from "../../../api/client";
import { useErrorText } from "../../../api/errors";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import {
  type DeliveryStatus,
  REDELIVER_WEBHOOK_MUTATION,
  type WebhookDeliveriesData,
  type WebhookDelivery,
  WEBHOOK_DELIVERIES_QUERY,
  type WebhookEndpoint,
} from "./webhooks.graphql";

const PAGE = 50;

type StatusFilter = DeliveryStatus | "ALL";

export const STATUS_KEYS: Record<DeliveryStatus, string> = {
  PENDING: "webhooks.status.pending",
  DELIVERED: "webhooks.status.delivered",
  DEAD: "webhooks.status.dead",
};

const STATUS_COLORS: Record<DeliveryStatus, string> = { PENDING: "processing", DELIVERED: "success", DEAD: "error" };

function asGraphqlError(caught: unknown): GraphqlError {
  return caught instanceof GraphqlError ? caught : new GraphqlError("internal", String(caught));
}

interface Props {
  /** The endpoint whose deliveries to show; null when closed. */
  endpoint: WebhookEndpoint | null;
  onClose: () => void;
}

export function DeliveriesDrawer({ endpoint, onClose }: Props) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [status, setStatus] = useState<StatusFilter>("ALL");
  const [deliveries, setDeliveries] = useState<WebhookDelivery[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<GraphqlError>();
  const [redelivering, setRedelivering] = useState<string | null>(null);
  const endpointId = endpoint?.id ?? null;

  const load = useCallback(
    async (filter: StatusFilter, after: string | null) => {
      if (!endpointId) return;
      setLoading(true);
      try {
        const variables: Record<string, unknown> = { endpointId, first: PAGE };
        if (filter !== "ALL") variables.status = filter;
        if (after !== null) variables.after = after;
        const { webhookDeliveries } = await request<WebhookDeliveriesData>(WEBHOOK_DELIVERIES_QUERY, variables);
        setDeliveries((shown) => (after === null ? webhookDeliveries.nodes : [...shown, ...webhookDeliveries.nodes]));
        setCursor(webhookDeliveries.endCursor);
        setHasMore(webhookDeliveries.hasNextPage);
        setError(undefined);
      } catch (caught) {
        setError(asGraphqlError(caught));
        if (after === null) {
          setDeliveries([]);
          setHasMore(false);
        }
      } finally {
        setLoading(false);
      }
    },
    [endpointId],
  );

  useEffect(() => {
    setStatus("ALL");
    setDeliveries([]);
    setCursor(null);
    setHasMore(false);
    setError(undefined);
    void load("ALL", null);
  }, [load]);

  const filterBy = (next: StatusFilter) => {
    setStatus(next);
    void load(next, null);
  };

  const redeliver = async (delivery: WebhookDelivery) => {
    setRedelivering(delivery.id);
    try {
      const { redeliverWebhook } = await request<{ redeliverWebhook: WebhookDelivery }>(REDELIVER_WEBHOOK_MUTATION, {
        deliveryId: delivery.id,
      });
      void message.success(t("webhooks.redelivered", { position: delivery.position }));
      // Off the dead-letter list at once; in the other views, shown as queued again.
      setDeliveries((shown) =>
        status === "DEAD" || status === "DELIVERED"
          ? shown.filter((row) => row.id !== delivery.id)
          : shown.map((row) => (row.id === delivery.id ? redeliverWebhook : row)),
      );
    } catch (caught) {
      void message.error(errorText(caught));
    } finally {
      setRedelivering(null);
    }
  };

  return (
    <Drawer
      open={endpoint !== null}
      onClose={onClose}
      size={1000}
      title={t("webhooks.deliveries.title", { url: endpoint?.url ?? "" })}
      extra={<Button icon={<ReloadOutlined />} onClick={() => void load(status, null)} aria-label={t("common.refresh")} />}
      destroyOnHidden
    >
      <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
        <Segmented<StatusFilter>
          value={status}
          onChange={filterBy}
          data-testid="webhook-status-filter"
          options={[
            { value: "ALL", label: t("webhooks.status.all") },
            { value: "PENDING", label: t("webhooks.status.pending") },
            { value: "DELIVERED", label: t("webhooks.status.delivered") },
            { value: "DEAD", label: t("webhooks.status.deadLetters") },
          ]}
        />
        {status === "DEAD" ? <Alert type="info" showIcon title={t("webhooks.deliveries.deadHint")} /> : null}
        {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
        <Table<WebhookDelivery>
          rowKey="id"
          size="small"
          loading={loading}
          dataSource={deliveries}
          pagination={false}
          onRow={(delivery) => ({ "data-testid": "webhook-delivery-row", "data-delivery-id": delivery.id }) as object}
          locale={{ emptyText: t("webhooks.deliveries.empty") }}
          columns={[
            { key: "position", dataIndex: "position", title: t("webhooks.deliveries.position"), width: 90 },
            { key: "eventType", dataIndex: "eventType", title: t("webhooks.deliveries.eventType"), render: (type: string) => <Tag>{type}</Tag> },
            {
              key: "status",
              dataIndex: "status",
              title: t("webhooks.deliveries.status"),
              render: (value: DeliveryStatus) => <Tag color={STATUS_COLORS[value]}>{t(STATUS_KEYS[value])}</Tag>,
            },
            { key: "attempts", dataIndex: "attempts", title: t("webhooks.deliveries.attempts"), width: 80 },
            {
              key: "last",
              title: t("webhooks.deliveries.lastResult"),
              render: (_: unknown, delivery) => {
                if (delivery.lastResponseStatus == null && !delivery.lastError) return "—";
                return (
                  <Space size={4} wrap>
                    {delivery.lastResponseStatus != null ? <Tag>{`HTTP ${delivery.lastResponseStatus}`}</Tag> : null}
                    {delivery.lastError ? (
                      <Typography.Text type="danger" ellipsis={{ tooltip: delivery.lastError }} style={{ maxWidth: 260 }}>
                        {delivery.lastError}
                      </Typography.Text>
                    ) : null}
                  </Space>
                );
              },
            },
            {
              key: "when",
              title: t("webhooks.deliveries.when"),
              render: (_: unknown, delivery) => {
                if (delivery.status === "PENDING" && delivery.nextAttemptAt) {
                  return t("webhooks.deliveries.nextAttempt", { time: formatDateTime(delivery.nextAttemptAt, locale) });
                }
                if (delivery.status === "DELIVERED" && delivery.deliveredAt) {
                  return t("webhooks.deliveries.deliveredAt", { time: formatDateTime(delivery.deliveredAt, locale) });
                }
                return formatDateTime(delivery.updatedAt, locale);
              },
            },
            {
              key: "actions",
              title: t("common.actions"),
              width: 130,
              render: (_: unknown, delivery) =>
                delivery.status === "PENDING" ? null : (
                  <Tooltip title={t("webhooks.deliveries.redeliverHint")}>
                    <Button
                      size="small"
                      icon={<SendOutlined />}
                      loading={redelivering === delivery.id}
                      disabled={!endpoint?.enabled}
                      onClick={() => void redeliver(delivery)}
                      data-testid="webhook-redeliver"
                    >
                      {t("webhooks.deliveries.redeliver")}
                    </Button>
                  </Tooltip>
                ),
            },
          ]}
        />
        <div style={{ textAlign: "center" }}>
          <Button onClick={() => void load(status, cursor)} disabled={loading || !hasMore || cursor === null} data-testid="webhook-deliveries-more">
            {hasMore ? t("common.loadMore") : t("webhooks.deliveries.end")}
          </Button>
        </div>
      </Space>
    </Drawer>
  );
}
