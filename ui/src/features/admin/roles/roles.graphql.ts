export type DataScope = "OWN" | "OWN_DEPARTMENT" | "DEPARTMENT_AND_BELOW" | "ALL";
export const DATA_SCOPES: readonly DataScope[] = ["OWN", "OWN_DEPARTMENT", "DEPARTMENT_AND_BELOW", "ALL"];

export type PermissionKind = "MENU" | "BUTTON" | "EXPORT" | "IMPORT" | "DOWNLOAD";
export const PERMISSION_KINDS: readonly PermissionKind[] = ["MENU", "BUTTON", "EXPORT", "IMPORT", "DOWNLOAD"];

export interface CataloguePermission {
  key: string;
  kind: PermissionKind;
  /** The menu it belongs to; null at the top. */
  parentKey: string | null;
}

export interface RoleRow {
  id: string;
  key: string | null;
  name: string;
  description: string;
  permissions: string[];
  dataScopes: { resource: string; scope: DataScope }[];
  builtIn: boolean;
}

export interface RolesPageData {
  roles: RoleRow[];
  permissionCatalogue: CataloguePermission[];
  scopedResources: string[];
}

export const ROLES_PAGE_QUERY = /* GraphQL */ `
  query RolesPage {
    roles { id key name description permissions dataScopes { resource scope } builtIn }
    permissionCatalogue { key kind parentKey }
    scopedResources
  }
`;

export const SAVE_ROLE_MUTATION = /* GraphQL */ `
  mutation SaveRole($input: RoleInput!) {
    saveRole(input: $input) { aggregateId duplicate }
  }
`;

export interface SaveRoleVariables {
  input: {
    commandId: string;
    roleId?: string;
    name: string;
    description: string;
    permissions: string[];
    dataScopes: { resource: string; scope: DataScope }[];
  };
}
