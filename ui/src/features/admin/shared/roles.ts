/** Role names for lists and pickers: the tenant's roles from `roles`, built-in ones in the
 * user's language. */
import { useQuery } from "../../../api/hooks";
import { hasMessage, type Translate } from "../../../i18n";
import { ROLE_NAMES_QUERY, type RoleName } from "./roles.graphql";

/** `role.builtIn.<name in snake case>`, e.g. `role.builtIn.platform_administrator`. */
export function builtInRoleKey(name: string): string {
  return `role.builtIn.${name.trim().toLowerCase().replace(/\s+/g, "_")}`;
}

export function roleLabel(role: RoleName, t: Translate): string {
  if (!role.builtIn) return role.name;
  const key = role.key ? `role.builtIn.${role.key}` : builtInRoleKey(role.name);
  return hasMessage(key) ? t(key) : role.name;
}

export interface RolesState {
  roles: RoleName[];
  byId: Map<string, RoleName>;
  loading: boolean;
  refetch: () => Promise<void>;
}

/** The tenant's roles; empty when the user may not list them. */
export function useRoles(): RolesState {
  const { data, loading, refetch } = useQuery<{ roles: RoleName[] }>(ROLE_NAMES_QUERY);
  const roles = data?.roles ?? [];
  return { roles, byId: new Map(roles.map((role) => [role.id, role])), loading, refetch };
}
