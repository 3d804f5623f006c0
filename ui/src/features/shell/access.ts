/** What the logged-in user may see and do, and the tenant's branding, from the server. */
import { GraphqlError, request } from "../../api/client";
import { type MenuItem, type ShellData, SHELL_QUERY, TENANT_SETTINGS_QUERY, type TenantSettings } from "./shell.graphql";

export interface Access {
  menus: MenuItem[];
  widgetKeys: Set<string>;
  permissions: Set<string>;
}

export interface ShellLoad {
  me: ShellData["me"];
  tenant: ShellData["tenant"];
  access: Access;
  settings: TenantSettings | null;
}

export async function loadShell(): Promise<ShellLoad> {
  const [shell, settings] = await Promise.all([request<ShellData>(SHELL_QUERY), loadTenantSettings()]);
  return {
    me: shell.me,
    tenant: shell.tenant,
    settings,
    access: {
      menus: shell.myMenus,
      widgetKeys: new Set(shell.myWidgets.map((widget) => widget.key)),
      permissions: new Set(shell.me.permissions),
    },
  };
}

/** The header's and footer's settings; null while the server has no `tenantSettings`
 * (it answers `graphql.invalid_request`) or does not show them to this user. */
export async function loadTenantSettings(): Promise<TenantSettings | null> {
  try {
    const data = await request<{ tenantSettings: TenantSettings | null }>(TENANT_SETTINGS_QUERY);
    return data.tenantSettings;
  } catch (error) {
    if (error instanceof GraphqlError && ["graphql.invalid_request", "auth.forbidden"].includes(error.code)) return null;
    throw error;
  }
}

/** The leaves of a menu tree, depth first: the entries that open a tab. */
export function menuLeaves(items: readonly MenuItem[]): MenuItem[] {
  return items.flatMap((item) => (item.children.length > 0 ? menuLeaves(item.children) : [item]));
}
