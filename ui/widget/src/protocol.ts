/**
 * The frames of the visitor WebSocket and the shapes of /chat/config and /chat/upload, as
 * docs/chat.md defines them. Field names are the wire names.
 */

export type ConversationStatus = "none" | "queued" | "assigned" | "closed";

export interface Author {
  kind: "visitor" | "agent" | "system";
  name?: string;
}

export interface Attachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  /** Relative to the server; the visitor adds `?token=<visitorToken>`. */
  url: string;
}

export type ClientFrame =
  | {
      type: "hello";
      visitorToken?: string;
      conversationId?: string;
      afterSeq: number;
      language: string;
    }
  | { type: "message"; clientId: string; text?: string; attachmentId?: string }
  | { type: "typing" }
  | { type: "close" }
  | { type: "rate"; score: number; comment?: string };

export interface MessageFrame {
  type: "message";
  seq: number;
  clientId: string;
  author: Author;
  text?: string;
  attachment?: Attachment;
  at: string;
}

export type ServerFrame =
  | {
      type: "welcome";
      visitorToken: string;
      conversationId: string | null;
      status: ConversationStatus;
      agentName?: string;
      rated: boolean;
    }
  | { type: "ack"; clientId: string; seq: number; conversationId: string }
  | MessageFrame
  | { type: "status"; conversationId: string; status: ConversationStatus; agentName?: string; disposition?: string }
  | { type: "typing"; author: Author }
  | { type: "rated"; conversationId: string; score: number }
  | { type: "error"; code: string; message: string; clientId?: string };

/** `GET /chat/config?tenant=<slug>`. */
export interface WidgetConfig {
  tenant: string;
  organisationName: string;
  primaryColor: string;
  logoUrl: string | null;
  intro: string;
  welcome: string;
  faq: { question: string; answer: string }[];
  offlineMessages: boolean;
  offlinePrompt: string;
  defaultLanguage: string;
  agentsAvailable: boolean;
  maxUploadBytes: number;
  allowedUploadTypes: string[];
}

/** The longest text a `message` frame may carry. */
export const MAX_TEXT_LENGTH = 4000;
/** The longest comment a `rate` frame may carry. */
export const MAX_COMMENT_LENGTH = 1000;
