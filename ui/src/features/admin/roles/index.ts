import { lazy } from "react";
import { registerPage } from "../../../app/pages";

registerPage({ path: "/admin/roles", component: lazy(() => import("./RolesPage").then((module) => ({ default: module.RolesPage }))) });
