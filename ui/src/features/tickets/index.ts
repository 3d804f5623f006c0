import { lazy } from "react";
import { registerPage } from "../../app/pages";
import { registerWidget } from "../workbench/registry";
import { TicketTodosWidget } from "../workbench/widgets/TicketTodosWidget";
import { TICKETS_PATH } from "./openTicket";

registerPage({ path: TICKETS_PATH, component: lazy(() => import("./TicketsPage").then((module) => ({ default: module.TicketsPage }))) });

registerWidget({ key: "ticket-todos", titleKey: "widget.ticketTodos", permission: "menu.tickets", component: TicketTodosWidget, span: 10 });
