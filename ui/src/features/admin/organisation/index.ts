import { lazy } from "react";
import { registerPage } from "../../../app/pages";

registerPage({ path: "/admin/organisation", component: lazy(() => import("./OrganisationPage").then((module) => ({ default: module.OrganisationPage }))) });
