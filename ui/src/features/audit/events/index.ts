import { lazy } from "react";
import { registerPage } from "../../../app/pages";

registerPage({ path: "/audit/events", component: lazy(() => import("./AuditEventsPage").then((module) => ({ default: module.AuditEventsPage }))) });
