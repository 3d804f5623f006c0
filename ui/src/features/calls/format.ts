/** How the softphone bar and the call log show durations and ids. */

/** Seconds as mm:ss, or h:mm:ss from an hour on; "—" for none. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return "—";
  const whole = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  const two = (value: number) => String(value).padStart(2, "0");
  return hours > 0 ? `${hours}:${two(minutes)}:${two(rest)}` : `${two(minutes)}:${two(rest)}`;
}

/** Whole seconds from `since` to `now` (never negative: the server's clock may run ahead). */
export function secondsSince(since: string, now: number): number {
  const start = Date.parse(since);
  if (Number.isNaN(start)) return 0;
  return Math.max(0, Math.floor((now - start) / 1000));
}

/** The first part of a UUID, for a user whose name this user may not read. */
export function shortId(id: string): string {
  return id.split("-")[0] ?? id;
}

/** The end causes the server names (`CallRecord.endCause`), as i18n keys. */
export const END_CAUSE_KEYS: Record<string, string> = {
  caller_hung_up: "calls.endCause.caller_hung_up",
  agent_hung_up: "calls.endCause.agent_hung_up",
  abandoned: "calls.endCause.abandoned",
  failed: "calls.endCause.failed",
  unanswered: "calls.endCause.unanswered",
};

export const STATUS_KEYS: Record<string, string> = {
  WAITING: "calls.status.WAITING",
  RINGING: "calls.status.RINGING",
  DIALING: "calls.status.DIALING",
  CONNECTED: "calls.status.CONNECTED",
  HELD: "calls.status.HELD",
  ENDED: "calls.status.ENDED",
};
