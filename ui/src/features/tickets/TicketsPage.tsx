/**
 * Tickets: a page of them (filters by status, type, text and "started by me"; offset and
 * limit), "New ticket" for holders of `ticket.create`, and a ticket's drawer (opened from
 * the list, from a to-do or from the desk, through `requestOpenTicket`, or `?open=<id>`).
 */
import { PlusOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Checkbox, Input, Select, Space, Table, Tag, Typography } from "antd";
import { useCallback, useMemo, useState } from "react";
import { useErrorText } from "../../api/errors";
import { useQuery } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../i18n/format";
import { usePermission } from "../customers/access";
import { STATUS_COLORS, STATUS_KEYS } from "./labels";
import { NewTicketModal } from "./NewTicketModal";
import { useOpenTicketRequests } from "./openTicket";
import { TicketDrawer } from "./TicketDrawer";
import {
  type TicketFilter,
  type TicketListItem,
  TICKETS_QUERY,
  type TicketsData,
  type TicketStatus,
  TICKET_TYPES_QUERY,
  type TicketTypesData,
} from "./tickets.graphql";
import { overdue } from "./workflow";

const PAGE_SIZES = ["20", "50", "100"];
const STATUSES: readonly TicketStatus[] = ["OPEN", "FINISHED", "CANCELLED"];

/** `?open=<id>` of the address the page was opened with, once. */
function openFromAddress(): string | null {
  if (typeof window === "undefined") return null;
  return new URLSearchParams(window.location.search).get("open");
}

export function TicketsPage() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const can = usePermission();
  const canCreate = can("ticket.create");
  const types = useQuery<TicketTypesData>(TICKET_TYPES_QUERY);

  const [status, setStatus] = useState<TicketStatus | undefined>("OPEN");
  const [typeId, setTypeId] = useState<string | undefined>();
  const [text, setText] = useState("");
  const [startedByMe, setStartedByMe] = useState(false);
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const filter: TicketFilter = { status: status ?? null, typeId: typeId ?? null, text: text.trim() || null, startedByMe: startedByMe || null };
  const tickets = useQuery<TicketsData>(TICKETS_QUERY, { filter, offset: (page - 1) * pageSize, limit: pageSize });

  const [viewing, setViewing] = useState<string | null>(openFromAddress);
  const [creating, setCreating] = useState(false);
  useOpenTicketRequests(useCallback((ticketId: string) => setViewing(ticketId), []));

  const columns = useMemo(
    () => [
      {
        title: t("tickets.number"),
        dataIndex: "number",
        key: "number",
        render: (_: unknown, item: TicketListItem) => (
          <Typography.Link data-testid="ticket-row-open" onClick={() => setViewing(item.id)}>
            {item.number}
          </Typography.Link>
        ),
      },
      { title: t("tickets.title"), dataIndex: "title", key: "title" },
      { title: t("tickets.type"), key: "type", render: (_: unknown, item: TicketListItem) => `${item.typeName} v${item.version}` },
      {
        title: t("tickets.status"),
        key: "status",
        render: (_: unknown, item: TicketListItem) => <Tag color={STATUS_COLORS[item.status]}>{t(STATUS_KEYS[item.status])}</Tag>,
      },
      {
        title: t("tickets.currentSteps"),
        key: "steps",
        render: (_: unknown, item: TicketListItem) => (
          <Space size={[0, 4]} wrap>
            {item.tasks.map((task) => (
              <Tag key={task.token} color={overdue(task.dueAt) ? "error" : task.mine ? "blue" : undefined}>
                {task.stepName} · {task.candidateName}
              </Tag>
            ))}
          </Space>
        ),
      },
      { title: t("tickets.updated"), key: "updatedAt", render: (_: unknown, item: TicketListItem) => formatDateTime(item.updatedAt, locale) },
    ],
    [t, locale],
  );

  return (
    <Card
      title={t("tickets.pageTitle")}
      extra={
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => void tickets.refetch()} aria-label={t("common.refresh")} />
          {canCreate ? (
            <Button type="primary" icon={<PlusOutlined />} data-testid="ticket-new" onClick={() => setCreating(true)}>
              {t("tickets.new")}
            </Button>
          ) : null}
        </Space>
      }
    >
      <Space wrap style={{ marginBottom: 16 }}>
        <Select<TicketStatus>
          allowClear
          data-testid="ticket-filter-status"
          style={{ minWidth: 140 }}
          placeholder={t("tickets.anyStatus")}
          value={status}
          options={STATUSES.map((value) => ({ value, label: t(STATUS_KEYS[value]) }))}
          onChange={(value) => {
            setStatus(value ?? undefined);
            setPage(1);
          }}
        />
        <Select<string>
          allowClear
          data-testid="ticket-filter-type"
          style={{ minWidth: 180 }}
          placeholder={t("tickets.anyType")}
          value={typeId}
          options={(types.data?.ticketTypes ?? []).map((type) => ({ value: type.id, label: type.name }))}
          onChange={(value) => {
            setTypeId(value ?? undefined);
            setPage(1);
          }}
        />
        <Input.Search
          allowClear
          data-testid="ticket-filter-text"
          placeholder={t("tickets.searchPlaceholder")}
          style={{ width: 240 }}
          onSearch={(value) => {
            setText(value);
            setPage(1);
          }}
        />
        <Checkbox
          data-testid="ticket-filter-mine"
          checked={startedByMe}
          onChange={(event) => {
            setStartedByMe(event.target.checked);
            setPage(1);
          }}
        >
          {t("tickets.startedByMe")}
        </Checkbox>
      </Space>
      {tickets.error ? <Alert type="error" showIcon title={errorText(tickets.error)} style={{ marginBottom: 16 }} /> : null}
      <Table<TicketListItem>
        rowKey="id"
        size="small"
        data-testid="tickets-table"
        loading={tickets.loading}
        columns={columns}
        dataSource={tickets.data?.tickets.items ?? []}
        pagination={{
          current: page,
          pageSize,
          total: tickets.data?.tickets.total ?? 0,
          showSizeChanger: true,
          pageSizeOptions: PAGE_SIZES,
          showTotal: (total) => t("tickets.total", { total }),
        }}
        onChange={(pagination) => {
          setPage(pagination.current ?? 1);
          setPageSize(pagination.pageSize ?? 20);
        }}
      />
      <TicketDrawer ticketId={viewing} onClose={() => setViewing(null)} onChanged={() => void tickets.refetch()} />
      <NewTicketModal
        open={creating}
        onClose={() => setCreating(false)}
        onOpened={(opened) => {
          void message.success(opened.number ? t("tickets.opened", { number: opened.number }) : t("tickets.openedNoNumber"));
          void tickets.refetch();
          setViewing(opened.id);
        }}
      />
    </Card>
  );
}
