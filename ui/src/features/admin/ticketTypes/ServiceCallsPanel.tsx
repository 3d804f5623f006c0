/** Every ticket's service calls still waiting (`ticketServiceCalls`), a page at a time: being
 * called, or failed for good (first, with why). An administrator sees which integrations fail,
 * opens the ticket, and (with `ticket.create`, as in the ticket's drawer) calls a failed one
 * again (`retryTicketService`). */
import { RedoOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Space, Switch, Table, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { newCommandId } from "../../../api/client";
import { useErrorText } from "../../../api/errors";
import { useMutation, useQuery } from "../../../api/hooks";
import { useI18n } from "../../../i18n";
import { useServerPaging } from "../../../lib/serverPaging";
import { formatDateTime } from "../../../i18n/format";
import { useOpenTab, usePermission } from "../../customers/access";
import { requestOpenTicket, TICKETS_PATH } from "../../tickets/openTicket";
import {
  type PendingTicketServiceCall,
  RETRY_TICKET_SERVICE_MUTATION,
  type RetryTicketServiceVariables,
  TICKET_SERVICE_CALLS_QUERY,
  type TicketServiceCallsData,
  type TicketServiceCallsVariables,
} from "../../tickets/tickets.graphql";


const callKey = (call: PendingTicketServiceCall) => `${call.ticketId}:${call.token}`;

export function ServiceCallsPanel() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const can = usePermission();
  const canRetry = can("ticket.create");
  const openTab = useOpenTab();
  const [failedOnly, setFailedOnly] = useState(false);
  const paging = useServerPaging((total) => t("ticketTypes.serviceCalls.total", { total }));
  const variables: TicketServiceCallsVariables = { failedOnly, offset: paging.offset, limit: paging.limit };
  const calls = useQuery<TicketServiceCallsData>(TICKET_SERVICE_CALLS_QUERY, variables as unknown as Record<string, unknown>);
  const retry = useMutation<unknown, RetryTicketServiceVariables>(RETRY_TICKET_SERVICE_MUTATION);
  /** The call being retried (ticket and token). */
  const [retrying, setRetrying] = useState<string | null>(null);

  const open = (ticketId: string) => {
    requestOpenTicket(ticketId);
    openTab?.(TICKETS_PATH);
  };

  const retryCall = async (call: PendingTicketServiceCall) => {
    setRetrying(callKey(call));
    try {
      // Each click is a new attempt: a new command id.
      await retry.mutate({ input: { commandId: newCommandId(), ticketId: call.ticketId, token: call.token } });
      void message.success(t("tickets.serviceRetried", { step: call.stepName }));
    } catch (caught) {
      void message.error(errorText(caught));
    } finally {
      setRetrying(null);
    }
    // Called again, or (when refused) moved on meanwhile: show what is.
    void calls.refetch();
  };

  return (
    <Card
      title={t("ticketTypes.serviceCalls.title")}
      data-testid="service-calls"
      extra={
        <Space>
          <Space size={4}>
            <Switch
              size="small"
              checked={failedOnly}
              onChange={(checked) => {
                setFailedOnly(checked);
                paging.firstPage();
              }}
              data-testid="service-calls-failed-only"
              aria-label={t("ticketTypes.serviceCalls.failedOnly")}
            />
            <Typography.Text>{t("ticketTypes.serviceCalls.failedOnly")}</Typography.Text>
          </Space>
          <Button icon={<ReloadOutlined />} onClick={() => void calls.refetch()} aria-label={t("common.refresh")} data-testid="service-calls-reload" />
        </Space>
      }
    >
      <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
        <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
          {t("ticketTypes.serviceCalls.hint")}
        </Typography.Paragraph>
        {calls.error ? <Alert type="error" showIcon title={errorText(calls.error)} /> : null}
        <Table<PendingTicketServiceCall>
          rowKey={callKey}
          size="small"
          loading={calls.loading}
          dataSource={calls.data?.ticketServiceCalls.items ?? []}
          scroll={{ x: "max-content" }}
          locale={{ emptyText: t(failedOnly ? "ticketTypes.serviceCalls.emptyFailed" : "ticketTypes.serviceCalls.empty") }}
          onRow={(call) =>
            ({ "data-testid": "service-call-row", "data-failed": String(call.error !== null), "data-ticket-id": call.ticketId, "data-token": call.token }) as object
          }
          pagination={paging.pagination(calls.data?.ticketServiceCalls.total ?? 0)}
          onChange={paging.onChange}
          columns={[
            {
              key: "number",
              title: t("tickets.number"),
              render: (_: unknown, call) => (
                <Typography.Link data-testid="service-call-open" onClick={() => open(call.ticketId)}>
                  {call.number}
                </Typography.Link>
              ),
            },
            {
              key: "title",
              dataIndex: "title",
              title: t("tickets.title"),
              render: (title: string) => (
                <Typography.Text ellipsis={{ tooltip: title }} style={{ maxWidth: 240 }}>
                  {title}
                </Typography.Text>
              ),
            },
            { key: "typeName", dataIndex: "typeName", title: t("tickets.type") },
            { key: "stepName", dataIndex: "stepName", title: t("ticketTypes.serviceCalls.step") },
            {
              key: "url",
              dataIndex: "url",
              title: t("ticketTypes.serviceUrl"),
              render: (url: string) => (
                <Typography.Text type="secondary" ellipsis={{ tooltip: url }} style={{ maxWidth: 260 }}>
                  {url}
                </Typography.Text>
              ),
            },
            {
              key: "calledAt",
              dataIndex: "calledAt",
              title: t("ticketTypes.serviceCalls.waitingSince"),
              render: (value: string) => formatDateTime(value, locale),
            },
            {
              key: "status",
              title: t("ticketTypes.serviceCalls.status"),
              render: (_: unknown, call) =>
                call.error !== null ? (
                  <Tooltip title={call.error}>
                    <Tag color="red" data-testid="service-call-failed">
                      {t("ticketTypes.serviceCalls.failed")}
                    </Tag>
                  </Tooltip>
                ) : (
                  <Tag color="blue">{t("ticketTypes.serviceCalls.calling")}</Tag>
                ),
            },
            ...(canRetry
              ? [
                  {
                    key: "actions",
                    title: t("common.actions"),
                    render: (_: unknown, call: PendingTicketServiceCall) =>
                      call.error !== null ? (
                        <Button
                          size="small"
                          icon={<RedoOutlined />}
                          loading={retrying === callKey(call)}
                          disabled={retrying !== null && retrying !== callKey(call)}
                          onClick={() => void retryCall(call)}
                          data-testid="service-call-retry"
                        >
                          {t("ticketTypes.serviceCalls.retry")}
                        </Button>
                      ) : null,
                  },
                ]
              : []),
          ]}
        />
      </Space>
    </Card>
  );
}
