import { lazy } from "react";
import { registerPage } from "../../../app/pages";

registerPage({ path: "/admin/users", component: lazy(() => import("./UsersPage").then((module) => ({ default: module.UsersPage }))) });
