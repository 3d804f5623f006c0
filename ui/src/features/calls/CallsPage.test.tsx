import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../app/App";
import "../../features";
import { translate } from "../../i18n";
import { fakeGraphqlServer, graphqlError } from "../../test/fakeServer";
import { type Answers, type MenuEntry, shellAnswers, signedInAt } from "../../test/shell";
import type { CallRecord } from "./calls.graphql";
import { CALLS_PAGE_SIZE } from "./CallsPage";

const CALLS_MENU: MenuEntry = { key: "menu.calls", titleKey: "menu.calls", path: "/calls", icon: "customer-service", children: [] };

const record = (id: string, overrides: Partial<CallRecord> = {}): CallRecord => ({
  id,
  status: "ENDED",
  direction: "INBOUND",
  accessNumber: "4008001234",
  callerNumber: "13800138000",
  dialedNumber: null,
  queueId: "q1",
  agentId: "u-bob",
  ringingAgentId: null,
  arrivedAt: "2026-11-02T09:00:00Z",
  answeredAt: "2026-11-02T09:00:12Z",
  endedAt: "2026-11-02T09:03:00Z",
  endCause: "caller_hung_up",
  waitSeconds: 12,
  talkSeconds: 158,
  holdSeconds: 30,
  recordingId: null,
  recordingSeconds: null,
  consultAgentId: null,
  consultStatus: null,
  ...overrides,
});

const CALLS = [
  record("c1", { recordingId: "r1", recordingSeconds: 168 }),
  record("c2", {
    callerNumber: null,
    agentId: "0b9f1c2e-1111-4222-8333-444455556666",
    arrivedAt: "2026-11-02T08:00:00Z",
    endCause: "abandoned",
    answeredAt: null,
    talkSeconds: null,
    holdSeconds: null,
    waitSeconds: 75,
  }),
  record("c3", {
    direction: "OUTBOUND",
    callerNumber: null,
    dialedNumber: "02155501234",
    queueId: null,
    arrivedAt: "2026-11-02T07:00:00Z",
    endCause: "unanswered",
    answeredAt: null,
    waitSeconds: null,
    talkSeconds: null,
    holdSeconds: null,
  }),
];

function answers(permissions: string[], extra: Answers = {}): Answers {
  return {
    ...shellAnswers(permissions, [CALLS_MENU]),
    Calls: { data: { calls: CALLS } },
    TelephonyChoices: { data: { acdQueues: [], acdAgents: [{ agentId: "u-bob", name: "Bob Wu", username: "bob" }] } },
    ...extra,
  };
}

/** The row of call `id`, once shown (the first render loads the page's chunk: slow on a busy machine). */
const rowOf = (id: string) =>
  waitFor(
    () => {
      const row = screen.getAllByTestId("calls-row").find((candidate) => candidate.getAttribute("data-call-id") === id);
      if (!row) throw new Error(`no row of call ${id}`);
      return row;
    },
    { timeout: 15_000 },
  );

/** Answers GET /api/calls/recordings/{id} with `respond`, everything else from the fake GraphQL server. */
function recordingRoute(graphql: ReturnType<typeof fakeGraphqlServer>, respond: () => Response) {
  const seen: { url: string; authorization: string | null }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit) => {
      if (url.startsWith("/api/calls/recordings/")) {
        seen.push({ url, authorization: (init.headers as Record<string, string>).authorization ?? null });
        return respond();
      }
      return graphql.fetchMock(url, init);
    }),
  );
  return seen;
}

signedInAt("/calls");

const created = vi.fn(() => "blob:recording");
const revoked = vi.fn();
const original = { create: URL.createObjectURL, revoke: URL.revokeObjectURL };
beforeEach(() => {
  URL.createObjectURL = created;
  URL.revokeObjectURL = revoked;
});
afterEach(() => {
  // Unmounted first: the player lets its Blob URL go.
  cleanup();
  URL.createObjectURL = original.create;
  URL.revokeObjectURL = original.revoke;
});

const LISTENER = ["menu.calls", "calls.all", "call.recordings", "acd.admin"];

describe("the calls page", () => {
  it("lists calls with the caller, agent, outcome and durations", async () => {
    fakeGraphqlServer(answers(LISTENER));
    render(<App />);
    const first = await rowOf("c1");
    expect(within(first).getByText("13800138000")).toBeTruthy();
    expect(within(first).getByText("4008001234")).toBeTruthy();
    expect(within(first).getByText("Bob Wu")).toBeTruthy();
    expect(within(first).getByText("Caller hung up")).toBeTruthy();
    expect(within(first).getByText("00:12")).toBeTruthy();
    expect(within(first).getByText("02:38")).toBeTruthy();
    expect(within(first).getByText("00:30")).toBeTruthy();
    const second = await rowOf("c2");
    expect(within(second).getByText("Unknown caller")).toBeTruthy();
    // An agent no readable list names: a short id.
    expect(within(second).getByText("0b9f1c2e")).toBeTruthy();
    expect(within(second).getByText("Abandoned")).toBeTruthy();
    expect(within(second).getByText("01:15")).toBeTruthy();
    expect(within(second).queryByTestId("calls-play")).toBeNull();
    expect(within(first).getByTestId("calls-direction").textContent).toBe("Inbound");
    const outbound = await rowOf("c3");
    expect(within(outbound).getByTestId("calls-direction").textContent).toBe("Outbound");
    expect(within(outbound).getByText("02155501234")).toBeTruthy();
    expect(within(outbound).getByTestId("calls-end-cause").textContent).toBe("Unanswered");
    // No softphone, no calling back.
    expect(screen.queryByTestId("calls-call-back")).toBeNull();
  });

  it("calls a row's customer back through the softphone bar", async () => {
    const dials: unknown[] = [];
    const current: { call: CallRecord | null } = { call: null };
    fakeGraphqlServer(
      answers([...LISTENER, "softphone"], {
        MyCall: () => ({ data: { myCall: current.call } }),
        Dial: (variables) => {
          dials.push(variables);
          current.call = record("o1", {
            status: "RINGING",
            direction: "OUTBOUND",
            callerNumber: null,
            dialedNumber: "02155501234",
            queueId: null,
            agentId: null,
            ringingAgentId: "u1",
            arrivedAt: new Date().toISOString(),
            answeredAt: null,
            endedAt: null,
            endCause: null,
          });
          return { data: { dial: current.call } };
        },
      }),
    );
    render(<App />);
    const outbound = await rowOf("c3");
    // A row without the customer's number has nothing to call.
    expect(within(await rowOf("c2")).queryByTestId("calls-call-back")).toBeNull();
    await waitFor(() => expect(screen.getByTestId("softphone-call").getAttribute("data-state")).toBe("IDLE"), { timeout: 15_000 });
    fireEvent.click(within(outbound).getByTestId("calls-call-back"));
    await waitFor(() => expect(screen.getByTestId("softphone-call").getAttribute("data-state")).toBe("RINGING"));
    expect(dials).toEqual([{ number: "02155501234", trunkId: null }]);
    expect(screen.getByTestId("softphone-dial-hint").textContent).toContain("Pick up your phone to call 02155501234");

    // An inbound row calls the caller back.
    current.call = null;
    await waitFor(() => expect(screen.getByTestId("softphone-call").getAttribute("data-state")).toBe("IDLE"), { timeout: 5_000 });
    fireEvent.click(within(await rowOf("c1")).getByTestId("calls-call-back"));
    await waitFor(() => expect(dials).toHaveLength(2));
    expect(dials[1]).toEqual({ number: "13800138000", trunkId: null });
  }, 40_000);

  it("shows Play and Download only to holders of call.recordings", async () => {
    fakeGraphqlServer(answers(["menu.calls"]));
    render(<App />);
    const first = await rowOf("c1");
    expect(within(first).queryByTestId("calls-play")).toBeNull();
    expect(within(first).queryByTestId("calls-download")).toBeNull();
    // Without acd.admin, users or the desk, the agent is a short id.
    expect(within(first).getByText("u")).toBeTruthy();
  });

  it("plays a recording fetched with the session", async () => {
    const server = fakeGraphqlServer(answers(LISTENER));
    const seen = recordingRoute(server, () => new Response(new Blob(["RIFF"], { type: "audio/wav" }), { status: 200, headers: { "content-type": "audio/wav" } }));
    render(<App />);
    fireEvent.click(within(await rowOf("c1")).getByTestId("calls-play"));
    const audio = (await screen.findByTestId("calls-recording-audio")) as HTMLAudioElement;
    expect(audio.getAttribute("src")).toBe("blob:recording");
    expect(seen).toEqual([{ url: "/api/calls/recordings/r1", authorization: "Bearer t" }]);
    expect(screen.getByTestId("calls-recording-download-file").getAttribute("download")).toBe("call-2026-11-02T090000-13800138000.wav");
  });

  it("shows a refused recording's error, and the list's error, in the user's language", async () => {
    const server = fakeGraphqlServer(answers(LISTENER));
    recordingRoute(
      server,
      () => new Response(JSON.stringify({ code: "auth.forbidden", detail: "needs call.recordings" }), { status: 403, headers: { "content-type": "application/problem+json" } }),
    );
    const { unmount } = render(<App />);
    fireEvent.click(within(await rowOf("c1")).getByTestId("calls-play"));
    expect((await screen.findByTestId("calls-recording-error")).textContent).toBe(translate("en", "error.auth.forbidden"));
    unmount();

    fakeGraphqlServer(answers(LISTENER, { Calls: graphqlError("auth.forbidden") }));
    render(<App />);
    expect((await screen.findByTestId("calls-error", {}, { timeout: 15_000 })).textContent).toBe(translate("en", "error.auth.forbidden"));
  });

  it("loads more calls before the last one shown", async () => {
    const page = Array.from({ length: CALLS_PAGE_SIZE }, (_, index) =>
      record(`p${index}`, { arrivedAt: new Date(Date.UTC(2026, 10, 2, 9, 0, 0) - index * 60_000).toISOString() }),
    );
    const asked: unknown[] = [];
    fakeGraphqlServer(
      answers(LISTENER, {
        Calls: (variables) => {
          asked.push(variables);
          return { data: { calls: variables.before ? [record("older", { arrivedAt: "2026-11-01T00:00:00Z" })] : page } };
        },
      }),
    );
    render(<App />);
    await rowOf("p0");
    fireEvent.click(await screen.findByTestId("calls-load-more"));
    await rowOf("older");
    expect(asked).toEqual([
      { first: CALLS_PAGE_SIZE, before: null },
      { first: CALLS_PAGE_SIZE, before: page[CALLS_PAGE_SIZE - 1]!.arrivedAt },
    ]);
    expect(screen.getAllByTestId("calls-row")).toHaveLength(CALLS_PAGE_SIZE + 1);
    expect(screen.queryByTestId("calls-load-more")).toBeNull();
  });
});
