import { describe, expect, it } from "vitest";
import type { ChatMessage } from "./desk.graphql";
import { lastSeq, mergeMessages, stillOutgoing } from "./messages";
import { isPresenceReason, reasonText } from "./presence";
import { formatDuration } from "./time";

const message = (seq: number, clientId = `c${seq}`): ChatMessage => ({
  seq,
  clientId,
  authorKind: "VISITOR",
  authorName: null,
  text: `m${seq}`,
  attachment: null,
  at: "2025-03-01T10:00:00Z",
});

describe("conversation messages", () => {
  it("show each seq once, in seq order", () => {
    const shown = mergeMessages([], [message(1), message(3)]);
    const merged = mergeMessages(shown, [message(3), message(2), message(2)]);
    expect(merged.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect(lastSeq(merged)).toBe(3);
    expect(lastSeq([])).toBe(0);
  });

  it("keep the same list when nothing is new", () => {
    const shown = mergeMessages([], [message(1)]);
    expect(mergeMessages(shown, [message(1)])).toBe(shown);
  });

  it("drop an outgoing message once one with its client id shows", () => {
    const outgoing = [
      { clientId: "x", text: "hi", attachment: null, failed: false },
      { clientId: "y", text: "there", attachment: null, failed: true },
    ];
    expect(stillOutgoing(outgoing, [message(4, "x")]).map((entry) => entry.clientId)).toEqual(["y"]);
  });
});

describe("presence", () => {
  it("shows preset reasons translated and free text as typed", () => {
    const t = (key: string) => (key === "desk.reason.lunch" ? "Lunch" : key);
    expect(reasonText("lunch", t)).toBe("Lunch");
    expect(reasonText("Dentist at 3", t)).toBe("Dentist at 3");
    expect(reasonText(null, t)).toBe("");
  });

  it("checks a reason as the server does", () => {
    expect(isPresenceReason("Meeting")).toBe(true);
    expect(isPresenceReason(" Meeting")).toBe(false);
    expect(isPresenceReason("")).toBe(false);
    expect(isPresenceReason("x".repeat(81))).toBe(false);
  });

  it("formats time in state", () => {
    expect(formatDuration(7)).toBe("0:07");
    expect(formatDuration(754)).toBe("12:34");
    expect(formatDuration(3723)).toBe("1:02:03");
  });
});
