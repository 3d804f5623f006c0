export interface TenantSettingsValues {
  organisationName: string;
  logoUrl: string;
  copyright: string;
  hotlineNumber: string;
  websiteUrl: string;
  /** Empty: none (no reminders by mail, no replies by mail). */
  supportEmail: string;
  /** The IANA time zone mails and exports write times in ("Asia/Shanghai"); empty: UTC. */
  timeZone: string;
}

export interface SettingsPageData {
  tenantSettings: (TenantSettingsValues & { updatedAt: string }) | null;
  tenantUsage: { seats: number; minutes: number; messages: number };
  tenant: { id: string; slug: string; name: string } | null;
}

export const SETTINGS_PAGE_QUERY = /* GraphQL */ `
  query SettingsPage {
    tenantSettings { organisationName logoUrl copyright hotlineNumber websiteUrl supportEmail timeZone updatedAt }
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

/** Where a queued mail is: waiting (no relay yet, or retrying after an error), sent, or given up. */
export type MailStatus = "QUEUED" | "SENT" | "DEAD";

/** One mail of the tenant's outbox; its body is never sent to the web app. */
export interface OutboxMail {
  id: string;
  toName: string;
  toAddress: string;
  subject: string;
  status: MailStatus;
  attempts: number;
  /** Null once sent or given up. */
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface MailOutboxData {
  mailOutbox: { items: OutboxMail[]; total: number };
}

export interface MailOutboxVariables {
  /** Absent: every status. */
  status?: MailStatus;
  offset: number;
  limit: number;
}

/** Newest first. */
export const MAIL_OUTBOX_QUERY = /* GraphQL */ `
  query MailOutbox($status: MailStatus, $offset: Int!, $limit: Int!) {
    mailOutbox(status: $status, offset: $offset, limit: $limit) {
      items { id toName toAddress subject status attempts nextAttemptAt lastError createdAt sentAt }
      total
    }
  }
`;

/** Queues a given-up (DEAD) mail again; its attempts start over. */
export const RETRY_MAIL_MUTATION = /* GraphQL */ `
  mutation RetryMail($id: UUID!) {
    retryMail(id: $id) { id toName toAddress subject status attempts nextAttemptAt lastError createdAt sentAt }
  }
`;

export interface RetryMailData {
  retryMail: OutboxMail;
}

export interface RetryMailVariables {
  id: string;
}
