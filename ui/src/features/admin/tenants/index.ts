import { lazy } from "react";
import { registerPage } from "../../../app/pages";

registerPage({ path: "/admin/tenants", component: lazy(() => import("./TenantsPage").then((module) => ({ default: module.TenantsPage }))) });
