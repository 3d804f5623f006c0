import { registerPage, WORKBENCH_PATH } from "../../app/pages";
import { registerWidget } from "./registry";
import { EventLogWidget } from "./widgets/EventLogWidget";
import { MyProfileWidget } from "./widgets/MyProfileWidget";
import { WorkbenchPage } from "./WorkbenchPage";

registerPage({ path: WORKBENCH_PATH, component: WorkbenchPage });

registerWidget({ key: "my-profile", titleKey: "widget.myProfile", permission: "menu.workbench", component: MyProfileWidget, span: 10 });
registerWidget({ key: "event-log", titleKey: "widget.eventLog", permission: "audit.read", component: EventLogWidget, span: 14 });
