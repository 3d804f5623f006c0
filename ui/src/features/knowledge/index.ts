import { lazy } from "react";
import { registerPage } from "../../app/pages";

registerPage({ path: "/knowledge", component: lazy(() => import("./KnowledgePage").then((module) => ({ default: module.KnowledgePage }))) });
