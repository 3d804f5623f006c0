import { lazy } from "react";
import { registerPage } from "../../../app/pages";

registerPage({ path: "/audit/forks", component: lazy(() => import("./ForksPage").then((module) => ({ default: module.ForksPage }))) });
