import { lazy } from "react";
import { registerPage } from "../../../app/pages";

registerPage({ path: "/admin/acd", component: lazy(() => import("./AcdPage").then((module) => ({ default: module.AcdPage }))) });
