export const ROLE_NAMES_QUERY = /* GraphQL */ `
  query RoleNames {
    roles { id key name builtIn }
  }
`;

export interface RoleName {
  id: string;
  /** A built-in role's stable key (`administrator`, ...); null for a tenant's own role. */
  key?: string | null;
  name: string;
  builtIn: boolean;
}
