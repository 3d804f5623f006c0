export const TENANTS_QUERY = /* GraphQL */ `
  query Tenants($first: Int!) {
    tenants(first: $first) { id slug name parentTenantId createdAt }
  }
`;

export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  parentTenantId: string | null;
  createdAt: string;
}

export interface TenantsData {
  tenants: TenantRow[];
}

export const CREATE_TENANT_MUTATION = /* GraphQL */ `
  mutation CreateTenant($input: CreateTenantInput!) {
    createTenant(input: $input) { aggregateId duplicate }
  }
`;

export interface CreateTenantVariables {
  input: {
    commandId: string;
    slug: string;
    name: string;
    admin: { username: string; displayName: string; password: string };
  };
}
