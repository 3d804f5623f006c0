/**
 * Webhooks for integrators (`integration.webhooks`): the tenant's endpoints with their
 * event-type filter, registering and editing them, enabling and disabling, rotating the
 * signing secret (shown once), deleting, and each endpoint's deliveries and dead letters.
 * docs/webhooks.md describes what a receiver gets.
 */
import { ApiOutlined, DeleteOutlined, EditOutlined, KeyOutlined, PlusOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Popconfirm, Space, Switch, Table, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation, useQuery } from "../../../api/hooks";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import { DeliveriesDrawer } from "./DeliveriesDrawer";
import { EndpointModal } from "./EndpointModal";
import { SecretModal } from "./SecretModal";
import {
  DELETE_WEBHOOK_MUTATION,
  ROTATE_WEBHOOK_SECRET_MUTATION,
  SET_WEBHOOK_ENABLED_MUTATION,
  type WebhookEndpoint,
  type WebhookEndpointsData,
  WEBHOOK_ENDPOINTS_QUERY,
  type WebhookWithSecret,
} from "./webhooks.graphql";

/** Why an endpoint is disabled, as the server names it (`disabledReason`). */
const REASON_KEYS: Record<string, string> = {
  administrator: "webhooks.disabledBy.administrator",
  gone: "webhooks.disabledBy.gone",
};

export function WebhooksPage() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { data, error, loading, refetch } = useQuery<WebhookEndpointsData>(WEBHOOK_ENDPOINTS_QUERY);
  const [editing, setEditing] = useState<WebhookEndpoint | null | undefined>(undefined);
  const [secret, setSecret] = useState<{ subject: string; value: string } | null>(null);
  const [deliveriesOf, setDeliveriesOf] = useState<WebhookEndpoint | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const setEnabled = useMutation<{ setWebhookEnabled: WebhookEndpoint }, { id: string; enabled: boolean }>(SET_WEBHOOK_ENABLED_MUTATION);
  const remove = useMutation<{ deleteWebhook: string }, { id: string }>(DELETE_WEBHOOK_MUTATION);
  const rotate = useMutation<{ rotateWebhookSecret: WebhookWithSecret }, { id: string }>(ROTATE_WEBHOOK_SECRET_MUTATION);
  const endpoints = data?.webhookEndpoints ?? [];

  /** Runs one action on an endpoint, its errors in the user's language. */
  const act = async (endpoint: WebhookEndpoint, action: () => Promise<void>) => {
    setBusy(endpoint.id);
    try {
      await action();
    } catch (caught) {
      void message.error(errorText(caught));
    } finally {
      setBusy(null);
    }
    await refetch();
  };

  const toggle = (endpoint: WebhookEndpoint, enabled: boolean) =>
    act(endpoint, async () => {
      await setEnabled.mutate({ id: endpoint.id, enabled });
      void message.success(t(enabled ? "webhooks.enabledDone" : "webhooks.disabledDone"));
    });

  const deleteEndpoint = (endpoint: WebhookEndpoint) =>
    act(endpoint, async () => {
      await remove.mutate({ id: endpoint.id });
      void message.success(t("webhooks.deleted"));
    });

  const rotateSecret = (endpoint: WebhookEndpoint) =>
    act(endpoint, async () => {
      const { rotateWebhookSecret } = await rotate.mutate({ id: endpoint.id });
      setSecret({ subject: rotateWebhookSecret.endpoint.url, value: rotateWebhookSecret.secret });
    });

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
      <Card
        title={t("menu.admin.webhooks")}
        extra={
          <Space>
            <Button icon={<ReloadOutlined />} onClick={() => void refetch()} aria-label={t("common.refresh")} />
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing(null)} data-testid="webhook-register">
              {t("webhooks.registerTitle")}
            </Button>
          </Space>
        }
      >
        <Typography.Paragraph type="secondary">{t("webhooks.intro")}</Typography.Paragraph>
        <Table<WebhookEndpoint>
          rowKey="id"
          size="middle"
          loading={loading}
          dataSource={endpoints}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          onRow={(endpoint) => ({ "data-testid": "webhook-row", "data-endpoint-id": endpoint.id }) as object}
          locale={{ emptyText: t("webhooks.empty") }}
          columns={[
            {
              key: "url",
              title: t("webhooks.url"),
              render: (_: unknown, endpoint) => (
                <Space orientation="vertical" size={0}>
                  <Typography.Text copyable={{ text: endpoint.url }} style={{ wordBreak: "break-all" }}>
                    {endpoint.url}
                  </Typography.Text>
                  {endpoint.description ? <Typography.Text type="secondary">{endpoint.description}</Typography.Text> : null}
                </Space>
              ),
            },
            {
              key: "eventTypes",
              title: t("webhooks.eventTypes"),
              render: (_: unknown, endpoint) =>
                endpoint.eventTypes.length === 0 ? (
                  <Tag color="blue">{t("webhooks.allEvents")}</Tag>
                ) : (
                  <Space size={[0, 4]} wrap>
                    {endpoint.eventTypes.map((pattern) => (
                      <Tag key={pattern}>{pattern}</Tag>
                    ))}
                  </Space>
                ),
            },
            {
              key: "enabled",
              title: t("webhooks.enabled"),
              width: 170,
              render: (_: unknown, endpoint) => (
                <Space orientation="vertical" size={2}>
                  <Switch
                    size="small"
                    checked={endpoint.enabled}
                    loading={busy === endpoint.id && setEnabled.loading}
                    onChange={(checked) => void toggle(endpoint, checked)}
                    aria-label={t("webhooks.enabled")}
                    data-testid="webhook-enabled"
                  />
                  {!endpoint.enabled && endpoint.disabledReason ? (
                    <Typography.Text type="secondary">
                      {REASON_KEYS[endpoint.disabledReason] ? t(REASON_KEYS[endpoint.disabledReason]!) : endpoint.disabledReason}
                    </Typography.Text>
                  ) : null}
                </Space>
              ),
            },
            {
              key: "createdAt",
              dataIndex: "createdAt",
              title: t("webhooks.createdAt"),
              width: 180,
              render: (value: string) => formatDateTime(value, locale),
            },
            {
              key: "actions",
              title: t("common.actions"),
              width: 330,
              render: (_: unknown, endpoint) => (
                <Space size={4} wrap>
                  <Button size="small" icon={<ApiOutlined />} onClick={() => setDeliveriesOf(endpoint)} data-testid="webhook-deliveries">
                    {t("webhooks.deliveries.open")}
                  </Button>
                  <Tooltip title={t("common.edit")}>
                    <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(endpoint)} aria-label={t("common.edit")} data-testid="webhook-edit" />
                  </Tooltip>
                  <Popconfirm
                    title={t("webhooks.rotateTitle")}
                    description={<div style={{ maxWidth: 320 }}>{t("webhooks.rotateWarning")}</div>}
                    okText={t("webhooks.rotate")}
                    cancelText={t("common.cancel")}
                    okButtonProps={{ danger: true, "data-testid": "webhook-rotate-confirm" }}
                    onConfirm={() => rotateSecret(endpoint)}
                  >
                    <Button size="small" icon={<KeyOutlined />} loading={busy === endpoint.id && rotate.loading} data-testid="webhook-rotate">
                      {t("webhooks.rotate")}
                    </Button>
                  </Popconfirm>
                  <Popconfirm
                    title={t("webhooks.deleteTitle")}
                    description={<div style={{ maxWidth: 320 }}>{t("webhooks.deleteWarning", { url: endpoint.url })}</div>}
                    okText={t("webhooks.delete")}
                    cancelText={t("common.cancel")}
                    okButtonProps={{ danger: true, "data-testid": "webhook-delete-confirm" }}
                    onConfirm={() => deleteEndpoint(endpoint)}
                  >
                    <Tooltip title={t("webhooks.delete")}>
                      <Button size="small" danger icon={<DeleteOutlined />} aria-label={t("webhooks.delete")} data-testid="webhook-delete" />
                    </Tooltip>
                  </Popconfirm>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <EndpointModal
        endpoint={editing}
        onClose={() => setEditing(undefined)}
        onSaved={(endpoint, newSecret) => {
          if (newSecret) setSecret({ subject: endpoint.url, value: newSecret });
          void refetch();
        }}
      />
      <SecretModal secret={secret} onClose={() => setSecret(null)} />
      <DeliveriesDrawer endpoint={deliveriesOf} onClose={() => setDeliveriesOf(null)} />
    </Space>
  );
}
