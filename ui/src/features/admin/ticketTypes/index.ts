import { lazy } from "react";
import { registerPage } from "../../../app/pages";

export const TICKET_TYPES_PATH = "/admin/ticket-types";

registerPage({ path: TICKET_TYPES_PATH, component: lazy(() => import("./TicketTypesPage").then((module) => ({ default: module.TicketTypesPage }))) });
