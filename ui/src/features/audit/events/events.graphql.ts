export const EVENTS_QUERY = /* GraphQL */ `
  query AuditEvents($after: Int!, $first: Int!) {
    events(after: $after, first: $first) {
      id type schemaVersion streamId streamVersion globalPosition occurredAt recordedAt actor correlationId payload hash
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

export interface AuditEventsData {
  events: AuditEvent[];
}
