import { describe, expect, it } from "vitest";
import { agentsByState, longestWaitNow, serverNow } from "./board";
import type { LiveAgent, LiveBoard } from "./supervisor.graphql";

const agent = (agentId: string, name: string, state: LiveAgent["presence"]["state"]): LiveAgent => ({
  agentId,
  name,
  presence: { state, reason: null, since: null },
  load: [],
});

const received = { board: { at: "2025-03-01T10:00:00Z", queues: [], agents: [] } as LiveBoard, receivedAt: 1_000_000 };

describe("the live board's clock", () => {
  it("ticks from the board's time, whatever this browser's clock says", () => {
    expect(serverNow(received, 1_000_000 + 5_000)).toBe(Date.parse("2025-03-01T10:00:05Z"));
  });

  it("adds the time since the board to the longest wait while someone waits", () => {
    expect(longestWaitNow(40, 2, received, 1_000_000 + 3_000)).toBe(43);
    expect(longestWaitNow(40, 0, received, 1_000_000 + 3_000)).toBe(0);
  });

  it("groups agents by state, available first, by name", () => {
    const groups = agentsByState([agent("1", "Zoe", "AVAILABLE"), agent("2", "Bob", "OFFLINE"), agent("3", "Ann", "AVAILABLE")]);
    expect(groups.map(([state, agents]) => [state, agents.map((entry) => entry.name)])).toEqual([
      ["AVAILABLE", ["Ann", "Zoe"]],
      ["OFFLINE", ["Bob"]],
    ]);
  });
});
