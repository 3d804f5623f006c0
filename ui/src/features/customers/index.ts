import { lazy } from "react";
import { registerPage } from "../../app/pages";
import { CUSTOMERS_PATH } from "./openCustomer";

registerPage({ path: CUSTOMERS_PATH, component: lazy(() => import("./CustomersPage").then((module) => ({ default: module.CustomersPage }))) });
