/** Presence states, channels and reasons in the user's language; shared by the desk, the
 * supervisor's live view and the routing admin page. */
import { hasMessage, type MessageKey, type Translate } from "../../i18n";
import type { ContactChannel, PresenceState } from "./desk.graphql";

export const PRESENCE_KEYS: Record<PresenceState, MessageKey> = {
  AVAILABLE: "desk.presence.available",
  NOT_READY: "desk.presence.notReady",
  BREAK: "desk.presence.break",
  BUSY: "desk.presence.busy",
  AFTER_CALL_WORK: "desk.presence.afterCallWork",
  OFFLINE: "desk.presence.offline",
};

/** The states an agent picks; BUSY is the server's (every capacity in use). */
export const CHOSEN_STATES: readonly PresenceState[] = ["AVAILABLE", "NOT_READY", "BREAK", "AFTER_CALL_WORK", "OFFLINE"];

/** The order of the supervisor's groups. */
export const ALL_STATES: readonly PresenceState[] = ["AVAILABLE", "BUSY", "AFTER_CALL_WORK", "NOT_READY", "BREAK", "OFFLINE"];

/** antd Tag/Badge colours by state (preset names, so skins apply). */
export const PRESENCE_COLORS: Record<PresenceState, string> = {
  AVAILABLE: "success",
  BUSY: "processing",
  AFTER_CALL_WORK: "purple",
  NOT_READY: "warning",
  BREAK: "gold",
  OFFLINE: "default",
};

export const STATES_WITH_REASON: readonly PresenceState[] = ["NOT_READY", "BREAK"];

/** Preset reasons: stable codes sent as the reason, shown in each reader's language. */
export const PRESET_REASONS: Partial<Record<PresenceState, readonly string[]>> = {
  NOT_READY: ["meeting", "training", "coaching", "paperwork"],
  BREAK: ["lunch", "rest", "personal"],
};

/** A preset reason in the user's language; free text as typed. */
export function reasonText(reason: string | null | undefined, t: Translate): string {
  if (!reason) return "";
  const key = `desk.reason.${reason}`;
  return /^[a-z]+$/.test(reason) && hasMessage(key) ? t(key) : reason;
}

/** The server's rule (acd.invalid_presence_reason): 1 to 80 characters, no outer spaces. */
export const REASON_MAX = 80;
export function isPresenceReason(reason: string): boolean {
  return reason.trim() !== "" && reason.trim() === reason && [...reason].length <= REASON_MAX;
}

export const CHANNELS: readonly ContactChannel[] = ["CHAT", "VOICE", "EMAIL", "MESSAGING"];

export const CHANNEL_KEYS: Record<ContactChannel, MessageKey> = {
  CHAT: "desk.channel.chat",
  VOICE: "desk.channel.voice",
  EMAIL: "desk.channel.email",
  MESSAGING: "desk.channel.messaging",
};
