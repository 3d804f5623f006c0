/** The shell's documents: who is logged in, their menus and widgets, the tenant's branding. */

export interface MenuItem {
  key: string;
  /** An i18n key of our locale files. */
  titleKey: string;
  path: string;
  icon: string;
  children: MenuItem[];
}

export interface Me {
  id: string;
  tenantId: string;
  username: string;
  displayName: string;
  roleIds: string[];
  orgUnitId: string | null;
  permissions: string[];
}

export interface ShellData {
  me: Me;
  tenant: { id: string; slug: string; name: string } | null;
  myMenus: MenuItem[];
  myWidgets: { key: string }[];
}

export const SHELL_QUERY = /* GraphQL */ `
  query Shell {
    me { id tenantId username displayName roleIds orgUnitId permissions }
    tenant { id slug name }
    myMenus {
      key titleKey path icon
      children {
        key titleKey path icon
        children { key titleKey path icon children { key } }
      }
    }
    myWidgets { key }
  }
`;

/** Empty strings mean "not set". */
export interface TenantSettings {
  organisationName: string;
  logoUrl: string;
  copyright: string;
  hotlineNumber: string;
  websiteUrl: string;
}

export const TENANT_SETTINGS_QUERY = /* GraphQL */ `
  query TenantSettings {
    tenantSettings { organisationName logoUrl copyright hotlineNumber websiteUrl }
  }
`;

export const LOGOUT_MUTATION = /* GraphQL */ `
  mutation Logout {
    logout
  }
`;

export const LOGOUT_EVERYWHERE_MUTATION = /* GraphQL */ `
  mutation LogoutEverywhere {
    logoutEverywhere { commandId }
  }
`;
