import { act, render, screen, waitFor, within } from "@testing-library/react";
import { App as AntApp, ConfigProvider } from "antd";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SubscriptionHandlers } from "../../api/subscriptions";
import { I18nProvider } from "../../i18n";
import { fakeGraphqlServer } from "../../test/fakeServer";
import { SupervisorPage } from "./SupervisorPage";
import type { LiveBoard } from "./supervisor.graphql";

const hub = vi.hoisted(() => ({
  subscriptions: [] as { document: string; handlers: SubscriptionHandlers<unknown>; stopped: boolean }[],
}));

vi.mock("../../api/subscriptions", () => ({
  subscribe: (document: string, _variables: unknown, handlers: SubscriptionHandlers<unknown>) => {
    const subscription = { document, handlers, stopped: false };
    hub.subscriptions.push(subscription);
    return () => {
      subscription.stopped = true;
    };
  },
}));

const board = (waiting: number, annState: "AVAILABLE" | "BREAK"): LiveBoard => ({
  at: new Date().toISOString(),
  queues: [
    {
      queue: { id: "q1", name: "Sales" },
      waiting,
      offered: 1,
      longestWaitSeconds: waiting > 0 ? 42 : 0,
      agentsAvailable: annState === "AVAILABLE" ? 1 : 0,
      agentsLoggedIn: 2,
      answeredToday: 10,
      abandonedToday: 1,
      serviceLevel: 0.875,
    },
  ],
  agents: [
    {
      agentId: "a1",
      name: "Ann Lee",
      presence: { state: annState, reason: annState === "BREAK" ? "lunch" : null, since: new Date(Date.now() - 90_000).toISOString() },
      load: [{ channel: "CHAT", capacity: 3, load: 1 }],
    },
    {
      agentId: "a2",
      name: "Bob Stone",
      presence: { state: "NOT_READY", reason: "Team meeting", since: null },
      load: [{ channel: "CHAT", capacity: 2, load: 0 }],
    },
  ],
});

beforeEach(() => {
  hub.subscriptions.length = 0;
  localStorage.setItem("hotline.locale", JSON.stringify("en"));
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the supervisor's live view", () => {
  it("shows the board, then each pushed board in its place", async () => {
    fakeGraphqlServer({ LiveBoard: { data: { liveBoard: board(2, "AVAILABLE") } } });
    render(
      <I18nProvider>
        <ConfigProvider>
          <AntApp>
            <SupervisorPage />
          </AntApp>
        </ConfigProvider>
      </I18nProvider>,
    );
    const row = await screen.findByTestId("live-queue-row");
    expect(row.getAttribute("data-queue-id")).toBe("q1");
    expect(within(row).getByText("Sales")).toBeTruthy();
    expect(within(row).getByText("88%")).toBeTruthy();
    expect(within(row).getByText("1 / 2")).toBeTruthy();
    expect(within(row).getByTestId("live-longest-wait").textContent).toMatch(/^0:4\d$/);
    const ann = () => screen.getAllByTestId("live-agent").find((agent) => agent.getAttribute("data-agent-id") === "a1")!;
    expect(ann().getAttribute("data-state")).toBe("AVAILABLE");
    expect(within(ann()).getByText("Web chat 1/3")).toBeTruthy();
    const bob = screen.getAllByTestId("live-agent").find((agent) => agent.getAttribute("data-agent-id") === "a2")!;
    expect(within(bob).getByText("Team meeting")).toBeTruthy();

    const live = hub.subscriptions.find((subscription) => subscription.document.includes("subscription LiveBoardUpdates"))!;
    expect(live).toBeTruthy();
    act(() => live.handlers.next({ liveBoard: board(0, "BREAK") }));
    await waitFor(() => expect(ann().getAttribute("data-state")).toBe("BREAK"));
    expect(within(ann()).getByText("Lunch")).toBeTruthy();
    const updated = screen.getByTestId("live-queue-row");
    expect(within(updated).getByTestId("live-longest-wait").textContent).toBe("—");
    expect(within(updated).getByText("0 / 2")).toBeTruthy();
    expect(screen.getAllByTestId("live-queue-row")).toHaveLength(1);
  });
});
