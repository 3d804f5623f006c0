/**
 * Ticket types (`/admin/ticket-types`): the list (name, version, published at) and, for one,
 * the designer (TicketTypeEditor). Holders of `ticket_type.edit` create and change types.
 * Below the list, every ticket's service calls still waiting or failed (ServiceCallsPanel).
 */
import { PlusOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useQuery } from "../../../api/hooks";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import { usePermission } from "../../customers/access";
import { TICKET_TYPES_QUERY, type TicketType, type TicketTypesData } from "../../tickets/tickets.graphql";
import { ServiceCallsPanel } from "./ServiceCallsPanel";
import { TicketTypeEditor } from "./TicketTypeEditor";

export function TicketTypesPage() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const can = usePermission();
  const canEdit = can("ticket_type.edit");
  const types = useQuery<TicketTypesData>(TICKET_TYPES_QUERY);
  /** The type in the designer: an id, "new", or none. */
  const [editing, setEditing] = useState<string | null>(null);

  if (editing) {
    return (
      <TicketTypeEditor
        key={editing}
        typeId={editing === "new" ? null : editing}
        canEdit={canEdit}
        onCreated={() => void types.refetch()}
        onSaved={() => void types.refetch()}
        onBack={() => {
          void types.refetch();
          setEditing(null);
        }}
      />
    );
  }

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Card
        title={t("ticketTypes.title")}
        extra={
          canEdit ? (
            <Button type="primary" icon={<PlusOutlined />} data-testid="ticket-type-new" onClick={() => setEditing("new")}>
              {t("ticketTypes.new")}
            </Button>
          ) : null
        }
      >
        {types.error ? <Alert type="error" showIcon title={errorText(types.error)} style={{ marginBottom: 16 }} /> : null}
        <Table<TicketType>
          rowKey="id"
          size="small"
          data-testid="ticket-types-table"
          loading={types.loading}
          dataSource={types.data?.ticketTypes ?? []}
          pagination={false}
          columns={[
            {
              title: t("ticketTypes.name"),
              key: "name",
              render: (_: unknown, type: TicketType) => (
                <Typography.Link data-testid="ticket-type-open" data-type-id={type.id} onClick={() => setEditing(type.id)}>
                  {type.name}
                </Typography.Link>
              ),
            },
            { title: t("ticketTypes.description"), dataIndex: "description", key: "description", ellipsis: true },
            {
              title: t("ticketTypes.version"),
              key: "version",
              render: (_: unknown, type: TicketType) => (type.version > 0 ? `v${type.version}` : <Tag>{t("ticketTypes.unpublished")}</Tag>),
            },
            { title: t("ticketTypes.publishedAt"), key: "publishedAt", render: (_: unknown, type: TicketType) => (type.publishedAt ? formatDateTime(type.publishedAt, locale) : "—") },
            { title: t("tickets.updated"), key: "updatedAt", render: (_: unknown, type: TicketType) => formatDateTime(type.updatedAt, locale) },
          ]}
        />
      </Card>
      <ServiceCallsPanel />
    </Space>
  );
}
