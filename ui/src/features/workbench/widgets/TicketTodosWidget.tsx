/** My ticket to-dos (`myTicketTodos`): number, title, step and due time (overdue in red);
 * a click opens the ticket on the Tickets page. */
import { Alert, Empty, List, Skeleton, Space, Typography } from "antd";
import { useErrorText } from "../../../api/errors";
import { useQuery } from "../../../api/hooks";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import { useOpenTab } from "../../customers/access";
import { requestOpenTicket, TICKETS_PATH } from "../../tickets/openTicket";
import { MY_TICKET_TODOS_QUERY, type MyTicketTodosData } from "../../tickets/tickets.graphql";
import { overdue } from "../../tickets/due";

export function TicketTodosWidget() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const openTab = useOpenTab();
  const { data, error, loading } = useQuery<MyTicketTodosData>(MY_TICKET_TODOS_QUERY);
  if (loading && !data) return <Skeleton active paragraph={{ rows: 3 }} />;
  if (error) return <Alert type="error" showIcon title={errorText(error)} />;
  const todos = data?.myTicketTodos ?? [];
  if (todos.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("tickets.noTodos")} />;
  const open = (ticketId: string) => {
    requestOpenTicket(ticketId);
    openTab?.(TICKETS_PATH);
  };
  return (
    <List
      size="small"
      data-testid="ticket-todos"
      dataSource={todos}
      renderItem={(todo) => {
        const late = overdue(todo.dueAt);
        return (
          <List.Item data-testid="ticket-todo" data-ticket-id={todo.ticketId} data-overdue={late} style={{ cursor: "pointer" }} onClick={() => open(todo.ticketId)}>
            <Space orientation="vertical" size={0} style={{ width: "100%" }}>
              <Space wrap size={4}>
                <Typography.Link>{todo.number}</Typography.Link>
                <Typography.Text strong>{todo.title}</Typography.Text>
              </Space>
              <Space wrap size={4}>
                <Typography.Text type="secondary">
                  {todo.typeName} · {todo.stepName}
                </Typography.Text>
                {todo.dueAt ? (
                  <Typography.Text type={late ? "danger" : "secondary"} data-testid="ticket-todo-due">
                    {t(late ? "tickets.overdueSince" : "tickets.dueAt", { time: formatDateTime(todo.dueAt, locale) })}
                  </Typography.Text>
                ) : null}
              </Space>
            </Space>
          </List.Item>
        );
      }}
    />
  );
}
