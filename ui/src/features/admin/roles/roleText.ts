/** A role's name and description as the user reads them: built-in roles in the user's
 * language, a tenant's own roles as written. */
import { hasMessage, type MessageKey, type Translate } from "../../../i18n";
import { roleLabel } from "../shared/roles";
import type { DataScope, RoleRow } from "./roles.graphql";

export const SCOPE_KEYS: Record<DataScope, MessageKey> = {
  OWN: "role.scope.own",
  OWN_DEPARTMENT: "role.scope.ownDepartment",
  DEPARTMENT_AND_BELOW: "role.scope.departmentAndBelow",
  ALL: "role.scope.all",
};

export function roleName(role: RoleRow, t: Translate): string {
  return roleLabel(role, t);
}

export function roleDescription(role: RoleRow, t: Translate): string {
  const key = role.builtIn && role.key ? `role.builtInDescription.${role.key}` : "";
  return key && hasMessage(key) ? t(key) : role.description;
}

/** `role.resource.<resource>`, or the resource's own name for one this build does not know. */
export function resourceLabel(resource: string, t: Translate): string {
  const key = `role.resource.${resource}`;
  return hasMessage(key) ? t(key) : resource;
}
