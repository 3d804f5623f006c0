/** Voice calls: the signed-in agent's call for the softphone bar, its controls, and the call log. */

export type CallStatus = "WAITING" | "RINGING" | "CONNECTED" | "HELD" | "ENDED";

export interface CallRecord {
  id: string;
  status: CallStatus;
  accessNumber: string;
  /** Null when the caller was forgotten. */
  callerNumber: string | null;
  queueId: string;
  agentId: string | null;
  ringingAgentId: string | null;
  arrivedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  /** caller_hung_up | agent_hung_up | abandoned | failed */
  endCause: string | null;
  waitSeconds: number | null;
  talkSeconds: number | null;
  holdSeconds: number | null;
  recordingId: string | null;
  recordingSeconds: number | null;
}

export const MY_CALL_QUERY = /* GraphQL */ `
  query MyCall {
    myCall {
      id status accessNumber callerNumber queueId agentId ringingAgentId arrivedAt answeredAt endedAt endCause
      waitSeconds talkSeconds holdSeconds recordingId recordingSeconds
    }
  }
`;

export interface MyCallData {
  myCall: CallRecord | null;
}

export const CALLS_QUERY = /* GraphQL */ `
  query Calls($first: Int!, $before: DateTime) {
    calls(first: $first, before: $before) {
      id status accessNumber callerNumber queueId agentId ringingAgentId arrivedAt answeredAt endedAt endCause
      waitSeconds talkSeconds holdSeconds recordingId recordingSeconds
    }
  }
`;

export interface CallsVariables {
  first: number;
  before: string | null;
}

export interface CallsData {
  calls: CallRecord[];
}

export const HOLD_CALL_MUTATION = /* GraphQL */ `
  mutation HoldCall($id: UUID!) {
    holdCall(id: $id) {
      id status accessNumber callerNumber queueId agentId ringingAgentId arrivedAt answeredAt endedAt endCause
      waitSeconds talkSeconds holdSeconds recordingId recordingSeconds
    }
  }
`;

export const RESUME_CALL_MUTATION = /* GraphQL */ `
  mutation ResumeCall($id: UUID!) {
    resumeCall(id: $id) {
      id status accessNumber callerNumber queueId agentId ringingAgentId arrivedAt answeredAt endedAt endCause
      waitSeconds talkSeconds holdSeconds recordingId recordingSeconds
    }
  }
`;

export const HANG_UP_CALL_MUTATION = /* GraphQL */ `
  mutation HangUpCall($id: UUID!) {
    hangUpCall(id: $id) {
      id status accessNumber callerNumber queueId agentId ringingAgentId arrivedAt answeredAt endedAt endCause
      waitSeconds talkSeconds holdSeconds recordingId recordingSeconds
    }
  }
`;

export const TRANSFER_CALL_MUTATION = /* GraphQL */ `
  mutation TransferCall($id: UUID!, $toAgentId: UUID, $toQueueId: UUID) {
    transferCall(id: $id, toAgentId: $toAgentId, toQueueId: $toQueueId) {
      id status accessNumber callerNumber queueId agentId ringingAgentId arrivedAt answeredAt endedAt endCause
      waitSeconds talkSeconds holdSeconds recordingId recordingSeconds
    }
  }
`;

export interface CallIdVariables {
  id: string;
}

export interface TransferCallVariables {
  id: string;
  /** Exactly one of the two. */
  toAgentId: string | null;
  toQueueId: string | null;
}

/** Agent names for the call log, for holders of `menu.admin.users`. */
export const CALL_USERS_QUERY = /* GraphQL */ `
  query CallUsers($first: Int!) {
    users(first: $first) { id displayName }
  }
`;

export interface CallUsersData {
  users: { id: string; displayName: string }[];
}
