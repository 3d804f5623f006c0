import { lazy } from "react";
import { registerPage } from "../../../app/pages";

registerPage({ path: "/admin/telephony", component: lazy(() => import("./TelephonyPage").then((module) => ({ default: module.TelephonyPage }))) });
