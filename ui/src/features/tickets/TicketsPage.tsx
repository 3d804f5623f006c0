/**
 * Tickets: a page of them (filtered and ordered through the query bar, with saved queries,
 * one of which `?query=<id>` applies; offset and limit), "New ticket" for holders of
 * `ticket.create`, and a ticket's drawer (opened from the list, from a to-do or from the
 * desk, through `requestOpenTicket`, or `?open=<id>`).
 */
import { PlusOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Space, Table, Tag, Typography } from "antd";
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
import { DEFAULT_TICKET_QUERY, type TicketQuery, TicketQueryBar } from "./TicketQueryBar";
import {
  type TicketFilter,
  type TicketListItem,
  TICKETS_QUERY,
  type TicketsData,
  TICKET_TYPES_QUERY,
  type TicketTypesData,
} from "./tickets.graphql";
import { overdue } from "./workflow";

const PAGE_SIZES = ["20", "50", "100"];

/** `?open=<id>` of the address the page was opened with, once. */
function openFromAddress(): string | null {
  if (typeof window === "undefined") return null;
  return new URLSearchParams(window.location.search).get("open");
}

/** `?query=<saved query id>` of the address the page was opened with, once. */
function queryFromAddressOnce(): string | null {
  if (typeof window === "undefined") return null;
  return new URLSearchParams(window.location.search).get("query");
}

export function TicketsPage() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const can = usePermission();
  const canCreate = can("ticket.create");
  const types = useQuery<TicketTypesData>(TICKET_TYPES_QUERY);

  // `?query=<id>`: the list waits until the bar has applied that saved query.
  const [queryFromAddress] = useState(queryFromAddressOnce);
  const [resolved, setResolved] = useState(!queryFromAddress);
  const [applied, setApplied] = useState<TicketQuery>(DEFAULT_TICKET_QUERY);
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const filter: TicketFilter = applied.filter;
  const tickets = useQuery<TicketsData>(TICKETS_QUERY, { filter, offset: (page - 1) * pageSize, limit: pageSize }, { skip: !resolved });

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
      <TicketQueryBar
        types={types.data?.ticketTypes ?? []}
        typesLoading={types.loading}
        applied={applied}
        openQueryId={queryFromAddress}
        onApply={(query) => {
          setApplied(query);
          setResolved(true);
          setPage(1);
        }}
      />
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
