/**
 * "Create ticket" on the desk's conversation (holders of `ticket.create`): the new-ticket
 * form with the conversation attached and the visitor's name as the title; afterwards the
 * ticket's number, linking to it on the Tickets page.
 */
import { FileAddOutlined } from "@ant-design/icons";
import { App, Button, Typography } from "antd";
import { useState } from "react";
import { useT } from "../../i18n";
import { useOpenTab, usePermission } from "../customers/access";
import { NewTicketModal, type OpenedTicket } from "./NewTicketModal";
import { requestOpenTicket, TICKETS_PATH } from "./openTicket";

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
  if (!can("ticket.create")) return null;

  const show = (ticket: OpenedTicket) => {
    requestOpenTicket(ticket.id);
    openTab?.(TICKETS_PATH);
  };
  const opened = (ticket: OpenedTicket) => {
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
  );
}
