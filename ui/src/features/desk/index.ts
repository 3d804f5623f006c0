import { lazy } from "react";
import { registerPage } from "../../app/pages";

registerPage({ path: "/desk", component: lazy(() => import("./DeskPage").then((module) => ({ default: module.DeskPage }))) });
