import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer, graphqlError } from "../../../test/fakeServer";
import { renderInShell } from "../../customers/testing/shell";
import { TICKETS_PATH, useOpenTicketRequests } from "../../tickets/openTicket";
import type { PendingTicketServiceCall } from "../../tickets/tickets.graphql";
import { ServiceCallsPanel } from "./ServiceCallsPanel";

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

function call(ticketId: string, token: number, error: string | null, extra: Partial<PendingTicketServiceCall> = {}): PendingTicketServiceCall {
  return {
    ticketId,
    number: `T-${ticketId}`,
    title: `Refund for ${ticketId}`,
    typeName: "Refund",
    token,
    stepName: `Notify ERP ${token}`,
    url: `https://erp.example.com/hooks/${ticketId}`,
    calledAt: "2025-03-01T09:00:00Z",
    error,
    ...extra,
  };
}

const ALL = [call("t1", 3, "HTTP 500 from the receiver"), call("t2", 1, null), call("t3", 7, null)];

function callsServer(retry?: () => ReturnType<typeof graphqlError>) {
  const retried: unknown[] = [];
  const server = fakeGraphqlServer({
    TicketServiceCalls: (variables) => {
      const items = variables.failedOnly ? ALL.filter((row) => row.error !== null) : ALL;
      return { data: { ticketServiceCalls: { items, total: items.length } } };
    },
    RetryTicketService: (variables) => {
      retried.push(variables.input);
      return retry ? retry() : { data: { retryTicketService: { commandId: "c", aggregateId: "t1", duplicate: false } } };
    },
  });
  const listRequests = () => server.requests.filter((request) => request.operation === "TicketServiceCalls");
  return { ...server, retried, listRequests };
}

describe("the service calls panel", () => {
  it("lists every ticket's waiting calls with their status, failed ones with why", async () => {
    const { listRequests } = callsServer();
    renderInShell(<ServiceCallsPanel />, ["menu.admin.ticket_types"]);
    await screen.findByTestId("service-calls");
    await waitFor(() => expect(screen.getAllByTestId("service-call-row")).toHaveLength(3));
    const rows = screen.getAllByTestId("service-call-row");
    expect(rows.map((row) => row.getAttribute("data-failed"))).toEqual(["true", "false", "false"]);
    expect(within(rows[0]!).getByText("T-t1")).toBeTruthy();
    expect(within(rows[0]!).getByText("Refund for t1")).toBeTruthy();
    expect(within(rows[0]!).getByText("Notify ERP 3")).toBeTruthy();
    expect(within(rows[0]!).getByText("https://erp.example.com/hooks/t1")).toBeTruthy();
    expect(within(rows[0]!).getByText("Failed")).toBeTruthy();
    expect(within(rows[1]!).getByText("Calling")).toBeTruthy();
    expect(screen.getByText("3 service calls")).toBeTruthy();
    expect(listRequests()[0]!.variables).toEqual({ failedOnly: false, offset: 0, limit: 20 });

    // Why it failed, on hovering the tag.
    fireEvent.mouseEnter(within(rows[0]!).getByTestId("service-call-failed"));
    expect(await screen.findByText("HTTP 500 from the receiver")).toBeTruthy();

    fireEvent.click(screen.getByTestId("service-calls-reload"));
    await waitFor(() => expect(listRequests()).toHaveLength(2));
  });

  it("asks the server for the failed calls only, and for all again", async () => {
    const { listRequests } = callsServer();
    renderInShell(<ServiceCallsPanel />, ["menu.admin.ticket_types"]);
    await waitFor(() => expect(screen.getAllByTestId("service-call-row")).toHaveLength(3));

    fireEvent.click(screen.getByTestId("service-calls-failed-only"));
    await waitFor(() => expect(listRequests().at(-1)!.variables).toEqual({ failedOnly: true, offset: 0, limit: 20 }));
    await waitFor(() => expect(screen.getAllByTestId("service-call-row")).toHaveLength(1));
    expect(screen.getByTestId("service-call-row").getAttribute("data-failed")).toBe("true");

    fireEvent.click(screen.getByTestId("service-calls-failed-only"));
    await waitFor(() => expect(listRequests().at(-1)!.variables).toEqual({ failedOnly: false, offset: 0, limit: 20 }));
    await waitFor(() => expect(screen.getAllByTestId("service-call-row")).toHaveLength(3));
  });

  it("retries a failed call only, by its ticket and token with a new command id each time, then reloads", async () => {
    const { retried, listRequests } = callsServer();
    renderInShell(<ServiceCallsPanel />, ["menu.admin.ticket_types", "ticket.create"]);
    await waitFor(() => expect(screen.getAllByTestId("service-call-row")).toHaveLength(3));
    const rows = screen.getAllByTestId("service-call-row");
    expect(within(rows[1]!).queryByTestId("service-call-retry")).toBeNull();
    expect(within(rows[2]!).queryByTestId("service-call-retry")).toBeNull();
    expect(screen.getAllByTestId("service-call-retry")).toHaveLength(1);

    const before = listRequests().length;
    fireEvent.click(within(rows[0]!).getByTestId("service-call-retry"));
    await waitFor(() => expect(retried).toHaveLength(1));
    expect(retried[0]).toMatchObject({ ticketId: "t1", token: 3 });
    expect(await screen.findByText("Notify ERP 3 called again")).toBeTruthy();
    await waitFor(() => expect(listRequests().length).toBe(before + 1));

    fireEvent.click(within(screen.getAllByTestId("service-call-row")[0]!).getByTestId("service-call-retry"));
    await waitFor(() => expect(retried).toHaveLength(2));
    const [first, second] = retried as { commandId: string }[];
    expect(first!.commandId).toBeTruthy();
    expect(second!.commandId).not.toBe(first!.commandId);
  });

  it("offers no retry without ticket.create, which the server asks for", async () => {
    const { retried } = callsServer();
    renderInShell(<ServiceCallsPanel />, ["menu.admin.ticket_types"]);
    await waitFor(() => expect(screen.getAllByTestId("service-call-row")).toHaveLength(3));
    expect(screen.queryByTestId("service-call-retry")).toBeNull();
    expect(retried).toEqual([]);
  });

  it("says why the server refused the retry", async () => {
    callsServer(() => graphqlError("ticket.service_not_failed", "not failed"));
    renderInShell(<ServiceCallsPanel />, ["ticket.create"]);
    await waitFor(() => expect(screen.getAllByTestId("service-call-retry")).toHaveLength(1));
    fireEvent.click(screen.getByTestId("service-call-retry"));
    expect(await screen.findByText(/has not failed: it is still being made/)).toBeTruthy();
  });

  it("opens the ticket on the Tickets page from its number", async () => {
    callsServer();
    const opened: string[] = [];
    const tabs: string[] = [];
    function TicketsPageStandIn() {
      useOpenTicketRequests((ticketId) => opened.push(ticketId));
      return null;
    }
    renderInShell(
      <>
        <ServiceCallsPanel />
        <TicketsPageStandIn />
      </>,
      [],
      (path) => tabs.push(path),
    );
    fireEvent.click(await screen.findByText("T-t2"));
    expect(opened).toEqual(["t2"]);
    expect(tabs).toEqual([TICKETS_PATH]);
  });

  it("pages on the server, by offset and limit", async () => {
    const requests: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      TicketServiceCalls: (variables) => {
        requests.push(variables);
        const offset = Number(variables.offset);
        const items = Array.from({ length: 20 }, (_, index) => call(`p${offset + index}`, 1, null));
        return { data: { ticketServiceCalls: { items, total: 45 } } };
      },
    });
    renderInShell(<ServiceCallsPanel />, []);
    await waitFor(() => expect(screen.getAllByTestId("service-call-row")).toHaveLength(20));
    expect(screen.getByText("45 service calls")).toBeTruthy();
    fireEvent.click(screen.getByTitle("2"));
    await waitFor(() => expect(requests.at(-1)).toEqual({ failedOnly: false, offset: 20, limit: 20 }));
  });
});
