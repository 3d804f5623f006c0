export const ROLE_NAMES_QUERY = /* GraphQL */ `
  query RoleNames {
    roles { id name builtIn }
  }
`;

export interface RoleName {
  id: string;
  name: string;
  builtIn: boolean;
}
