import { lazy } from "react";
import { registerPage } from "../../app/pages";

registerPage({
  path: "/supervisor",
  component: lazy(() => import("./SupervisorPage").then((module) => ({ default: module.SupervisorPage }))),
});
