/**
 * Tickets on the desk's conversation. Holders of `menu.tickets` see the tickets already
 * opened from it (so that nobody opens the same one twice), each a link to it; holders of
 * `ticket.create` get "Create ticket": the new-ticket form with the conversation attached and
 * the visitor's name as the title, then the ticket's number, linking to it on the Tickets page.
 */
import { FileAddOutlined } from "@ant-design/icons";
import { App, Button, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { useQuery } from "../../api/hooks";
import { useT } from "../../i18n";
import { useOpenTab, usePermission } from "../customers/access";
import { NewTicketModal, type OpenedTicket } from "./NewTicketModal";
import { STATUS_COLORS, STATUS_KEYS } from "./labels";
import { requestOpenTicket, TICKETS_PATH } from "./openTicket";
import { TICKETS_QUERY, type TicketsData } from "./tickets.graphql";

/** The conversation's tickets shown at most; the Tickets page lists them all. */
const SHOWN = 5;

interface Props {
  conversationId: string;
  visitorName: string | null;
}

export function CreateTicketButton({ conversationId, visitorName }: Props) {
  const t = useT();
  const can = usePermission();
  const openTab = useOpenTab();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const mayRead = can("menu.tickets");
  const linked = useQuery<TicketsData>(TICKETS_QUERY, { filter: { conversationId }, offset: 0, limit: SHOWN }, { skip: !mayRead });
  if (!can("ticket.create") && !mayRead) return null;

  const show = (ticket: { id: string }) => {
    requestOpenTicket(ticket.id);
    openTab?.(TICKETS_PATH);
  };
  const opened = (ticket: OpenedTicket) => {
    if (mayRead) void linked.refetch();
    void message.success({
      duration: 8,
      content: (
        <span data-testid="desk-ticket-created">
          {ticket.number ? t("tickets.opened", { number: ticket.number }) : t("tickets.openedNoNumber")}{" "}
          {openTab && can("menu.tickets") ? (
            <Typography.Link data-testid="desk-ticket-link" onClick={() => show(ticket)}>
              {t("tickets.show")}
            </Typography.Link>
          ) : null}
        </span>
      ),
    });
  };

  return (
    <>
      {(linked.data?.tickets.items ?? []).map((ticket) => (
        <Tooltip key={ticket.id} title={`${ticket.title} · ${t(STATUS_KEYS[ticket.status])}`}>
          <Tag
            color={STATUS_COLORS[ticket.status]}
            data-testid="desk-ticket"
            style={{ cursor: openTab ? "pointer" : undefined, marginInlineEnd: 0 }}
            onClick={openTab ? () => show(ticket) : undefined}
          >
            {ticket.number}
          </Tag>
        </Tooltip>
      ))}
      {can("ticket.create") ? (
        <>
          <Button size="small" icon={<FileAddOutlined />} data-testid="desk-create-ticket" onClick={() => setOpen(true)}>
            {t("tickets.create")}
          </Button>
          <NewTicketModal
            open={open}
            onClose={() => setOpen(false)}
            onOpened={opened}
            conversationId={conversationId}
            initialTitle={visitorName ? t("tickets.titleFromVisitor", { name: visitorName }) : ""}
          />
        </>
      ) : null}
    </>
  );
}
