import { lazy } from "react";
import { registerPage } from "../../../app/pages";

registerPage({
  path: "/admin/customer-fields",
  component: lazy(() => import("./CustomerFieldsPage").then((module) => ({ default: module.CustomerFieldsPage }))),
});
