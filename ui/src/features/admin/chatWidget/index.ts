import { lazy } from "react";
import { registerPage } from "../../../app/pages";

registerPage({
  path: "/admin/chat-widget",
  component: lazy(() => import("./ChatWidgetPage").then((module) => ({ default: module.ChatWidgetPage }))),
});
