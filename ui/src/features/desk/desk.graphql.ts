/** The agent desktop's documents (docs/chat.md, "Agent side"). */

export type PresenceState = "OFFLINE" | "AVAILABLE" | "NOT_READY" | "BREAK" | "BUSY" | "AFTER_CALL_WORK";
export type ContactChannel = "VOICE" | "CHAT" | "EMAIL" | "MESSAGING";
export type ConversationStatus = "QUEUED" | "ASSIGNED" | "CLOSED";
export type MessageAuthorKind = "VISITOR" | "AGENT" | "SYSTEM";
export type DeskEventKind =
  | "OFFERED"
  | "OFFER_ENDED"
  | "ASSIGNED"
  | "TRANSFERRED_AWAY"
  | "CLOSED"
  | "RATED"
  | "PRESENCE_CHANGED"
  | "VISITOR_TYPING"
  | "MESSAGE";

export interface AgentPresence {
  state: PresenceState;
  reason: string | null;
  since: string | null;
}

export interface ChannelCapacity {
  channel: ContactChannel;
  capacity: number;
  load: number;
}

export interface QueueRef {
  id: string;
  name: string;
}

export interface ContactOffer {
  contactId: string;
  conversationId: string;
  channel: ContactChannel;
  queue: QueueRef;
  expiresAt: string;
  visitorName: string | null;
}

export interface Visitor {
  visitorId: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  language: string | null;
}

export interface ConversationSummary {
  id: string;
  channel: ContactChannel;
  status: ConversationStatus;
  queue: QueueRef;
  agentId: string | null;
  agentName: string | null;
  visitor: Visitor;
  startedAt: string;
  closedAt: string | null;
  disposition: string | null;
  ratingScore: number | null;
  lastMessageText: string | null;
  messageCount: number;
}

export interface AgentDesk {
  agentId: string;
  registered: boolean;
  presence: AgentPresence;
  capacity: ChannelCapacity[];
  offers: ContactOffer[];
  conversations: ConversationSummary[];
}

export interface Attachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  url: string;
}

export interface ChatMessage {
  seq: number;
  clientId: string;
  authorKind: MessageAuthorKind;
  authorName: string | null;
  text: string | null;
  attachment: Attachment | null;
  at: string;
}

export interface Conversation {
  summary: ConversationSummary;
  messages: ChatMessage[];
  ratingComment: string | null;
}

export interface DeskEvent {
  kind: DeskEventKind;
  conversationId: string | null;
  contactId: string | null;
}

// The selection of AgentDesk is written out in each document that returns one (a document
// is one string, checked on its own by documents.test.ts).

export const MY_DESK_QUERY = /* GraphQL */ `
  query MyDesk {
    myDesk {
      agentId registered
      presence { state reason since }
      capacity { channel capacity load }
      offers { contactId conversationId channel queue { id name } expiresAt visitorName }
      conversations {
        id channel status queue { id name } agentId agentName
        visitor { visitorId name email phone language }
        startedAt closedAt disposition ratingScore lastMessageText messageCount
      }
    }
  }
`;

export interface MyDeskData {
  myDesk: AgentDesk;
}

export const SET_PRESENCE_MUTATION = /* GraphQL */ `
  mutation SetPresence($commandId: UUID, $state: PresenceState!, $reason: String) {
    setPresence(commandId: $commandId, state: $state, reason: $reason) {
      agentId registered
      presence { state reason since }
      capacity { channel capacity load }
      offers { contactId conversationId channel queue { id name } expiresAt visitorName }
      conversations {
        id channel status queue { id name } agentId agentName
        visitor { visitorId name email phone language }
        startedAt closedAt disposition ratingScore lastMessageText messageCount
      }
    }
  }
`;

export interface SetPresenceVariables {
  commandId: string;
  state: PresenceState;
  reason: string | null;
}

export const ACCEPT_OFFER_MUTATION = /* GraphQL */ `
  mutation AcceptOffer($commandId: UUID, $contactId: UUID!) {
    acceptOffer(commandId: $commandId, contactId: $contactId) {
      id channel status queue { id name } agentId agentName
      visitor { visitorId name email phone language }
      startedAt closedAt disposition ratingScore lastMessageText messageCount
    }
  }
`;

export const REJECT_OFFER_MUTATION = /* GraphQL */ `
  mutation RejectOffer($commandId: UUID, $contactId: UUID!) {
    rejectOffer(commandId: $commandId, contactId: $contactId) {
      agentId registered
      presence { state reason since }
      capacity { channel capacity load }
      offers { contactId conversationId channel queue { id name } expiresAt visitorName }
      conversations {
        id channel status queue { id name } agentId agentName
        visitor { visitorId name email phone language }
        startedAt closedAt disposition ratingScore lastMessageText messageCount
      }
    }
  }
`;

export interface OfferVariables {
  commandId: string;
  contactId: string;
}

export const CONVERSATION_QUERY = /* GraphQL */ `
  query Conversation($id: UUID!) {
    conversation(id: $id) {
      summary {
        id channel status queue { id name } agentId agentName
        visitor { visitorId name email phone language }
        startedAt closedAt disposition ratingScore lastMessageText messageCount
      }
      messages { seq clientId authorKind authorName text attachment { id name contentType size url } at }
      ratingComment
    }
  }
`;

export interface ConversationData {
  conversation: Conversation | null;
}

export const CONVERSATION_MESSAGES_SUBSCRIPTION = /* GraphQL */ `
  subscription ConversationMessages($conversationId: UUID!, $afterSeq: Int) {
    conversationMessages(conversationId: $conversationId, afterSeq: $afterSeq) {
      seq clientId authorKind authorName text attachment { id name contentType size url } at
    }
  }
`;

export interface ConversationMessagesData {
  conversationMessages: ChatMessage;
}

export const SEND_CHAT_MESSAGE_MUTATION = /* GraphQL */ `
  mutation SendChatMessage($commandId: UUID, $conversationId: UUID!, $clientId: String!, $text: String, $attachmentId: UUID) {
    sendChatMessage(commandId: $commandId, conversationId: $conversationId, clientId: $clientId, text: $text, attachmentId: $attachmentId) {
      seq clientId authorKind authorName text attachment { id name contentType size url } at
    }
  }
`;

export interface SendChatMessageVariables {
  commandId: string;
  conversationId: string;
  clientId: string;
  text: string | null;
  attachmentId: string | null;
}

export interface SendChatMessageData {
  sendChatMessage: ChatMessage;
}

export const DESK_EVENTS_SUBSCRIPTION = /* GraphQL */ `
  subscription DeskEvents {
    deskEvents { kind conversationId contactId }
  }
`;

export interface DeskEventsData {
  deskEvents: DeskEvent;
}

export const DESK_CHOICES_QUERY = /* GraphQL */ `
  query DeskChoices {
    cannedReplies { code text }
    dispositions { code label }
  }
`;

export interface CannedReply {
  code: string;
  text: string;
}

export interface Disposition {
  code: string;
  label: string;
}

export interface DeskChoicesData {
  cannedReplies: CannedReply[];
  dispositions: Disposition[];
}

export const TRANSFER_TARGETS_QUERY = /* GraphQL */ `
  query TransferTargets {
    transferTargets {
      queues { id name }
      agents { agentId name presence }
    }
  }
`;

export interface TransferAgent {
  agentId: string;
  name: string;
  presence: PresenceState;
}

export interface TransferTargetsData {
  transferTargets: { queues: QueueRef[]; agents: TransferAgent[] };
}

export const TRANSFER_CONVERSATION_MUTATION = /* GraphQL */ `
  mutation TransferConversation($commandId: UUID, $conversationId: UUID!, $toQueueId: UUID, $toAgentId: UUID) {
    transferConversation(commandId: $commandId, conversationId: $conversationId, toQueueId: $toQueueId, toAgentId: $toAgentId) {
      id status
    }
  }
`;

export interface TransferConversationVariables {
  commandId: string;
  conversationId: string;
  toQueueId: string | null;
  toAgentId: string | null;
}

export const CLOSE_CONVERSATION_MUTATION = /* GraphQL */ `
  mutation CloseConversation($commandId: UUID, $conversationId: UUID!, $disposition: String!) {
    closeConversation(commandId: $commandId, conversationId: $conversationId, disposition: $disposition) {
      id channel status queue { id name } agentId agentName
      visitor { visitorId name email phone language }
      startedAt closedAt disposition ratingScore lastMessageText messageCount
    }
  }
`;

export interface CloseConversationVariables {
  commandId: string;
  conversationId: string;
  disposition: string;
}

export const CUSTOMER_HISTORY_QUERY = /* GraphQL */ `
  query CustomerHistory($conversationId: UUID!) {
    customerHistory(conversationId: $conversationId) {
      id channel status queue { id name } agentId agentName
      startedAt closedAt disposition ratingScore lastMessageText messageCount
    }
  }
`;

export type HistoryEntry = Omit<ConversationSummary, "visitor">;

export interface CustomerHistoryData {
  customerHistory: HistoryEntry[];
}

export const SEND_TYPING_MUTATION = /* GraphQL */ `
  mutation SendTyping($conversationId: UUID!) {
    sendTyping(conversationId: $conversationId)
  }
`;
