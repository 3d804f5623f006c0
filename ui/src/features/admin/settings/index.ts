import { lazy } from "react";
import { registerPage } from "../../../app/pages";

registerPage({ path: "/admin/settings", component: lazy(() => import("./SettingsPage").then((module) => ({ default: module.SettingsPage }))) });
