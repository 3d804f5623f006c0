import { lazy } from "react";
import { registerPage } from "../../../app/pages";

registerPage({ path: "/admin/webhooks", component: lazy(() => import("./WebhooksPage").then((module) => ({ default: module.WebhooksPage }))) });
