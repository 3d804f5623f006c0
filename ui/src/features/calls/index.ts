import { lazy } from "react";
import { registerPage } from "../../app/pages";
import { registerSoftphoneBar } from "../shell/SoftphoneBar";
import { SoftphoneCall } from "./SoftphoneCall";

export const CALLS_PATH = "/calls";

registerPage({ path: CALLS_PATH, component: lazy(() => import("./CallsPage").then((module) => ({ default: module.CallsPage }))) });
registerSoftphoneBar(SoftphoneCall);
