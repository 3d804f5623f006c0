export const AUDIT_LOG_QUERY = /* GraphQL */ `
  query AuditLog($filter: AuditLogFilter, $after: String, $first: Int!) {
    auditLog(filter: $filter, after: $after, first: $first) {
      items {
        id type schemaVersion streamId streamVersion globalPosition occurredAt recordedAt actor correlationId payload hash
      }
      nextCursor
      hasMore
    }
  }
`;

export interface AuditEvent {
  id: string;
  type: string;
  schemaVersion: number;
  streamId: string;
  streamVersion: number;
  globalPosition: number;
  occurredAt: string;
  recordedAt: string;
  actor: string;
  correlationId: string;
  payload: unknown;
  hash: string;
}

/** `AuditLogFilter`: lists left out admit every value; `from`/`to` are RFC 3339 times. */
export interface AuditLogFilter {
  actors?: string[];
  types?: string[];
  streams?: string[];
  from?: string;
  to?: string;
}

export interface AuditLogData {
  auditLog: { items: AuditEvent[]; nextCursor: string; hasMore: boolean };
}
