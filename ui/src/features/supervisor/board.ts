/** The board's clock: times tick locally from the board's `at`, whatever the skew between
 * this browser's clock and the server's. */
import type { PresenceState } from "../desk/desk.graphql";
import { ALL_STATES } from "../desk/presence";
import type { LiveAgent, LiveBoard } from "./supervisor.graphql";

/** A board and the local time it arrived. */
export interface ReceivedBoard {
  board: LiveBoard;
  receivedAt: number;
}

/** The server's time now, as the board's `at` plus the time since it arrived. */
export function serverNow(received: ReceivedBoard, now: number): number {
  const at = Date.parse(received.board.at);
  const elapsed = Math.max(0, now - received.receivedAt);
  return (Number.isNaN(at) ? received.receivedAt : at) + elapsed;
}

/** A queue's longest wait now: the board's figure plus the time since the board, while
 * anyone waits. */
export function longestWaitNow(longestWaitSeconds: number, waiting: number, received: ReceivedBoard, now: number): number {
  if (waiting === 0) return 0;
  return longestWaitSeconds + Math.max(0, now - received.receivedAt) / 1000;
}

/** Agents by presence state, in the board's order of states, each group by name. */
export function agentsByState(agents: readonly LiveAgent[]): [PresenceState, LiveAgent[]][] {
  return ALL_STATES.map((state): [PresenceState, LiveAgent[]] => [
    state,
    agents.filter((agent) => agent.presence.state === state).sort((a, b) => a.name.localeCompare(b.name)),
  ]).filter(([, group]) => group.length > 0);
}
