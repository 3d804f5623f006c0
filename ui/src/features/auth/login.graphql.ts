export const LOGIN_MUTATION = /* GraphQL */ `
  mutation Login($tenant: String!, $username: String!, $password: String!) {
    login(tenant: $tenant, username: $username, password: $password) {
      token tenantId userId username permissions expiresAt
    }
  }
`;

export interface LoginData {
  login: { token: string; tenantId: string; userId: string; username: string; permissions: string[]; expiresAt: string };
}

export interface LoginVariables {
  tenant: string;
  username: string;
  password: string;
}
