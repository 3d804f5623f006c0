import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer } from "../../test/fakeServer";
import { renderInShell } from "../customers/testing/shell";
import { registeredWidgets } from "../workbench/registry";
import { TicketTodosWidget } from "../workbench/widgets/TicketTodosWidget";
import "./index";
import { useOpenTicketRequests } from "./openTicket";

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

const todo = (id: string, dueAt: string | null) => ({
  ticketId: id,
  number: `T-${id}`,
  title: `Ticket ${id}`,
  typeName: "Refund",
  token: 3,
  stepName: "Review",
  activatedAt: "2025-03-01T10:00:00Z",
  dueAt,
});

function Listener({ onOpen }: { onOpen: (id: string) => void }) {
  useOpenTicketRequests(onOpen);
  return null;
}

describe("my to-dos widget", () => {
  it("is registered under ticket-todos", () => {
    expect(registeredWidgets().find((widget) => widget.key === "ticket-todos")?.titleKey).toBe("widget.ticketTodos");
  });

  it("lists my to-dos, overdue ones in red, and a click opens the ticket on the Tickets page", async () => {
    fakeGraphqlServer({
      MyTicketTodos: { data: { myTicketTodos: [todo("1", "2020-01-01T00:00:00Z"), todo("2", "2999-01-01T00:00:00Z"), todo("3", null)] } },
    });
    const opened: string[] = [];
    const tabs: string[] = [];
    renderInShell(
      <>
        <TicketTodosWidget />
        <Listener onOpen={(id) => opened.push(id)} />
      </>,
      ["menu.tickets"],
      (path) => tabs.push(path),
    );
    const items = await screen.findAllByTestId("ticket-todo");
    expect(items.map((item) => item.textContent)).toEqual([
      expect.stringContaining("T-1Ticket 1Refund · Review"),
      expect.stringContaining("T-2"),
      "T-3Ticket 3Refund · Review",
    ]);
    expect(items.map((item) => item.getAttribute("data-overdue"))).toEqual(["true", "false", "false"]);
    const dues = screen.getAllByTestId("ticket-todo-due");
    expect(dues[0]!.className).toContain("danger");
    expect(dues[0]!.textContent).toContain("Overdue since");
    expect(dues[1]!.className).not.toContain("danger");
    fireEvent.click(items[1]!);
    await waitFor(() => expect(opened).toEqual(["2"]));
    expect(tabs).toEqual(["/tickets"]);
  });

  it("says when there is nothing to do", async () => {
    fakeGraphqlServer({ MyTicketTodos: { data: { myTicketTodos: [] } } });
    renderInShell(<TicketTodosWidget />, []);
    expect(await screen.findByText("Nothing to do")).toBeTruthy();
  });
});
