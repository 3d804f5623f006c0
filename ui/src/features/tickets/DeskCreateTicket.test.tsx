import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer } from "../../test/fakeServer";
import { renderInShell } from "../customers/testing/shell";
import { optionLabels, pick } from "../customers/testing/select";
import { ChatPane } from "../desk/ChatPane";
import type { ConversationSummary } from "../desk/desk.graphql";
import { useOpenTicketRequests } from "./openTicket";
import { ticket, ticketType } from "./testing/fixtures";

vi.mock("./FormView", async () => await import("./testing/fakeFormView"));
vi.mock("../../api/subscriptions", () => ({ subscribe: () => () => {} }));

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

const summary: ConversationSummary = {
  id: "conv-1",
  channel: "CHAT",
  status: "ASSIGNED",
  queue: { id: "q1", name: "Sales" },
  agentId: "a1",
  agentName: "Ann Lee",
  visitor: { visitorId: "v1", name: "Vera Visitor", email: null, phone: null, language: "en" },
  startedAt: "2025-03-01T10:00:00Z",
  closedAt: null,
  disposition: null,
  ratingScore: null,
  lastMessageText: "Hello",
  messageCount: 0,
};

function Listener({ onOpen }: { onOpen: (id: string) => void }) {
  useOpenTicketRequests(onOpen);
  return null;
}

function renderPane(permissions: string[], openTab?: (path: string) => void, onOpen: (id: string) => void = () => {}) {
  return renderInShell(
    <>
      <ChatPane summary={summary} typing={false} cannedReplies={[]} screenPopOpen={false} drafts={new Map()} onSeen={() => {}} onTransfer={() => {}} onClose={() => {}} onToggleScreenPop={() => {}} />
      <Listener onOpen={onOpen} />
    </>,
    permissions,
    openTab,
  );
}

const CONVERSATION = { data: { conversation: { summary, messages: [], ratingComment: null } } };

describe("Create ticket on the desk", () => {
  it("is not offered without ticket.create", async () => {
    fakeGraphqlServer({ Conversation: CONVERSATION });
    renderPane([]);
    await screen.findByTestId("desk-transfer");
    expect(screen.queryByTestId("desk-create-ticket")).toBeNull();
  });

  it("opens a ticket for the conversation, titled after the visitor, and links to it", async () => {
    const openedWith: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      Conversation: CONVERSATION,
      TicketTypes: { data: { ticketTypes: [ticketType("type-1", "Refund", 2), ticketType("type-2", "Complaint", 1), ticketType("type-3", "Draft", 0)] } },
      OpenTicket: (variables) => {
        openedWith.push(variables);
        return { data: { openTicket: { commandId: "c", aggregateId: "t-9", duplicate: false } } };
      },
      Ticket: { data: { ticket: ticket("t-9", { number: "T-2025-0009" }) } },
    });
    const tabs: string[] = [];
    const opened: string[] = [];
    renderPane(["ticket.create", "menu.tickets"], (path) => tabs.push(path), (id) => opened.push(id));
    fireEvent.click(await screen.findByTestId("desk-create-ticket"));
    const form = await screen.findByTestId("ticket-new-form");
    const title = within(form).getByTestId("ticket-new-title") as HTMLInputElement;
    await waitFor(() => expect(title.value).toBe("Request of Vera Visitor"));
    // Only published types are offered.
    const types = within(form).getByTestId("ticket-new-type");
    await waitFor(async () => expect(await optionLabels(types)).toEqual(["Refund (v2)", "Complaint (v1)"]));
    await pick(within(form).getByTestId("ticket-new-type"), "Complaint (v1)");
    fireEvent.change(await screen.findByTestId("form-field-amount"), { target: { value: "12" } });
    fireEvent.click(screen.getByTestId("ticket-new-submit"));
    await waitFor(() => expect(openedWith).toHaveLength(1));
    expect(openedWith[0]!.input).toMatchObject({ typeId: "type-2", title: "Request of Vera Visitor", values: { amount: "12" }, conversationId: "conv-1" });
    const created = await screen.findByTestId("desk-ticket-created");
    expect(created.textContent).toContain("T-2025-0009");
    fireEvent.click(within(created).getByTestId("desk-ticket-link"));
    expect(opened).toEqual(["t-9"]);
    expect(tabs).toEqual(["/tickets"]);
  });

  it("shows the tickets already opened from the conversation, each opening its ticket", async () => {
    const asked: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      Conversation: CONVERSATION,
      Tickets: (variables) => {
        asked.push(variables);
        return { data: { tickets: { items: [ticket("t-3", { number: "T-2025-0003", status: "OPEN" })], total: 1 } } };
      },
    });
    const tabs: string[] = [];
    const opened: string[] = [];
    renderPane(["menu.tickets"], (path) => tabs.push(path), (id) => opened.push(id));
    const linked = await screen.findByTestId("desk-ticket");
    expect(linked.textContent).toBe("T-2025-0003");
    expect(asked[0]).toMatchObject({ filter: { conversationId: "conv-1" } });
    // Reading tickets does not give the right to open one.
    expect(screen.queryByTestId("desk-create-ticket")).toBeNull();
    fireEvent.click(linked);
    expect(opened).toEqual(["t-3"]);
    expect(tabs).toEqual(["/tickets"]);
  });
});
