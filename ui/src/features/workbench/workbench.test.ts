import { describe, expect, it } from "vitest";
import "./index";
import { registeredWidgets, registerWidget, visibleWidgets } from "./registry";
import { type EventLogEntry } from "./widgets/eventLog.graphql";
import { mergeEvents } from "./widgets/EventLogWidget";

const event = (position: number): EventLogEntry => ({
  id: `e${position}`,
  type: "hotline.user.created",
  streamId: "user-1",
  globalPosition: position,
  recordedAt: "2025-01-01T00:00:00Z",
  actor: "system",
});

describe("widget registry", () => {
  it("ships the profile and the event log, keyed as the server lists them", () => {
    expect(registeredWidgets().map((widget) => [widget.key, widget.permission])).toEqual([
      ["my-profile", "menu.workbench"],
      ["event-log", "audit.read"],
    ]);
  });

  it("shows only what the server lists", () => {
    expect(visibleWidgets(new Set(["event-log", "announcements"])).map((widget) => widget.key)).toEqual(["event-log"]);
    expect(visibleWidgets(new Set())).toEqual([]);
  });

  it("refuses a key registered twice", () => {
    expect(() =>
      registerWidget({ key: "my-profile", titleKey: "widget.myProfile", permission: "x", component: () => null }),
    ).toThrow(/twice/);
  });
});

describe("event log", () => {
  it("keeps the newest events first, a bounded number, and skips positions already shown", () => {
    const shown = mergeEvents([], [event(1), event(2), event(3)], 3);
    expect(shown.map((entry) => entry.globalPosition)).toEqual([3, 2, 1]);
    // A resumed subscription replays from the start: nothing is shown twice.
    const resumed = mergeEvents(shown, [event(1), event(2), event(3), event(4)], 3);
    expect(resumed.map((entry) => entry.globalPosition)).toEqual([4, 3, 2]);
  });
});
