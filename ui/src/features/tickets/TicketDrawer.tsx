/**
 * One ticket: its header, its form (form-js) as the chosen task of mine shows it (hidden
 * fields removed, read-only ones disabled, required ones required), "Export" (the ticket
 * filled into one of its type's Word or Excel templates, downloaded), "Complete <step>"
 * sending the values of that step's editable fields only (the form rules of the ticket's
 * version run on them as the user types, at that step; a value they calculate shows in its
 * field, read-only, and is not sent: the server calculates it again), the open tasks with
 * their candidates, due times and whether they are overdue (an outside collaborator's with when its
 * mailed link expires and "Send link again"), the service tasks it waits on (a failed
 * one with its error and Retry), the history (mail replies among the comments), a comment box
 * and cancelling with a reason.
 */
import { DownOutlined, ExportOutlined, MailOutlined, RedoOutlined, SendOutlined } from "@ant-design/icons";
import { Alert, App, Button, Descriptions, Drawer, Dropdown, Empty, Input, List, Modal, Radio, Skeleton, Space, Tag, theme, Timeline, Typography } from "antd";
import { useMemo, useRef, useState } from "react";
import { newCommandId } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { downloadFile } from "../../api/saveFile";
import { useMutation, useQuery } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../i18n/format";
import { useCommandId } from "../admin/shared/commandId";
import { useOpenTab } from "../customers/access";
import type { FormViewApi } from "./FormView";
import { useFieldDirectory } from "./fields/useFieldDirectory";
import { CANDIDATE_KEYS, STATUS_COLORS, STATUS_KEYS } from "./labels";
import { LazyFormView } from "./LazyFormView";
import { RulesOutcome } from "./RulesOutcome";
import {
  CANCEL_TICKET_MUTATION,
  type CancelTicketVariables,
  COMMENT_TICKET_MUTATION,
  type CommentTicketVariables,
  COMPLETE_TICKET_TASK_MUTATION,
  type CompleteTicketTaskData,
  type CompleteTicketTaskVariables,
  exportFileName,
  exportUrl,
  type FormValues,
  RETRY_TICKET_SERVICE_MUTATION,
  type RetryTicketServiceVariables,
  SEND_TICKET_LINK_MUTATION,
  type SendTicketLinkVariables,
  TEMPLATE_MEDIA_TYPES,
  type Ticket,
  type TicketExportTemplate,
  TICKET_QUERY,
  type TicketData,
  type TicketServiceCall,
  type TicketTask,
} from "./tickets.graphql";
import { calculatedValues, useFormRules } from "./useFormRules";
import { editableValues, formFields, overdue, schemaForStep, serverDetail, ticketFieldErrors, typedValues } from "./workflow";

const DESK_PATH = "/desk";

interface Props {
  ticketId: string | null;
  onClose: () => void;
  /** After a change (completed, commented, cancelled): the list refreshes. */
  onChanged: () => void;
}

export function TicketDrawer({ ticketId, onClose, onChanged }: Props) {
  const { t } = useI18n();
  const { data, error, loading, refetch } = useQuery<TicketData>(TICKET_QUERY, { id: ticketId }, { skip: !ticketId });
  const ticket = data?.ticket && data.ticket.id === ticketId ? data.ticket : null;
  return (
    <Drawer open={ticketId !== null} onClose={onClose} size="large" width={820} destroyOnHidden title={ticket ? `${ticket.number} · ${ticket.title}` : t("tickets.ticket")} data-testid="ticket-drawer">
      {error ? <Alert type="error" showIcon title={<ErrorLine error={error} />} /> : null}
      {loading && !ticket ? <Skeleton active /> : null}
      {!loading && !error && data && !data.ticket ? <Empty description={t("error.ticket.not_found")} /> : null}
      {ticket ? (
        <TicketDetail
          key={`${ticket.id}-${ticket.updatedAt}`}
          ticket={ticket}
          onChanged={() => {
            void refetch();
            onChanged();
          }}
        />
      ) : null}
    </Drawer>
  );
}

function ErrorLine({ error }: { error: unknown }) {
  return <>{useErrorText()(error)}</>;
}

function TicketDetail({ ticket, onChanged }: { ticket: Ticket; onChanged: () => void }) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { token } = theme.useToken();
  const openTab = useOpenTab();
  const mine = ticket.tasks.filter((task) => task.mine);
  const [taskToken, setTaskToken] = useState<number | null>(mine[0]?.token ?? null);
  const task: TicketTask | null = mine.find((candidate) => candidate.token === taskToken) ?? null;
  const schema = useMemo(() => schemaForStep(ticket.form, task && ticket.status === "OPEN" ? task.fields : null), [ticket.form, task, ticket.status]);
  const [values, setValues] = useState<FormValues>(ticket.values);
  /** The calculated keys the form shows in their fields. */
  const [calculatedKeys, setCalculatedKeys] = useState<string[]>([]);
  // What this step sends: its editable fields, without what the rules calculated into them.
  const stepValues = useMemo(() => (task ? editableValues(typedValues(values, calculatedKeys), task.fields) : {}), [values, calculatedKeys, task]);
  // The rules see the ticket as the server will after this step: its values, then the step's.
  const afterStep = useMemo(() => (task ? { ...ticket.values, ...stepValues } : ticket.values), [ticket.values, stepValues, task]);
  const rules = useFormRules(task && ticket.status === "OPEN" ? ticket.rules : null, afterStep, task?.stepId ?? "");
  const computed = useMemo(() => calculatedValues(rules), [rules]);
  const viewer = useRef<FormViewApi | null>(null);
  const directory = useFieldDirectory(ticket);
  const [completeCommand, setCompleteCommand] = useState(newCommandId);
  const complete = useMutation<CompleteTicketTaskData, CompleteTicketTaskVariables>(COMPLETE_TICKET_TASK_MUTATION);
  const [completeError, setCompleteError] = useState<unknown>();
  const comment = useMutation<unknown, CommentTicketVariables>(COMMENT_TICKET_MUTATION);
  const [commentText, setCommentText] = useState("");
  const [commentCommand, renewCommentCommand] = useCommandId();
  const cancel = useMutation<unknown, CancelTicketVariables>(CANCEL_TICKET_MUTATION);
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState("");
  const [cancelCommand, renewCancelCommand] = useCommandId();
  const retry = useMutation<unknown, RetryTicketServiceVariables>(RETRY_TICKET_SERVICE_MUTATION);
  const [retryCommand, renewRetryCommand] = useCommandId();
  /** The token of the service call being retried. */
  const [retrying, setRetrying] = useState<number | null>(null);
  const sendLink = useMutation<unknown, SendTicketLinkVariables>(SEND_TICKET_LINK_MUTATION);
  const [sendLinkCommand, renewSendLinkCommand] = useCommandId();
  /** The token of the external task whose link is being sent again. */
  const [sendingLink, setSendingLink] = useState<number | null>(null);
  const labels = new Map(formFields(ticket.form).map((field) => [field.key, field.label]));
  const problems = ticketFieldErrors(completeError);
  const isOpen = ticket.status === "OPEN";

  const completeTask = async () => {
    if (!task) return;
    setCompleteError(undefined);
    if (viewer.current && !viewer.current.validate()) return;
    try {
      await complete.mutate({ input: { commandId: completeCommand, ticketId: ticket.id, token: task.token, values: stepValues } });
    } catch (caught) {
      setCompleteError(caught);
      return;
    }
    void message.success(t("tickets.completed", { step: task.stepName }));
    onChanged();
  };

  const sendComment = async () => {
    try {
      await comment.mutate({ input: { commandId: commentCommand, ticketId: ticket.id, text: commentText.trim() } });
    } catch (caught) {
      void message.error(errorText(caught));
      return;
    }
    setCommentText("");
    renewCommentCommand();
    onChanged();
  };

  const cancelTicket = async () => {
    try {
      await cancel.mutate({ input: { commandId: cancelCommand, ticketId: ticket.id, reason: reason.trim() } });
    } catch (caught) {
      void message.error(errorText(caught));
      return;
    }
    setCancelling(false);
    void message.success(t("tickets.cancelled", { number: ticket.number }));
    onChanged();
  };

  const retryService = async (call: TicketServiceCall) => {
    setRetrying(call.token);
    try {
      await retry.mutate({ input: { commandId: retryCommand, ticketId: ticket.id, token: call.token } });
    } catch (caught) {
      void message.error(errorText(caught));
      return;
    } finally {
      setRetrying(null);
    }
    renewRetryCommand();
    void message.success(t("tickets.serviceRetried", { step: call.stepName }));
    onChanged();
  };

  const sendLinkAgain = async (item: TicketTask) => {
    setSendingLink(item.token);
    try {
      await sendLink.mutate({ input: { commandId: sendLinkCommand, ticketId: ticket.id, token: item.token } });
    } catch (caught) {
      void message.error(errorText(caught));
      return;
    } finally {
      setSendingLink(null);
    }
    renewSendLinkCommand();
    void message.success(t("tickets.linkSentTo", { address: item.candidateName }));
    onChanged();
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }} data-testid="ticket-detail" data-ticket-id={ticket.id}>
      <Descriptions size="small" column={2} bordered>
        <Descriptions.Item label={t("tickets.number")}>
          <span data-testid="ticket-number">{ticket.number}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t("tickets.status")}>
          <Tag color={STATUS_COLORS[ticket.status]} data-testid="ticket-status">
            {t(STATUS_KEYS[ticket.status])}
          </Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t("tickets.title")} span={2}>
          {ticket.title}
        </Descriptions.Item>
        <Descriptions.Item label={t("tickets.type")}>{`${ticket.typeName} v${ticket.version}`}</Descriptions.Item>
        <Descriptions.Item label={t("tickets.starter")}>{ticket.starterName}</Descriptions.Item>
        <Descriptions.Item label={t("tickets.created")}>{formatDateTime(ticket.createdAt, locale)}</Descriptions.Item>
        <Descriptions.Item label={t("tickets.updated")}>{formatDateTime(ticket.updatedAt, locale)}</Descriptions.Item>
        {ticket.conversationId ? (
          <Descriptions.Item label={t("tickets.conversation")} span={2}>
            <Button type="link" size="small" style={{ paddingInline: 0 }} data-testid="ticket-conversation" disabled={!openTab} onClick={() => openTab?.(DESK_PATH)}>
              {ticket.conversationId.slice(0, 8)}
            </Button>
          </Descriptions.Item>
        ) : null}
      </Descriptions>

      <div>
        <Typography.Title level={5}>{t("tickets.openTasks")}</Typography.Title>
        {ticket.tasks.length === 0 ? (
          <Typography.Text type="secondary">{t("tickets.noOpenTasks")}</Typography.Text>
        ) : (
          <List
            size="small"
            bordered
            dataSource={ticket.tasks}
            renderItem={(item) => (
              <List.Item
                data-testid="ticket-task"
                data-token={item.token}
                actions={
                  item.candidateKind === "EXTERNAL" && isOpen
                    ? [
                        <Button key="send-link" size="small" icon={<SendOutlined />} data-testid="ticket-task-send-link" title={t("tickets.sendLinkAgainHint")} loading={sendingLink === item.token} disabled={sendingLink !== null && sendingLink !== item.token} onClick={() => void sendLinkAgain(item)}>
                          {t("tickets.sendLinkAgain")}
                        </Button>,
                      ]
                    : undefined
                }
              >
                <Space wrap>
                  <Typography.Text strong>{item.stepName}</Typography.Text>
                  <span>
                    {t(CANDIDATE_KEYS[item.candidateKind])}: {item.candidateName}
                  </span>
                  {item.dueAt ? (
                    <Typography.Text type={overdue(item.dueAt) ? "danger" : "secondary"}>{t("tickets.dueAt", { time: formatDateTime(item.dueAt, locale) })}</Typography.Text>
                  ) : null}
                  {item.overdue ? (
                    <Tag color="error" data-testid="ticket-task-overdue">
                      {t("tickets.overdue")}
                    </Tag>
                  ) : null}
                  {item.candidateKind === "EXTERNAL" ? <LinkState expiresAt={item.linkExpiresAt} /> : null}
                  {item.mine ? <Tag color="blue">{t("tickets.mine")}</Tag> : null}
                </Space>
              </List.Item>
            )}
          />
        )}
      </div>

      {ticket.serviceCalls.length > 0 ? (
        <div>
          <Typography.Title level={5}>{t("tickets.serviceCalls")}</Typography.Title>
          <List
            size="small"
            bordered
            dataSource={ticket.serviceCalls}
            renderItem={(call) => (
              <List.Item
                data-testid="ticket-service-call"
                data-token={call.token}
                actions={
                  call.failed && isOpen
                    ? [
                        <Button key="retry" size="small" icon={<RedoOutlined />} data-testid="ticket-service-retry" loading={retrying === call.token} disabled={retrying !== null && retrying !== call.token} onClick={() => void retryService(call)}>
                          {t("tickets.serviceRetry")}
                        </Button>,
                      ]
                    : undefined
                }
              >
                <Space orientation="vertical" size={0} style={{ minWidth: 0 }}>
                  <Space wrap>
                    <Typography.Text strong>{call.stepName}</Typography.Text>
                    {call.failed ? (
                      <Tag color="error" data-testid="ticket-service-failed">
                        {t("tickets.serviceFailed")}
                      </Tag>
                    ) : (
                      <Tag color="processing">{t("tickets.serviceCalling")}</Tag>
                    )}
                    <Typography.Text type="secondary">{t("tickets.serviceSince", { time: formatDateTime(call.since, locale) })}</Typography.Text>
                  </Space>
                  <Typography.Text type="secondary" style={{ wordBreak: "break-all" }}>
                    {call.url}
                  </Typography.Text>
                  {call.failed && call.error ? (
                    <Typography.Text type="danger" style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }} data-testid="ticket-service-error">
                      {call.error}
                    </Typography.Text>
                  ) : null}
                </Space>
              </List.Item>
            )}
          />
        </div>
      ) : null}

      {isOpen && mine.length > 1 ? (
        <Radio.Group value={taskToken} onChange={(event) => setTaskToken(event.target.value as number)} data-testid="ticket-task-choice">
          {mine.map((candidate) => (
            <Radio.Button key={candidate.token} value={candidate.token}>
              {candidate.stepName}
            </Radio.Button>
          ))}
        </Radio.Group>
      ) : null}

      <div style={{ border: `1px solid ${token.colorBorderSecondary}`, borderRadius: token.borderRadius, padding: token.paddingSM }}>
        <LazyFormView
          key={task?.token ?? "none"}
          schema={schema}
          data={ticket.values}
          readOnly={!task || !isOpen}
          directory={directory}
          computed={computed}
          onCalculatedKeys={setCalculatedKeys}
          onChange={(next) => {
            setValues(next);
            setCompleteCommand(newCommandId());
          }}
          onReady={(api) => {
            viewer.current = api;
          }}
        />
      </div>

      <RulesOutcome result={rules} labels={labels} inFields={calculatedKeys} />

      {completeError ? (
        <Alert
          type="error"
          showIcon
          data-testid="ticket-complete-error"
          title={errorText(completeError)}
          description={problems.length > 0 ? problems.map((problem) => `${labels.get(problem.field) ?? problem.field}: ${problem.message}`).join("; ") : (serverDetail(completeError) ?? undefined)}
        />
      ) : null}

      <Space wrap>
        {isOpen && task ? (
          <Button type="primary" data-testid="ticket-complete" loading={complete.loading} onClick={() => void completeTask()}>
            {t("tickets.complete", { step: task.stepName })}
          </Button>
        ) : null}
        {isOpen ? (
          <Button danger data-testid="ticket-cancel" onClick={() => setCancelling(true)}>
            {t("tickets.cancelTicket")}
          </Button>
        ) : null}
        <ExportButton ticket={ticket} />
      </Space>

      <div>
        <Typography.Title level={5}>{t("tickets.history")}</Typography.Title>
        <Timeline
          data-testid="ticket-history"
          items={ticket.history.map((entry) => ({
            children: (
              <Space orientation="vertical" size={0}>
                <Typography.Text type="secondary">
                  {formatDateTime(entry.at, locale)} · {entry.actorName || t("tickets.system")}
                </Typography.Text>
                <span>
                  {entry.kind === "mail_received" ? <MailOutlined style={{ marginInlineEnd: token.marginXXS }} /> : null}
                  {entry.kind === "link_sent" ? <SendOutlined style={{ marginInlineEnd: token.marginXXS }} /> : null}
                  {historyKind(entry.kind, t)}
                  {entry.stepName ? ` · ${entry.stepName}` : ""}
                </span>
                {entry.text ? (
                  <Typography.Paragraph type={entry.kind === "service_failed" ? "danger" : undefined} style={{ marginBottom: 0, whiteSpace: "pre-wrap" }}>
                    {/* An overdue step's text names whom it was escalated to. */}
                    {entry.kind === "overdue"
                      ? t("tickets.history.escalatedTo", { name: entry.text })
                      : entry.kind === "link_sent"
                        ? t("tickets.history.linkSentTo", { address: entry.text })
                        : entry.text}
                  </Typography.Paragraph>
                ) : null}
              </Space>
            ),
          }))}
        />
        <Space.Compact style={{ width: "100%" }}>
          <Input.TextArea
            data-testid="ticket-comment-text"
            value={commentText}
            maxLength={4000}
            autoSize={{ minRows: 1, maxRows: 6 }}
            placeholder={t("tickets.commentPlaceholder")}
            onChange={(event) => {
              setCommentText(event.target.value);
              renewCommentCommand();
            }}
          />
          <Button data-testid="ticket-comment" disabled={commentText.trim() === ""} loading={comment.loading} onClick={() => void sendComment()}>
            {t("tickets.comment")}
          </Button>
        </Space.Compact>
      </div>

      <Modal
        open={cancelling}
        title={t("tickets.cancelTitle", { number: ticket.number })}
        okText={t("tickets.cancelTicket")}
        cancelText={t("common.close")}
        okButtonProps={{ danger: true, disabled: reason.trim() === "", "data-testid": "ticket-cancel-confirm" }}
        confirmLoading={cancel.loading}
        onOk={() => void cancelTicket()}
        onCancel={() => setCancelling(false)}
      >
        <Input.TextArea data-testid="ticket-cancel-reason" value={reason} maxLength={1000} placeholder={t("tickets.cancelReason")} onChange={(event) => {
            setReason(event.target.value);
            renewCancelCommand();
          }} />
      </Modal>
    </Space>
  );
}

/** "Export": a menu of the type's templates; the chosen one downloads the ticket filled into
 * it, its texts in the UI's language. Nothing without templates. */
function ExportButton({ ticket }: { ticket: Ticket }) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [exporting, setExporting] = useState<string | null>(null);
  const templates = ticket.exportTemplates ?? [];
  if (templates.length === 0) return null;

  const exportThrough = async (template: TicketExportTemplate) => {
    setExporting(template.id);
    try {
      await downloadFile(exportUrl(ticket.id, template.id, locale), TEMPLATE_MEDIA_TYPES[template.format], exportFileName(ticket.number, template));
    } catch (caught) {
      void message.error(t("tickets.exportFailed", { name: template.name, reason: errorText(caught) }));
    } finally {
      setExporting(null);
    }
  };

  return (
    <Dropdown
      trigger={["click"]}
      disabled={exporting !== null}
      menu={{
        items: templates.map((template) => ({
          key: template.id,
          label: (
            <span data-testid="ticket-export-item" data-name={template.name}>
              {template.name} <Tag style={{ marginInlineStart: 4 }}>{template.format}</Tag>
            </span>
          ),
        })),
        onClick: ({ key }) => {
          const template = templates.find((candidate) => candidate.id === key);
          if (template) void exportThrough(template);
        },
      }}
    >
      <Button icon={<ExportOutlined />} loading={exporting !== null} title={t("tickets.exportHint")} data-testid="ticket-export">
        <Space size={4}>
          {t("tickets.export")}
          <DownOutlined />
        </Space>
      </Button>
    </Dropdown>
  );
}

/** Where an external task's mailed link stands: when it expires, expired, or not sent yet. */
function LinkState({ expiresAt }: { expiresAt: string | null }) {
  const { t, locale } = useI18n();
  if (!expiresAt) {
    return (
      <Typography.Text type="warning" data-testid="ticket-task-link" data-state="unsent">
        {t("tickets.linkNotSent")}
      </Typography.Text>
    );
  }
  const expired = overdue(expiresAt);
  return (
    <Typography.Text type={expired ? "danger" : "secondary"} data-testid="ticket-task-link" data-state={expired ? "expired" : "sent"} title={formatDateTime(expiresAt, locale)}>
      {expired ? t("tickets.linkExpired") : t("tickets.linkExpiresAt", { time: formatDateTime(expiresAt, locale) })}
    </Typography.Text>
  );
}

/** The server's history kinds (graphql/src/tickets.rs); another shows as it comes. */
const HISTORY_KINDS: Record<string, string> = {
  opened: "tickets.history.opened",
  task_completed: "tickets.history.taskCompleted",
  timer_fired: "tickets.history.timerFired",
  service_done: "tickets.history.serviceDone",
  service_failed: "tickets.history.serviceFailed",
  service_retried: "tickets.history.serviceRetried",
  commented: "tickets.history.commented",
  cancelled: "tickets.history.cancelled",
  finished: "tickets.history.finished",
  reminded: "tickets.history.reminded",
  overdue: "tickets.history.overdue",
  mail_received: "tickets.history.mailReceived",
  link_sent: "tickets.history.linkSent",
};

function historyKind(kind: string, t: ReturnType<typeof useI18n>["t"]): string {
  const key = HISTORY_KINDS[kind.toLowerCase()];
  return key ? t(key) : kind;
}
