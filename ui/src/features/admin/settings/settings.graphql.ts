export interface TenantSettingsValues {
  organisationName: string;
  logoUrl: string;
  copyright: string;
  hotlineNumber: string;
  websiteUrl: string;
  /** Empty: none (no reminders by mail, no replies by mail). */
  supportEmail: string;
}

export interface SettingsPageData {
  tenantSettings: (TenantSettingsValues & { updatedAt: string }) | null;
  tenantUsage: { seats: number; minutes: number; messages: number };
  tenant: { id: string; slug: string; name: string } | null;
}

export const SETTINGS_PAGE_QUERY = /* GraphQL */ `
  query SettingsPage {
    tenantSettings { organisationName logoUrl copyright hotlineNumber websiteUrl supportEmail updatedAt }
    tenantUsage { seats minutes messages }
    tenant { id slug name }
  }
`;

export const UPDATE_TENANT_SETTINGS_MUTATION = /* GraphQL */ `
  mutation UpdateTenantSettings($input: UpdateTenantSettingsInput!) {
    updateTenantSettings(input: $input) { aggregateId duplicate }
  }
`;

export interface UpdateTenantSettingsVariables {
  input: TenantSettingsValues & { commandId: string };
}
