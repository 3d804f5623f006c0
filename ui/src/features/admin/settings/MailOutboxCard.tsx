/** The tenant's outgoing mail (ticket reminders, overdue notices, outside collaborators'
 * links), newest first, a page at a time (`mailOutbox`), filtered by status. What gave up
 * (`DEAD`) can be queued again (`retryMail`) by who may edit the settings. The body is never
 * shown: a collaborator's mail holds their secret link. */
import { ReloadOutlined, SendOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Segmented, Space, Table, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation, useQuery } from "../../../api/hooks";
import { useI18n } from "../../../i18n";
import { useServerPaging } from "../../../lib/serverPaging";
import { formatDateTime } from "../../../i18n/format";
import { useShell } from "../../shell/ShellContext";
import {
  MAIL_OUTBOX_QUERY,
  type MailOutboxData,
  type MailOutboxVariables,
  type MailStatus,
  type OutboxMail,
  RETRY_MAIL_MUTATION,
  type RetryMailData,
  type RetryMailVariables,
} from "./settings.graphql";

type StatusFilter = MailStatus | "ALL";


const STATUS_KEYS: Record<MailStatus, string> = {
  QUEUED: "settings.outbox.status.queued",
  SENT: "settings.outbox.status.sent",
  DEAD: "settings.outbox.status.dead",
};

const STATUS_COLORS: Record<MailStatus, string> = { QUEUED: "processing", SENT: "success", DEAD: "error" };

const NONE = "—";

export function MailOutboxCard() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { access } = useShell();
  const canEdit = access.permissions.has("tenant.settings.edit");
  const [status, setStatus] = useState<StatusFilter>("ALL");
  const paging = useServerPaging((total) => t("settings.outbox.total", { total }));
  const variables: MailOutboxVariables = { offset: paging.offset, limit: paging.limit };
  if (status !== "ALL") variables.status = status;
  const outbox = useQuery<MailOutboxData>(MAIL_OUTBOX_QUERY, variables as unknown as Record<string, unknown>);
  const retry = useMutation<RetryMailData, RetryMailVariables>(RETRY_MAIL_MUTATION);
  const [retrying, setRetrying] = useState<string | null>(null);

  const when = (value: string | null) => (value ? formatDateTime(value, locale) : NONE);

  const sendAgain = async (mail: OutboxMail) => {
    setRetrying(mail.id);
    try {
      await retry.mutate({ id: mail.id });
      void message.success(t("settings.outbox.retried", { address: mail.toAddress }));
    } catch (caught) {
      void message.error(errorText(caught));
    } finally {
      setRetrying(null);
    }
    // Queued again, or (when refused) sent or queued by someone else meanwhile: show what is.
    void outbox.refetch();
  };

  return (
    <Card
      title={t("settings.outbox.title")}
      data-testid="mail-outbox"
      extra={
        <Button
          icon={<ReloadOutlined />}
          onClick={() => void outbox.refetch()}
          aria-label={t("common.refresh")}
          data-testid="mail-outbox-reload"
        />
      }
    >
      <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
        <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
          {t("settings.outbox.hint")}
        </Typography.Paragraph>
        <Segmented<StatusFilter>
          value={status}
          onChange={(next) => {
            setStatus(next);
            paging.firstPage();
          }}
          data-testid="mail-outbox-status"
          options={[
            { value: "ALL", label: t("settings.outbox.status.all") },
            { value: "QUEUED", label: t("settings.outbox.status.queued") },
            { value: "SENT", label: t("settings.outbox.status.sent") },
            { value: "DEAD", label: t("settings.outbox.status.dead") },
          ]}
        />
        {outbox.error ? <Alert type="error" showIcon title={errorText(outbox.error)} /> : null}
        <Table<OutboxMail>
          rowKey="id"
          size="small"
          loading={outbox.loading}
          dataSource={outbox.data?.mailOutbox.items ?? []}
          scroll={{ x: "max-content" }}
          locale={{ emptyText: t("settings.outbox.empty") }}
          onRow={(mail) => ({ "data-testid": "mail-outbox-row", "data-status": mail.status, "data-mail-id": mail.id }) as object}
          pagination={paging.pagination(outbox.data?.mailOutbox.total ?? 0)}
          onChange={paging.onChange}
          columns={[
            {
              key: "createdAt",
              dataIndex: "createdAt",
              title: t("settings.outbox.createdAt"),
              render: (value: string) => formatDateTime(value, locale),
            },
            {
              key: "to",
              title: t("settings.outbox.to"),
              render: (_: unknown, mail) =>
                mail.toName ? (
                  <Space orientation="vertical" size={0}>
                    <Typography.Text>{mail.toName}</Typography.Text>
                    <Typography.Text type="secondary">{mail.toAddress}</Typography.Text>
                  </Space>
                ) : (
                  <Typography.Text>{mail.toAddress}</Typography.Text>
                ),
            },
            {
              key: "subject",
              dataIndex: "subject",
              title: t("settings.outbox.subject"),
              render: (subject: string) => (
                <Typography.Text ellipsis={{ tooltip: subject }} style={{ maxWidth: 320 }}>
                  {subject}
                </Typography.Text>
              ),
            },
            {
              key: "status",
              dataIndex: "status",
              title: t("settings.outbox.statusTitle"),
              render: (value: MailStatus) => <Tag color={STATUS_COLORS[value]}>{t(STATUS_KEYS[value])}</Tag>,
            },
            { key: "attempts", dataIndex: "attempts", title: t("settings.outbox.attempts"), width: 90 },
            {
              key: "nextAttemptAt",
              dataIndex: "nextAttemptAt",
              title: t("settings.outbox.nextAttemptAt"),
              render: (value: string | null) => when(value),
            },
            {
              key: "lastError",
              dataIndex: "lastError",
              title: t("settings.outbox.lastError"),
              render: (value: string | null) =>
                value ? (
                  <Typography.Text type="danger" ellipsis={{ tooltip: value }} style={{ maxWidth: 260 }}>
                    {value}
                  </Typography.Text>
                ) : (
                  NONE
                ),
            },
            {
              key: "sentAt",
              dataIndex: "sentAt",
              title: t("settings.outbox.sentAt"),
              render: (value: string | null) => when(value),
            },
            ...(canEdit
              ? [
                  {
                    key: "actions",
                    title: t("common.actions"),
                    render: (_: unknown, mail: OutboxMail) =>
                      mail.status === "DEAD" ? (
                        <Tooltip title={t("settings.outbox.retryHint")}>
                          <Button
                            size="small"
                            icon={<SendOutlined />}
                            loading={retrying === mail.id}
                            disabled={retrying !== null && retrying !== mail.id}
                            onClick={() => void sendAgain(mail)}
                            data-testid="mail-outbox-retry"
                          >
                            {t("settings.outbox.retry")}
                          </Button>
                        </Tooltip>
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
