export const EVENT_LOG_SUBSCRIPTION = /* GraphQL */ `
  subscription EventLog($fromPosition: Int!) {
    events(fromPosition: $fromPosition) {
      id type streamId globalPosition recordedAt actor
    }
  }
`;

export interface EventLogEntry {
  id: string;
  type: string;
  streamId: string;
  globalPosition: number;
  recordedAt: string;
  actor: string;
}
