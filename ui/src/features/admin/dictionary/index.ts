import { lazy } from "react";
import { registerPage } from "../../../app/pages";

registerPage({ path: "/admin/dictionary", component: lazy(() => import("./DictionaryPage").then((module) => ({ default: module.DictionaryPage }))) });
