/** Voice calls: the signed-in agent's call for the softphone bar, its controls, and the call log. */

/** DIALING: an outbound call whose agent picked up their phone; the customer's phone rings. */
export type CallStatus = "WAITING" | "RINGING" | "DIALING" | "CONNECTED" | "HELD" | "ENDED";

/**
 * A consultation (attended transfer) in progress: RINGING, the consulted agent's desk phone
 * rings; CONNECTED, they talk with the consulting agent while the caller is held.
 */
export type ConsultStatus = "RINGING" | "CONNECTED";

/** INBOUND: a customer called an access number; OUTBOUND: an agent dialled out (`dial`). */
export type CallDirection = "INBOUND" | "OUTBOUND";

export interface CallRecord {
  id: string;
  status: CallStatus;
  direction: CallDirection;
  /** Inbound: the number the caller dialled; outbound: ours, presented as caller ID ("" if the tenant has none). */
  accessNumber: string;
  /** Inbound: the caller's number; null when the caller was forgotten (and on outbound calls). */
  callerNumber: string | null;
  /** Outbound: the number the agent called; null on inbound calls and when the customer was forgotten. */
  dialedNumber: string | null;
  /** Null on outbound calls (they have no queue). */
  queueId: string | null;
  agentId: string | null;
  ringingAgentId: string | null;
  arrivedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  /** caller_hung_up | agent_hung_up | abandoned | failed | unanswered (outbound: no answer, busy or declined) */
  endCause: string | null;
  waitSeconds: number | null;
  talkSeconds: number | null;
  holdSeconds: number | null;
  recordingId: string | null;
  recordingSeconds: number | null;
  /**
   * The agent being consulted, while a consultation is in progress (the call is HELD then).
   * Their `myCall` is this call meanwhile; once the transfer completes, `agentId` is theirs.
   */
  consultAgentId: string | null;
  consultStatus: ConsultStatus | null;
}

/** The fields of a CallRecord every operation below selects: all of them. */
const CALL_RECORD_FIELDS = `
  id status direction accessNumber callerNumber dialedNumber queueId agentId ringingAgentId arrivedAt answeredAt
  endedAt endCause waitSeconds talkSeconds holdSeconds recordingId recordingSeconds consultAgentId consultStatus
`;

export const MY_CALL_QUERY = /* GraphQL */ `
  query MyCall {
    myCall {
      ${CALL_RECORD_FIELDS}
    }
  }
`;

export interface MyCallData {
  myCall: CallRecord | null;
}

export const CALLS_QUERY = /* GraphQL */ `
  query Calls($first: Int!, $before: DateTime) {
    calls(first: $first, before: $before) {
      ${CALL_RECORD_FIELDS}
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
      ${CALL_RECORD_FIELDS}
    }
  }
`;

export const RESUME_CALL_MUTATION = /* GraphQL */ `
  mutation ResumeCall($id: UUID!) {
    resumeCall(id: $id) {
      ${CALL_RECORD_FIELDS}
    }
  }
`;

/** Hangs up the call; the consulted agent's hang-up ends the consultation only, not the call. */
export const HANG_UP_CALL_MUTATION = /* GraphQL */ `
  mutation HangUpCall($id: UUID!) {
    hangUpCall(id: $id) {
      ${CALL_RECORD_FIELDS}
    }
  }
`;

export const TRANSFER_CALL_MUTATION = /* GraphQL */ `
  mutation TransferCall($id: UUID!, $toAgentId: UUID, $toQueueId: UUID) {
    transferCall(id: $id, toAgentId: $toAgentId, toQueueId: $toQueueId) {
      ${CALL_RECORD_FIELDS}
    }
  }
`;

/**
 * The connected agent consults `agentId`: the caller is held (hears music) and the other
 * agent's desk phone rings. Errors: `call.consult_in_progress`, `call.consult_self`,
 * `call.agent_unavailable` (on a call or offline), `call.no_phone`, `call.not_connected`.
 */
export const CONSULT_CALL_MUTATION = /* GraphQL */ `
  mutation ConsultCall($id: UUID!, $agentId: UUID!) {
    consultCall(id: $id, agentId: $agentId) {
      ${CALL_RECORD_FIELDS}
    }
  }
`;

export interface ConsultCallVariables {
  id: string;
  agentId: string;
}

/**
 * The consulting agent ends the consultation (the consulted phone's leg ends) and is back
 * with the caller. Error: `call.not_consulting`.
 */
export const CANCEL_CONSULT_MUTATION = /* GraphQL */ `
  mutation CancelConsult($id: UUID!) {
    cancelConsult(id: $id) {
      ${CALL_RECORD_FIELDS}
    }
  }
`;

/**
 * Attended transfer: the consulted agent takes the call over and the consulting agent's leg
 * ends. Errors: `call.not_consulting`, `call.consult_not_answered`.
 */
export const COMPLETE_TRANSFER_MUTATION = /* GraphQL */ `
  mutation CompleteTransfer($id: UUID!) {
    completeTransfer(id: $id) {
      ${CALL_RECORD_FIELDS}
    }
  }
`;

/**
 * Calls `number` out through a trunk (`trunkId`, else the tenant's first with an outbound
 * address): the agent's own desk phone rings first; once picked up, the number is dialled and
 * bridged when answered. Spaces, dashes, dots and parentheses are ignored. Answers the new call
 * (RINGING, ringing you, OUTBOUND). Errors: `call.invalid_number`, `call.no_trunk`,
 * `call.no_phone`, `call.agent_busy`, `permission.denied`.
 */
export const DIAL_MUTATION = /* GraphQL */ `
  mutation Dial($number: String!, $trunkId: UUID) {
    dial(number: $number, trunkId: $trunkId) {
      ${CALL_RECORD_FIELDS}
    }
  }
`;

export interface DialVariables {
  number: string;
  trunkId: string | null;
}

export interface DialData {
  dial: CallRecord;
}

/** The customer's number of a call: the caller's (inbound) or the one dialled (outbound). */
export function customerNumber(call: Pick<CallRecord, "callerNumber" | "dialedNumber">): string | null {
  return call.callerNumber || call.dialedNumber || null;
}

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
