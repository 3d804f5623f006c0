/**
 * A conversation's messages as the desk shows them: once per `seq`, in `seq` order, whether
 * they came from the `conversation` query, the `conversationMessages` subscription (which
 * may deliver one again after a reconnect) or the answer to `sendChatMessage`.
 */
import type { Attachment, ChatMessage } from "./desk.graphql";

/** `shown` plus the messages of `arrived` whose seq it lacks, by seq; `shown` itself when
 * nothing is new (so React skips the render). */
export function mergeMessages(shown: readonly ChatMessage[], arrived: readonly ChatMessage[]): readonly ChatMessage[] {
  const seen = new Set(shown.map((message) => message.seq));
  const fresh: ChatMessage[] = [];
  for (const message of arrived) {
    if (seen.has(message.seq)) continue;
    seen.add(message.seq);
    fresh.push(message);
  }
  if (fresh.length === 0) return shown;
  return [...shown, ...fresh].sort((a, b) => a.seq - b.seq);
}

/** The highest seq shown, 0 for none: the `afterSeq` to resume from. */
export function lastSeq(messages: readonly ChatMessage[]): number {
  return messages.reduce((highest, message) => Math.max(highest, message.seq), 0);
}

/** A message the agent sent that the server has not answered yet, or refused. */
export interface OutgoingMessage {
  /** Also the mutation's command id: a retry sends both again, and is applied once. */
  clientId: string;
  text: string | null;
  attachment: Attachment | null;
  failed: boolean;
  error?: unknown;
}

/** The outgoing messages the conversation does not show yet (same clientId). */
export function stillOutgoing(outgoing: readonly OutgoingMessage[], messages: readonly ChatMessage[]): OutgoingMessage[] {
  const delivered = new Set(messages.map((message) => message.clientId));
  return outgoing.filter((message) => !delivered.has(message.clientId));
}
