import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { App } from "../../app/App";
import "../../features";
import { translate } from "../../i18n";
import { fakeGraphqlServer, graphqlError } from "../../test/fakeServer";
import { type Answers, shellAnswers, signedInAt } from "../../test/shell";
import type { CallRecord } from "./calls.graphql";

const WORKBENCH = { key: "menu.workbench", titleKey: "menu.workbench", path: "/workbench", icon: "desktop", children: [] };

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

const call = (overrides: Partial<CallRecord> = {}): CallRecord => ({
  id: "c1",
  status: "RINGING",
  direction: "INBOUND",
  accessNumber: "4008001234",
  callerNumber: "13800138000",
  dialedNumber: null,
  queueId: "q1",
  agentId: null,
  ringingAgentId: "u1",
  arrivedAt: ago(5),
  answeredAt: null,
  endedAt: null,
  endCause: null,
  waitSeconds: null,
  talkSeconds: null,
  holdSeconds: null,
  recordingId: null,
  recordingSeconds: null,
  consultAgentId: null,
  consultStatus: null,
  ...overrides,
});

const CUSTOMER = {
  id: "cust-1",
  forgotten: false,
  values: [],
  name: "Zhang San",
  phone: "13800138000",
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
};

function answers(permissions: string[], current: { call: CallRecord | null }, extra: Answers = {}): Answers {
  return {
    ...shellAnswers(permissions, [WORKBENCH]),
    MyCall: () => ({ data: { myCall: current.call } }),
    ...extra,
  };
}

const AGENT = ["menu.workbench", "softphone", "menu.desk", "menu.customers"];
const bar = () => screen.findByTestId("softphone-call", {}, { timeout: 15_000 });
const stateOf = async () => (await bar()).getAttribute("data-state");

signedInAt("/workbench");

describe("the softphone bar", () => {
  it("shows a ringing call with its screen pop, then the connected call with a running timer, Hold and Hang up", async () => {
    const current: { call: CallRecord | null } = { call: call() };
    const mutations: [string, unknown][] = [];
    const { requests } = fakeGraphqlServer(
      answers(AGENT, current, {
        Customers: { data: { customers: { items: [CUSTOMER], total: 1 } } },
        HoldCall: (variables) => {
          mutations.push(["hold", variables]);
          current.call = call({ status: "HELD", agentId: "u1", answeredAt: ago(65) });
          return { data: { holdCall: current.call } };
        },
        HangUpCall: (variables) => {
          mutations.push(["hangUp", variables]);
          const ended = call({ status: "ENDED", agentId: "u1", answeredAt: ago(70), endedAt: ago(0), endCause: "agent_hung_up" });
          current.call = null;
          return { data: { hangUpCall: ended } };
        },
      }),
    );
    render(<App />);

    // Ringing: a pulsing tag, the caller, the number dialled, no Answer button but a hint.
    await waitFor(async () => expect(await stateOf()).toBe("RINGING"), { timeout: 15_000 });
    const ringing = await bar();
    expect(within(ringing).getByTestId("softphone-state").textContent).toBe("Ringing");
    expect(within(ringing).getByTestId("softphone-state").querySelector(".ant-badge-status-processing")).not.toBeNull();
    expect(within(ringing).getByTestId("softphone-caller").textContent).toBe("13800138000");
    expect(within(ringing).getByTestId("softphone-access-number").textContent).toBe("dialled 4008001234");
    expect(within(ringing).getByText("Answer on your desk phone")).toBeTruthy();
    expect(within(ringing).queryByTestId("softphone-hold")).toBeNull();
    expect(within(ringing).getByTestId("softphone-timer").textContent).toMatch(/^00:0\d$/);

    // The screen pop: the caller's customer profile, found by phone number.
    const pop = await screen.findByTestId("call-screen-pop");
    expect(pop.textContent).toContain("13800138000");
    expect(pop.textContent).toContain("4008001234");
    expect((await within(pop).findByTestId("call-screen-pop-customer")).textContent).toContain("Zhang San");
    const search = requests.find((request) => request.operation === "Customers")!;
    expect(search.variables.conditions).toEqual([{ field: "phone", op: "EQUALS", value: "13800138000", valueTo: null }]);

    // Answered on the desk phone: the next poll shows it connected, the timer from the answer.
    current.call = call({ status: "CONNECTED", agentId: "u1", ringingAgentId: null, answeredAt: ago(65) });
    await waitFor(async () => expect(await stateOf()).toBe("CONNECTED"), { timeout: 5_000 });
    const timer = screen.getByTestId("softphone-timer");
    expect(timer.textContent).toMatch(/^01:0\d$/);
    const first = timer.textContent;
    await waitFor(() => expect(screen.getByTestId("softphone-timer").textContent).not.toBe(first), { timeout: 3_000 });
    expect(screen.getByTestId("softphone-state").textContent).toBe("Connected");
    expect(screen.queryByText("Answer on your desk phone")).toBeNull();
    // The screen pop opened once, not again when the call was answered.
    expect(screen.getAllByTestId("call-screen-pop")).toHaveLength(1);

    fireEvent.click(screen.getByTestId("softphone-hold"));
    await waitFor(async () => expect(await stateOf()).toBe("HELD"));
    expect(screen.getByTestId("softphone-state").textContent).toBe("On hold");
    expect(screen.getByTestId("softphone-resume")).toBeTruthy();
    expect(mutations).toEqual([["hold", { id: "c1" }]]);

    fireEvent.click(screen.getByTestId("softphone-hang-up"));
    await waitFor(async () => expect(await stateOf()).toBe("IDLE"));
    expect(screen.getByText("No call")).toBeTruthy();
    expect(mutations[1]).toEqual(["hangUp", { id: "c1" }]);
  }, 40_000);

  it("shows an unknown caller, and a refused action's error in the user's language", async () => {
    const current = { call: call({ status: "HELD", callerNumber: null, agentId: "u1", answeredAt: ago(30) }) as CallRecord | null };
    fakeGraphqlServer(
      answers(["menu.workbench", "softphone"], current, {
        ResumeCall: graphqlError("call.not_connected", "The call is not connected to an agent (it is waiting, or ringing one)."),
      }),
    );
    render(<App />);
    await waitFor(async () => expect(await stateOf()).toBe("HELD"), { timeout: 15_000 });
    expect(screen.getByTestId("softphone-caller").textContent).toBe("Unknown caller");
    // No right to see whom to transfer to: the button says so instead of offering nothing.
    expect((screen.getByTestId("softphone-transfer") as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId("softphone-consult") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId("softphone-resume"));
    expect((await screen.findByTestId("softphone-error")).textContent).toBe(translate("en", "error.call.not_connected"));
  }, 30_000);

  it("transfers to an agent picked from the desk's transfer targets", async () => {
    const current = { call: call({ status: "CONNECTED", agentId: "u1", answeredAt: ago(10) }) as CallRecord | null };
    const transfers: unknown[] = [];
    fakeGraphqlServer(
      answers(AGENT, current, {
        TransferTargets: {
          data: {
            transferTargets: {
              queues: [{ id: "q1", name: "Sales" }],
              agents: [{ agentId: "u2", name: "Bob Wu", presence: "AVAILABLE" }],
            },
          },
        },
        TransferCall: (variables) => {
          transfers.push(variables);
          if (transfers.length === 1) return graphqlError("call.transfer_to_self");
          current.call = null;
          return { data: { transferCall: call({ status: "WAITING", agentId: null, answeredAt: ago(12) }) } };
        },
      }),
    );
    render(<App />);
    await waitFor(async () => expect(await stateOf()).toBe("CONNECTED"), { timeout: 15_000 });
    fireEvent.click(screen.getByTestId("softphone-transfer"));
    const panel = await screen.findByTestId("softphone-transfer-panel");
    fireEvent.mouseDown(within(panel).getByRole("combobox"));
    const options = await screen.findAllByText("Bob Wu", { selector: ".ant-select-item-option-content *" });
    fireEvent.click(options[options.length - 1]!);
    fireEvent.click(within(panel).getByTestId("softphone-transfer-confirm"));
    expect((await screen.findByTestId("softphone-transfer-error")).textContent).toBe(translate("en", "error.call.transfer_to_self"));
    fireEvent.click(within(panel).getByTestId("softphone-transfer-confirm"));
    await waitFor(async () => expect(await stateOf()).toBe("IDLE"));
    expect(transfers).toEqual([
      { id: "c1", toAgentId: "u2", toQueueId: null },
      { id: "c1", toAgentId: "u2", toQueueId: null },
    ]);
    expect(await screen.findByText("Call transferred")).toBeTruthy();
  }, 30_000);

  it("dials from the idle bar: the desk phone rings first, then the number is called, and Hang up cancels", async () => {
    const current: { call: CallRecord | null } = { call: null };
    const dials: unknown[] = [];
    const hangUps: unknown[] = [];
    const outbound = (overrides: Partial<CallRecord> = {}) =>
      call({ id: "o1", direction: "OUTBOUND", callerNumber: null, dialedNumber: "02155501234", accessNumber: "4008001234", queueId: null, ...overrides });
    fakeGraphqlServer(
      answers(AGENT, current, {
        Dial: (variables) => {
          dials.push(variables);
          current.call = outbound();
          return { data: { dial: current.call } };
        },
        HangUpCall: (variables) => {
          hangUps.push(variables);
          current.call = null;
          return { data: { hangUpCall: outbound({ status: "ENDED", ringingAgentId: null, endedAt: ago(0), endCause: "agent_hung_up" }) } };
        },
      }),
    );
    render(<App />);
    await waitFor(async () => expect(await stateOf()).toBe("IDLE"), { timeout: 15_000 });
    const field = screen.getByTestId("softphone-dial-number") as HTMLInputElement;
    // Nothing to call yet.
    expect((screen.getByTestId("softphone-dial-call") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(field, { target: { value: " 021-5550 1234 " } });
    fireEvent.keyDown(field, { key: "Enter", code: "Enter", keyCode: 13 });

    // The answer shows at once: the agent's own phone rings, no screen pop, Hang up cancels.
    await waitFor(async () => expect(await stateOf()).toBe("RINGING"));
    expect(dials).toEqual([{ number: "021-5550 1234", trunkId: null }]);
    const ringing = await bar();
    expect(ringing.getAttribute("data-direction")).toBe("OUTBOUND");
    expect(within(ringing).getByTestId("softphone-caller").textContent).toBe("02155501234");
    expect(within(ringing).getByTestId("softphone-dial-hint").textContent).toContain("Pick up your phone to call 02155501234");
    expect(within(ringing).getByTestId("softphone-access-number").textContent).toBe("caller ID 4008001234");
    expect(within(ringing).queryByTestId("softphone-answer-hint")).toBeNull();
    expect(within(ringing).queryByTestId("softphone-hold")).toBeNull();
    expect(within(ringing).getByTestId("softphone-hang-up")).toBeTruthy();
    expect(screen.queryByTestId("call-screen-pop")).toBeNull();

    // Picked up: the customer's phone rings.
    current.call = outbound({ status: "DIALING", ringingAgentId: null, agentId: "u1", accessNumber: "" });
    await waitFor(async () => expect(await stateOf()).toBe("DIALING"), { timeout: 5_000 });
    const dialing = await bar();
    expect(within(dialing).getByTestId("softphone-state").textContent).toBe("Dialling");
    expect(within(dialing).getByTestId("softphone-dial-hint").textContent).toContain("Calling 02155501234…");
    // No caller ID to show.
    expect(within(dialing).queryByTestId("softphone-access-number")).toBeNull();
    expect(within(dialing).queryByTestId("softphone-transfer")).toBeNull();

    fireEvent.click(within(dialing).getByTestId("softphone-hang-up"));
    await waitFor(async () => expect(await stateOf()).toBe("IDLE"));
    expect(hangUps).toEqual([{ id: "o1" }]);
    expect(screen.queryByTestId("call-screen-pop")).toBeNull();
    // The field is empty again for the next number.
    expect((screen.getByTestId("softphone-dial-number") as HTMLInputElement).value).toBe("");
  }, 40_000);

  it("dials a number typed on the keypad and shows a refused dial's error, keeping the number", async () => {
    const current: { call: CallRecord | null } = { call: null };
    const dials: unknown[] = [];
    fakeGraphqlServer(
      answers(AGENT, current, {
        Dial: (variables) => {
          dials.push(variables);
          return graphqlError("call.no_phone", "You have no extension.");
        },
      }),
    );
    render(<App />);
    await waitFor(async () => expect(await stateOf()).toBe("IDLE"), { timeout: 15_000 });
    fireEvent.click(screen.getByTestId("softphone-keypad-open"));
    for (const key of ["1", "0", "0", "8", "6"]) fireEvent.click(await screen.findByTestId(`softphone-key-${key}`));
    expect((screen.getByTestId("softphone-dial-number") as HTMLInputElement).value).toBe("10086");
    fireEvent.click(screen.getByTestId("softphone-dial-call"));
    expect((await screen.findByTestId("softphone-error")).textContent).toBe(translate("en", "error.call.no_phone"));
    expect(dials).toEqual([{ number: "10086", trunkId: null }]);
    expect(await stateOf()).toBe("IDLE");
    expect((screen.getByTestId("softphone-dial-number") as HTMLInputElement).value).toBe("10086");
  }, 30_000);

  it("shows a connected outbound call with the number called, Hold, Transfer to a queue only, and Hang up", async () => {
    const current = {
      call: call({ direction: "OUTBOUND", status: "CONNECTED", callerNumber: null, dialedNumber: "02155501234", queueId: null, agentId: "u1", ringingAgentId: null, answeredAt: ago(20) }) as CallRecord | null,
    };
    fakeGraphqlServer(answers(AGENT, current));
    render(<App />);
    await waitFor(async () => expect(await stateOf()).toBe("CONNECTED"), { timeout: 15_000 });
    const connected = await bar();
    expect(within(connected).getByTestId("softphone-caller").textContent).toBe("02155501234");
    expect(within(connected).queryByTestId("softphone-dial-hint")).toBeNull();
    expect(within(connected).getByTestId("softphone-hold")).toBeTruthy();
    fireEvent.click(within(connected).getByTestId("softphone-transfer"));
    const panel = await screen.findByTestId("softphone-transfer-panel");
    expect(within(panel).queryByText("Agent")).toBeNull();
    // A call out may be handed on to an agent after a consultation.
    expect(within(connected).getByTestId("softphone-consult")).toBeTruthy();
    expect(within(connected).getAllByTestId("softphone-hang-up")).toHaveLength(1);
    expect(screen.queryByTestId("softphone-dial")).toBeNull();
  }, 30_000);

  describe("consult (attended transfer)", () => {
    const BOB = { agentId: "u2", name: "Bob Wu", presence: "AVAILABLE" };
    const targets = { TransferTargets: { data: { transferTargets: { queues: [{ id: "q1", name: "Sales" }], agents: [BOB] } } } };
    // Ann (u1, signed in) has the caller; Bob (u2) is consulted.
    const consulting = (consultStatus: "RINGING" | "CONNECTED") =>
      call({ status: "HELD", agentId: "u1", ringingAgentId: null, answeredAt: ago(30), consultAgentId: "u2", consultStatus });

    it("consults an agent picked from the desk's agents: ringing, Complete transfer is disabled; connected, it hands the call over", async () => {
      const current = { call: call({ status: "CONNECTED", agentId: "u1", ringingAgentId: null, answeredAt: ago(30) }) as CallRecord | null };
      const consults: unknown[] = [];
      const completions: unknown[] = [];
      fakeGraphqlServer(
        answers(AGENT, current, {
          ...targets,
          ConsultCall: (variables) => {
            consults.push(variables);
            if (consults.length === 1) return graphqlError("call.agent_unavailable");
            current.call = consulting("RINGING");
            return { data: { consultCall: current.call } };
          },
          CompleteTransfer: (variables) => {
            completions.push(variables);
            current.call = null;
            return { data: { completeTransfer: call({ status: "CONNECTED", agentId: "u2", ringingAgentId: null, answeredAt: ago(31) }) } };
          },
        }),
      );
      render(<App />);
      await waitFor(async () => expect(await stateOf()).toBe("CONNECTED"), { timeout: 15_000 });

      // Agents only, with their presence.
      fireEvent.click(screen.getByTestId("softphone-consult"));
      const panel = await screen.findByTestId("softphone-consult-panel");
      expect(within(panel).queryByText("Queue")).toBeNull();
      fireEvent.mouseDown(within(panel).getByRole("combobox"));
      const options = await screen.findAllByText("Bob Wu", { selector: ".ant-select-item-option-content *" });
      expect(options[options.length - 1]!.parentElement!.textContent).toContain("Available");
      fireEvent.click(options[options.length - 1]!);
      fireEvent.click(within(panel).getByTestId("softphone-consult-confirm"));
      expect((await screen.findByTestId("softphone-consult-error")).textContent).toBe(translate("en", "error.call.agent_unavailable"));
      fireEvent.click(within(panel).getByTestId("softphone-consult-confirm"));

      // Bob's phone rings: the caller is held; no Hold, Transfer or Consult meanwhile.
      await waitFor(async () => expect((await bar()).getAttribute("data-consult")).toBe("consulting"));
      expect(consults).toEqual([
        { id: "c1", agentId: "u2" },
        { id: "c1", agentId: "u2" },
      ]);
      await waitFor(() => expect(screen.getByTestId("softphone-consult-state").textContent).toBe("Calling Bob Wu…"));
      expect(screen.getByTestId("softphone-state").textContent).toBe("On hold");
      expect((screen.getByTestId("softphone-complete-transfer") as HTMLButtonElement).disabled).toBe(true);
      expect((screen.getByTestId("softphone-cancel-consult") as HTMLButtonElement).disabled).toBe(false);
      for (const gone of ["softphone-hold", "softphone-resume", "softphone-transfer", "softphone-consult"]) expect(screen.queryByTestId(gone)).toBeNull();
      expect(screen.getByTestId("softphone-hang-up")).toBeTruthy();

      // Bob answers: the transfer may complete.
      current.call = consulting("CONNECTED");
      await waitFor(() => expect(screen.getByTestId("softphone-consult-state").textContent).toBe("Talking with Bob Wu; the caller is on hold"), { timeout: 5_000 });
      const complete = screen.getByTestId("softphone-complete-transfer") as HTMLButtonElement;
      expect(complete.disabled).toBe(false);
      fireEvent.click(complete);
      await waitFor(async () => expect(await stateOf()).toBe("IDLE"));
      expect(completions).toEqual([{ id: "c1" }]);
      expect(await screen.findByText("Call transferred")).toBeTruthy();
    }, 40_000);

    it("goes back to the caller, showing a refusal first", async () => {
      const current = { call: consulting("CONNECTED") as CallRecord | null };
      const cancels: unknown[] = [];
      fakeGraphqlServer(
        answers(AGENT, current, {
          ...targets,
          CancelConsult: (variables) => {
            cancels.push(variables);
            if (cancels.length === 1) return graphqlError("call.not_consulting");
            current.call = call({ status: "CONNECTED", agentId: "u1", ringingAgentId: null, answeredAt: ago(30) });
            return { data: { cancelConsult: current.call } };
          },
        }),
      );
      render(<App />);
      await waitFor(async () => expect((await bar()).getAttribute("data-consult")).toBe("consulting"), { timeout: 15_000 });
      fireEvent.click(screen.getByTestId("softphone-cancel-consult"));
      expect((await screen.findByTestId("softphone-error")).textContent).toBe(translate("en", "error.call.not_consulting"));
      // antd's Button leaves its loading state a moment after the answer.
      await waitFor(() => expect(screen.getByTestId("softphone-cancel-consult").className).not.toContain("ant-btn-loading"));
      fireEvent.click(screen.getByTestId("softphone-cancel-consult"));
      await waitFor(async () => expect(await stateOf()).toBe("CONNECTED"));
      expect(cancels).toEqual([{ id: "c1" }, { id: "c1" }]);
      expect((await bar()).getAttribute("data-consult")).toBeNull();
      expect(screen.queryByTestId("softphone-consult-state")).toBeNull();
      expect(screen.getByTestId("softphone-hold")).toBeTruthy();
      expect(screen.getByTestId("softphone-consult")).toBeTruthy();
    }, 30_000);

    // Bob (u2) consults Ann (u1, signed in).
    const consultedBy = (consultStatus: "RINGING" | "CONNECTED") =>
      call({ status: "HELD", agentId: "u2", ringingAgentId: null, answeredAt: ago(30), consultAgentId: "u1", consultStatus });

    it("shows the consulted agent the consultation: ringing, pick up the desk phone (no screen pop); connected, Hang up ends it", async () => {
      const current = { call: consultedBy("RINGING") as CallRecord | null };
      const hangUps: unknown[] = [];
      fakeGraphqlServer(
        answers(AGENT, current, {
          ...targets,
          Customers: { data: { customers: { items: [CUSTOMER], total: 1 } } },
          HangUpCall: (variables) => {
            hangUps.push(variables);
            current.call = null;
            // The consultation ends; the call stays Bob's.
            return { data: { hangUpCall: call({ status: "CONNECTED", agentId: "u2", ringingAgentId: null, answeredAt: ago(31) }) } };
          },
        }),
      );
      render(<App />);
      await waitFor(async () => expect((await bar()).getAttribute("data-consult")).toBe("consulted"), { timeout: 15_000 });
      await waitFor(() => expect(screen.getByTestId("softphone-consulted").textContent).toBe("Consultation from Bob Wu"));
      expect(screen.getByTestId("softphone-state").textContent).toBe("Ringing");
      expect(screen.getByTestId("softphone-caller").textContent).toBe("13800138000");
      expect(screen.getByTestId("softphone-answer-hint").textContent).toContain("Answer on your desk phone");
      for (const gone of ["softphone-hang-up", "softphone-hold", "softphone-resume", "softphone-transfer", "softphone-consult", "softphone-complete-transfer", "softphone-cancel-consult"]) {
        expect(screen.queryByTestId(gone)).toBeNull();
      }

      current.call = consultedBy("CONNECTED");
      await waitFor(() => expect(screen.getByTestId("softphone-state").textContent).toBe("Consultation"), { timeout: 5_000 });
      expect(screen.queryByTestId("softphone-answer-hint")).toBeNull();
      expect(screen.queryByTestId("softphone-hold")).toBeNull();
      expect(screen.queryByTestId("softphone-transfer")).toBeNull();
      expect(screen.queryByTestId("call-screen-pop")).toBeNull();
      fireEvent.click(screen.getByTestId("softphone-hang-up"));
      await waitFor(async () => expect(await stateOf()).toBe("IDLE"));
      expect(hangUps).toEqual([{ id: "c1" }]);
      expect(screen.queryByTestId("call-screen-pop")).toBeNull();
    }, 30_000);

    it("gives the consulted agent the normal bar and the screen pop once the transfer completes", async () => {
      const current = { call: consultedBy("CONNECTED") as CallRecord | null };
      fakeGraphqlServer(answers(AGENT, current, { ...targets, Customers: { data: { customers: { items: [CUSTOMER], total: 1 } } } }));
      render(<App />);
      await waitFor(async () => expect((await bar()).getAttribute("data-consult")).toBe("consulted"), { timeout: 15_000 });
      expect(screen.queryByTestId("call-screen-pop")).toBeNull();

      current.call = call({ status: "CONNECTED", agentId: "u1", ringingAgentId: null, answeredAt: ago(31) });
      await waitFor(async () => expect(await stateOf()).toBe("CONNECTED"), { timeout: 5_000 });
      expect((await bar()).getAttribute("data-consult")).toBeNull();
      expect(screen.queryByTestId("softphone-consulted")).toBeNull();
      expect(screen.getByTestId("softphone-state").textContent).toBe("Connected");
      expect(screen.getByTestId("softphone-hold")).toBeTruthy();
      expect(screen.getByTestId("softphone-transfer")).toBeTruthy();
      const pop = await screen.findByTestId("call-screen-pop");
      expect((await within(pop).findByTestId("call-screen-pop-customer")).textContent).toContain("Zhang San");
    }, 30_000);
  });
});
