import { lazy } from "react";
import { registerPage } from "../../app/pages";

registerPage({ path: "/address-book", component: lazy(() => import("./AddressBookPage").then((module) => ({ default: module.AddressBookPage }))) });
