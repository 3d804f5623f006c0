import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { App as AntApp, ConfigProvider } from "antd";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SubscriptionHandlers } from "../../api/subscriptions";
import { I18nProvider } from "../../i18n";
import { fakeGraphqlServer } from "../../test/fakeServer";
import type { AgentDesk, ChatMessage, ConversationSummary } from "./desk.graphql";
import { DeskPage } from "./DeskPage";

interface Subscription {
  document: string;
  variables: Record<string, unknown>;
  handlers: SubscriptionHandlers<unknown>;
  stopped: boolean;
}

const hub = vi.hoisted(() => ({ subscriptions: [] as Subscription[] }));

vi.mock("../../api/subscriptions", () => ({
  subscribe: (document: string, variables: Record<string, unknown>, handlers: SubscriptionHandlers<unknown>) => {
    const subscription: Subscription = { document, variables, handlers, stopped: false };
    hub.subscriptions.push(subscription);
    return () => {
      subscription.stopped = true;
    };
  },
}));

/** The live subscription of an operation, once the page has started it. */
async function subscription(operation: string): Promise<Subscription> {
  let found: Subscription | undefined;
  await waitFor(() => {
    found = hub.subscriptions.find((candidate) => !candidate.stopped && candidate.document.includes(`subscription ${operation}`));
    expect(found).toBeTruthy();
  });
  return found!;
}

function push(target: Subscription, data: unknown) {
  act(() => target.handlers.next(data));
}

const summary = (id: string, overrides: Partial<ConversationSummary> = {}): ConversationSummary => ({
  id,
  channel: "CHAT",
  status: "ASSIGNED",
  queue: { id: "q1", name: "Sales" },
  agentId: "a1",
  agentName: "Ann Lee",
  visitor: { visitorId: "v1", name: "Vera Visitor", email: "vera@example.com", phone: null, language: "zh-TW" },
  startedAt: "2025-03-01T10:00:00Z",
  closedAt: null,
  disposition: null,
  ratingScore: null,
  lastMessageText: "Hello",
  messageCount: 1,
  ...overrides,
});

const desk = (overrides: Partial<AgentDesk> = {}): AgentDesk => ({
  agentId: "a1",
  registered: true,
  presence: { state: "AVAILABLE", reason: null, since: new Date(Date.now() - 65_000).toISOString() },
  capacity: [{ channel: "CHAT", capacity: 3, load: 0 }],
  offers: [],
  conversations: [],
  ...overrides,
});

const message = (seq: number, authorKind: ChatMessage["authorKind"], text: string): ChatMessage => ({
  seq,
  clientId: `client-${seq}`,
  authorKind,
  authorName: authorKind === "AGENT" ? "Ann Lee" : null,
  text,
  attachment: null,
  at: "2025-03-01T10:00:00Z",
});

const CHOICES = {
  data: {
    cannedReplies: [{ code: "hello", text: "Hello, how can I help?" }],
    dispositions: [
      { code: "resolved", label: "Resolved" },
      { code: "follow_up", label: "Needs follow-up" },
    ],
  },
};

const conversationAnswer = (id: string, messages: ChatMessage[]) => ({
  data: { conversation: { summary: summary(id, { messageCount: messages.length }), messages, ratingComment: null } },
});

function renderDesk() {
  return render(
    <I18nProvider>
      <ConfigProvider>
        <AntApp>
          <DeskPage />
        </AntApp>
      </ConfigProvider>
    </I18nProvider>,
  );
}

beforeEach(() => {
  hub.subscriptions.length = 0;
  localStorage.setItem("hotline.locale", JSON.stringify("en"));
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the agent desk", () => {
  it("shows an offer with its countdown, and accepting it calls acceptOffer and opens the screen pop", async () => {
    let current = desk({
      offers: [
        {
          contactId: "contact-1",
          conversationId: "conv-1",
          channel: "CHAT",
          queue: { id: "q1", name: "Sales" },
          expiresAt: new Date(Date.now() + 25_000).toISOString(),
          visitorName: "Vera Visitor",
        },
      ],
    });
    const server = fakeGraphqlServer({
      MyDesk: () => ({ data: { myDesk: current } }),
      DeskChoices: CHOICES,
      AcceptOffer: () => {
        current = desk({ conversations: [summary("conv-1")] });
        return { data: { acceptOffer: summary("conv-1") } };
      },
      Conversation: conversationAnswer("conv-1", [message(1, "VISITOR", "Hello")]),
      CustomerHistory: {
        data: {
          customerHistory: [
            { ...summary("conv-0", { status: "CLOSED", disposition: "resolved", ratingScore: 4, agentName: "Bob Stone" }), visitor: undefined },
          ],
        },
      },
    });
    renderDesk();
    const offer = await screen.findByTestId("desk-offer");
    expect(offer.getAttribute("data-conversation-id")).toBe("conv-1");
    expect(within(offer).getByText("Vera Visitor")).toBeTruthy();
    expect(within(offer).getByTestId("desk-offer-countdown").textContent).toMatch(/^2\d s left to accept$/);
    expect(screen.getByTestId("desk-offer-alert")).toBeTruthy();

    fireEvent.click(within(offer).getByTestId("desk-accept"));
    await waitFor(() => expect(server.requests.some((request) => request.operation === "AcceptOffer")).toBe(true));
    const accept = server.requests.find((request) => request.operation === "AcceptOffer")!;
    expect(accept.variables).toMatchObject({ contactId: "contact-1" });
    expect(typeof accept.variables.commandId).toBe("string");

    const entry = await screen.findByTestId("desk-conversation");
    expect(entry.getAttribute("data-conversation-id")).toBe("conv-1");
    await waitFor(() => expect(screen.queryByTestId("desk-offer")).toBeNull());
    const pop = await screen.findByTestId("desk-screen-pop");
    expect(within(pop).getByText("vera@example.com")).toBeTruthy();
    const history = await within(pop).findByTestId("desk-history-item");
    expect(within(history).getByText("Disposition: Resolved")).toBeTruthy();
    expect(within(history).getByTestId("desk-rating").getAttribute("data-score")).toBe("4");
  });

  it("shows chat offers as cards but not voice offers, which the phone and the softphone bar handle", async () => {
    const expiresAt = new Date(Date.now() + 25_000).toISOString();
    const server = fakeGraphqlServer({
      MyDesk: {
        data: {
          myDesk: desk({
            offers: [
              { contactId: "contact-voice", conversationId: "conv-voice", channel: "VOICE", queue: { id: "q2", name: "General" }, expiresAt, visitorName: null },
              { contactId: "contact-chat", conversationId: "conv-chat", channel: "CHAT", queue: { id: "q1", name: "Sales" }, expiresAt, visitorName: "Vera Visitor" },
            ],
          }),
        },
      },
      DeskChoices: CHOICES,
    });
    renderDesk();
    const offer = await screen.findByTestId("desk-offer");
    expect(offer.getAttribute("data-conversation-id")).toBe("conv-chat");
    expect(within(offer).getByText("Vera Visitor")).toBeTruthy();
    expect(screen.getAllByTestId("desk-offer")).toHaveLength(1);
    expect(screen.queryByText("General")).toBeNull();
    // The banner counts the one chat offer only.
    expect(screen.getByTestId("desk-offer-alert").textContent).toBe("New conversation offered (1): accept it before the time runs out");
    expect(server.requests.some((request) => request.operation === "AcceptOffer")).toBe(false);
  });

  it("shows no offer card nor banner when the only offer is a voice call", async () => {
    fakeGraphqlServer({
      MyDesk: {
        data: {
          myDesk: desk({
            offers: [
              {
                contactId: "contact-voice",
                conversationId: "conv-voice",
                channel: "VOICE",
                queue: { id: "q2", name: "General" },
                expiresAt: new Date(Date.now() + 25_000).toISOString(),
                visitorName: null,
              },
            ],
          }),
        },
      },
      DeskChoices: CHOICES,
    });
    renderDesk();
    await screen.findByTestId("desk");
    expect(screen.queryByTestId("desk-offer")).toBeNull();
    expect(screen.queryByTestId("desk-offer-alert")).toBeNull();
    expect(screen.queryByTestId("desk-accept")).toBeNull();
  });

  it("shows a message from the subscription once, even when it is delivered twice", async () => {
    fakeGraphqlServer({
      MyDesk: { data: { myDesk: desk({ conversations: [summary("conv-1")] }) } },
      DeskChoices: CHOICES,
      Conversation: conversationAnswer("conv-1", [message(1, "VISITOR", "Hello")]),
      CustomerHistory: { data: { customerHistory: [] } },
    });
    renderDesk();
    const live = await subscription("ConversationMessages");
    expect(live.variables).toEqual({ conversationId: "conv-1", afterSeq: 1 });
    await screen.findByText("Hello", { selector: "[data-testid=desk-message] *" });

    const reply = { conversationMessages: message(2, "VISITOR", "Where is my parcel?") };
    push(live, reply);
    push(live, reply);
    await screen.findByText("Where is my parcel?");
    const bubbles = screen.getAllByTestId("desk-message");
    expect(bubbles.map((bubble) => [bubble.getAttribute("data-seq"), bubble.getAttribute("data-author")])).toEqual([
      ["1", "visitor"],
      ["2", "visitor"],
    ]);

    // The visitor's typing shows from the desk events.
    const events = await subscription("DeskEvents");
    push(events, { deskEvents: { kind: "VISITOR_TYPING", conversationId: "conv-1", contactId: null } });
    expect(await screen.findByTestId("desk-typing")).toBeTruthy();
  });

  it("sends with a client id, and a retry after a failure sends the same one", async () => {
    const sends: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      MyDesk: { data: { myDesk: desk({ conversations: [summary("conv-1")] }) } },
      DeskChoices: CHOICES,
      Conversation: conversationAnswer("conv-1", [message(1, "VISITOR", "Hello")]),
      CustomerHistory: { data: { customerHistory: [] } },
      SendChatMessage: (variables) => {
        sends.push(variables);
        if (sends.length === 1) return { errors: [{ message: "unavailable", extensions: { code: "store.unavailable" } }] };
        return { data: { sendChatMessage: { ...message(2, "AGENT", "Hi Vera"), clientId: variables.clientId } } };
      },
    });
    renderDesk();
    await screen.findByText("Hello", { selector: "[data-testid=desk-message] *" });
    fireEvent.change(screen.getByTestId("desk-input"), { target: { value: "Hi Vera" } });
    fireEvent.click(screen.getByTestId("desk-send"));
    fireEvent.click(await screen.findByTestId("desk-retry"));
    await waitFor(() => expect(screen.getAllByTestId("desk-message")).toHaveLength(2));
    expect(screen.queryByTestId("desk-message-pending")).toBeNull();
    expect(sends).toHaveLength(2);
    expect(sends[1]!.clientId).toBe(sends[0]!.clientId);
    expect(sends[0]).toMatchObject({ conversationId: "conv-1", text: "Hi Vera", attachmentId: null });
  });

  it("refetches myDesk on desk events, but not on typing or messages", async () => {
    const server = fakeGraphqlServer({
      MyDesk: { data: { myDesk: desk() } },
      DeskChoices: CHOICES,
    });
    renderDesk();
    const events = await subscription("DeskEvents");
    await screen.findByTestId("desk-presence");
    const loads = () => server.requests.filter((request) => request.operation === "MyDesk").length;
    const before = loads();
    push(events, { deskEvents: { kind: "VISITOR_TYPING", conversationId: "conv-9", contactId: null } });
    push(events, { deskEvents: { kind: "MESSAGE", conversationId: "conv-9", contactId: null } });
    push(events, { deskEvents: { kind: "OFFERED", conversationId: "conv-9", contactId: "contact-9" } });
    await waitFor(() => expect(loads()).toBe(before + 1));
  });

  it("will not close a conversation without a disposition", async () => {
    const server = fakeGraphqlServer({
      MyDesk: { data: { myDesk: desk({ conversations: [summary("conv-1")] }) } },
      DeskChoices: CHOICES,
      Conversation: conversationAnswer("conv-1", [message(1, "VISITOR", "Hello")]),
      CustomerHistory: { data: { customerHistory: [] } },
      CloseConversation: (variables) => ({
        data: { closeConversation: summary("conv-1", { status: "CLOSED", disposition: String(variables.disposition) }) },
      }),
    });
    renderDesk();
    fireEvent.click(await screen.findByTestId("desk-close"));
    const dialog = await screen.findByRole("dialog");
    fireEvent.click(within(dialog).getByTestId("desk-close-confirm"));
    expect(await within(dialog).findByText("Choose a disposition to end the conversation")).toBeTruthy();
    expect(server.requests.some((request) => request.operation === "CloseConversation")).toBe(false);

    const select = within(dialog).getByTestId("desk-disposition");
    fireEvent.mouseDown(select.querySelector(".ant-select-selector") ?? select);
    fireEvent.click(await screen.findByTitle("Resolved"));
    fireEvent.click(within(dialog).getByTestId("desk-close-confirm"));
    await waitFor(() => expect(server.requests.some((request) => request.operation === "CloseConversation")).toBe(true));
    expect(server.requests.find((request) => request.operation === "CloseConversation")!.variables).toMatchObject({
      conversationId: "conv-1",
      disposition: "resolved",
    });
  });

  it("asks a reason for Not ready, and shows the time in state", async () => {
    const changes: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      MyDesk: { data: { myDesk: desk() } },
      DeskChoices: CHOICES,
      SetPresence: (variables) => {
        changes.push(variables);
        return {
          data: {
            setPresence: desk({ presence: { state: "NOT_READY", reason: String(variables.reason), since: new Date().toISOString() } }),
          },
        };
      },
    });
    renderDesk();
    expect((await screen.findByTestId("desk-presence-time")).textContent).toMatch(/^for 1:0\d$/);
    const select = screen.getByTestId("desk-presence");
    fireEvent.mouseDown(select.querySelector(".ant-select-selector") ?? select);
    fireEvent.click(await screen.findByTitle("Not ready"));
    const dialog = await screen.findByRole("dialog");
    fireEvent.click(within(dialog).getByText("Training"));
    fireEvent.click(within(dialog).getByTestId("desk-presence-confirm"));
    await waitFor(() => expect(changes).toHaveLength(1));
    expect(changes[0]).toMatchObject({ state: "NOT_READY", reason: "training" });
    await waitFor(() => expect(screen.getAllByText("Training").length).toBeGreaterThan(0));
  });

  it("counts unread messages of a conversation not on screen", async () => {
    fakeGraphqlServer({
      MyDesk: { data: { myDesk: desk({ conversations: [summary("conv-1"), summary("conv-2", { visitor: { visitorId: "v2", name: "Walt", email: null, phone: null, language: null } })] }) } },
      DeskChoices: CHOICES,
      Conversation: (variables) => conversationAnswer(String(variables.id), [message(1, "VISITOR", "Hello")]),
      CustomerHistory: { data: { customerHistory: [] } },
    });
    renderDesk();
    const events = await subscription("DeskEvents");
    const entries = await screen.findAllByTestId("desk-conversation");
    expect(entries.map((entry) => entry.getAttribute("data-unread"))).toEqual(["0", "0"]);
    push(events, { deskEvents: { kind: "MESSAGE", conversationId: "conv-2", contactId: null } });
    push(events, { deskEvents: { kind: "MESSAGE", conversationId: "conv-2", contactId: null } });
    const walt = () => screen.getAllByTestId("desk-conversation").find((entry) => entry.getAttribute("data-conversation-id") === "conv-2")!;
    await waitFor(() => expect(walt().getAttribute("data-unread")).toBe("2"));
    fireEvent.click(walt());
    await waitFor(() => expect(walt().getAttribute("data-unread")).toBe("0"));
  });

  it("transfers to a queue from transferTargets", async () => {
    const server = fakeGraphqlServer({
      MyDesk: { data: { myDesk: desk({ conversations: [summary("conv-1")] }) } },
      DeskChoices: CHOICES,
      Conversation: conversationAnswer("conv-1", [message(1, "VISITOR", "Hello")]),
      CustomerHistory: { data: { customerHistory: [] } },
      TransferTargets: {
        data: {
          transferTargets: {
            queues: [{ id: "q2", name: "Support" }],
            agents: [
              { agentId: "a1", name: "Ann Lee", presence: "AVAILABLE" },
              { agentId: "a2", name: "Bob Stone", presence: "AVAILABLE" },
            ],
          },
        },
      },
      TransferConversation: { data: { transferConversation: { id: "conv-1", status: "QUEUED" } } },
    });
    renderDesk();
    fireEvent.click(await screen.findByTestId("desk-transfer"));
    const dialog = await screen.findByRole("dialog");
    await waitFor(() => expect(server.requests.some((request) => request.operation === "TransferTargets")).toBe(true));
    const target = within(dialog).getByTestId("desk-transfer-target");
    fireEvent.mouseDown(target.querySelector(".ant-select-selector") ?? target);
    fireEvent.click(await screen.findByTitle("Support"));
    fireEvent.click(within(dialog).getByTestId("desk-transfer-confirm"));
    await waitFor(() => expect(server.requests.some((request) => request.operation === "TransferConversation")).toBe(true));
    expect(server.requests.find((request) => request.operation === "TransferConversation")!.variables).toMatchObject({
      conversationId: "conv-1",
      toQueueId: "q2",
      toAgentId: null,
    });
  });
});
