import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { useState } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer, graphqlError, type RecordedRequest } from "../../test/fakeServer";
import { optionLabels, pick } from "../customers/testing/select";
import { renderInShell } from "../customers/testing/shell";
import { ticketType } from "./testing/fixtures";
import { DEFAULT_TICKET_FILTER, DEFAULT_TICKET_QUERY, type TicketQuery, TicketQueryBar } from "./TicketQueryBar";
import type { SavedTicketQuery } from "./tickets.graphql";
import { TicketsPage } from "./TicketsPage";

vi.mock("./FormView", async () => await import("./testing/fakeFormView"));
vi.mock("./rules", async () => await import("./testing/syncRules"));

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => {
  vi.unstubAllGlobals();
  window.history.replaceState(null, "", "/");
});

const TYPES = [ticketType("type-1", "Refund", 2), ticketType("type-2", "Draft only", 0)];
const EMPTY_PAGE = { data: { tickets: { items: [], total: 0 } } };

const LATE_REFUNDS: SavedTicketQuery = {
  id: "q-1",
  name: "Late refunds",
  shared: false,
  mine: true,
  filter: {
    status: "OPEN",
    typeId: "type-1",
    text: "refund",
    startedByMe: false,
    waitingOn: { kind: "ME", id: null },
    due: { kind: "OVERDUE", hours: null },
    conditions: [{ field: "amount", op: "GREATER_THAN", value: "1000", valueTo: null }],
    sort: "DUE",
    sortDescending: false,
  },
};
const TEAM: SavedTicketQuery = {
  id: "q-2",
  name: "Team queue",
  shared: true,
  mine: false,
  filter: { ...LATE_REFUNDS.filter, typeId: null, text: null, waitingOn: { kind: "ROLE", id: "r-1" }, due: null, conditions: [], sort: null },
};

/** What `savedFilter` makes of LATE_REFUNDS: what the list asks for. */
const LATE_REFUNDS_FILTER = {
  status: "OPEN",
  typeId: "type-1",
  text: "refund",
  startedByMe: null,
  waitingOn: { kind: "ME", id: null },
  due: { kind: "OVERDUE", hours: null },
  conditions: [{ field: "amount", op: "GREATER_THAN", value: "1000", valueTo: null }],
  sort: "DUE",
  sortDescending: false,
};

function lastFilter(requests: RecordedRequest[]) {
  return requests.filter((request) => request.operation === "Tickets").at(-1)?.variables.filter;
}

function inputOf(element: HTMLElement): HTMLInputElement {
  return (element.tagName === "INPUT" ? element : element.querySelector("input")!) as HTMLInputElement;
}

/** The bar with the page's part: what it applies is what the list shows next. */
function Harness({ onApply }: { onApply: (query: TicketQuery) => void }) {
  const [applied, setApplied] = useState<TicketQuery>(DEFAULT_TICKET_QUERY);
  return (
    <TicketQueryBar
      types={TYPES}
      applied={applied}
      onApply={(query) => {
        onApply(query);
        setApplied(query);
      }}
    />
  );
}

describe("the ticket query bar", () => {
  it("asks the list for whom steps wait on and when they are due", async () => {
    const server = fakeGraphqlServer({
      TicketTypes: { data: { ticketTypes: TYPES } },
      Tickets: EMPTY_PAGE,
      SavedTicketQueries: { data: { savedTicketQueries: [] } },
      RoleNames: { data: { roles: [{ id: "r-1", key: null, name: "Supervisors", builtIn: false }] } },
    });
    renderInShell(<TicketsPage />, []);
    await screen.findByTestId("tickets-table");
    await waitFor(() => expect(lastFilter(server.requests)).toEqual(DEFAULT_TICKET_FILTER));

    // A role: nothing changes until the role is chosen.
    await pick(screen.getByTestId("ticket-filter-waiting"), "A role…");
    await pick(await screen.findByTestId("ticket-filter-waiting-id"), "Supervisors");
    await waitFor(() => expect(lastFilter(server.requests)).toMatchObject({ waitingOn: { kind: "ROLE", id: "r-1" } }));

    await pick(screen.getByTestId("ticket-filter-due"), "Due within…");
    await waitFor(() => expect(lastFilter(server.requests)).toMatchObject({ due: { kind: "WITHIN", hours: 24 } }));
    fireEvent.change(inputOf(screen.getByTestId("ticket-filter-due-hours")), { target: { value: "8" } });
    await waitFor(() =>
      expect(lastFilter(server.requests)).toEqual({ ...DEFAULT_TICKET_FILTER, waitingOn: { kind: "ROLE", id: "r-1" }, due: { kind: "WITHIN", hours: 8 } }),
    );
  });

  it("asks the list for form values of the chosen type and an order", async () => {
    const server = fakeGraphqlServer({
      TicketTypes: { data: { ticketTypes: TYPES } },
      Tickets: EMPTY_PAGE,
      SavedTicketQueries: { data: { savedTicketQueries: [] } },
    });
    renderInShell(<TicketsPage />, []);
    await screen.findByTestId("tickets-table");

    // With a type chosen, the fields of its published form are offered.
    await pick(screen.getByTestId("ticket-filter-type"), "Refund");
    fireEvent.click(screen.getByTestId("query-condition-add"));
    const condition = screen.getByTestId("query-condition");
    await pick(within(condition).getByTestId("query-field"), "Amount");
    expect(await optionLabels(within(condition).getByTestId("query-op"))).toEqual([
      "equals",
      "contains",
      "starts with",
      "greater than",
      "less than",
      "between",
      "is empty",
      "is not empty",
    ]);
    await pick(within(condition).getByTestId("query-op"), "between");
    fireEvent.click(screen.getByTestId("query-apply"));
    expect(await screen.findByText(/Complete or remove the marked conditions/)).toBeTruthy();
    fireEvent.change(within(condition).getByTestId("query-value"), { target: { value: "100" } });
    fireEvent.change(within(condition).getByTestId("query-value-to"), { target: { value: " 500 " } });
    fireEvent.click(screen.getByTestId("query-apply"));

    await pick(screen.getByTestId("ticket-sort"), "Due time");
    await pick(screen.getByTestId("ticket-sort-direction"), "Descending");
    await waitFor(() =>
      expect(lastFilter(server.requests)).toEqual({
        status: "OPEN",
        typeId: "type-1",
        text: null,
        startedByMe: null,
        waitingOn: null,
        due: null,
        conditions: [{ field: "amount", op: "BETWEEN", value: "100", valueTo: "500" }],
        sort: "DUE",
        sortDescending: true,
      }),
    );
    // Back to the first page.
    expect(server.requests.filter((request) => request.operation === "Tickets").at(-1)!.variables.offset).toBe(0);
  });

  it("takes a typed field key without a type, and waits on me or an outside collaborator at once", async () => {
    const applied: TicketQuery[] = [];
    fakeGraphqlServer({ SavedTicketQueries: { data: { savedTicketQueries: [] } } });
    renderInShell(<Harness onApply={(query) => applied.push(query)} />, []);
    fireEvent.click(await screen.findByTestId("query-condition-add"));
    const condition = screen.getByTestId("query-condition");
    expect(screen.getByText(/type a field key/)).toBeTruthy();
    fireEvent.change(inputOf(within(condition).getByTestId("query-field")), { target: { value: "order_no" } });
    await pick(within(condition).getByTestId("query-op"), "is not empty");
    expect(within(condition).queryByTestId("query-value")).toBeNull();
    fireEvent.click(screen.getByTestId("query-apply"));
    expect(applied.at(-1)!.filter.conditions).toEqual([{ field: "order_no", op: "NOT_EMPTY", value: null, valueTo: null }]);

    await pick(screen.getByTestId("ticket-filter-waiting"), "An outside collaborator");
    expect(applied.at(-1)!.filter.waitingOn).toEqual({ kind: "EXTERNAL", id: null });
    await pick(screen.getByTestId("ticket-filter-waiting"), "Me");
    expect(applied.at(-1)!.filter.waitingOn).toEqual({ kind: "ME", id: null });
    await pick(screen.getByTestId("ticket-filter-due"), "Overdue");
    expect(applied.at(-1)!.filter.due).toEqual({ kind: "OVERDUE", hours: null });
  });

  it("offers at most 20 conditions", async () => {
    fakeGraphqlServer({ SavedTicketQueries: { data: { savedTicketQueries: [] } } });
    renderInShell(<Harness onApply={() => {}} />, []);
    const add = await screen.findByTestId("query-condition-add");
    for (let count = 0; count < 20; count++) fireEvent.click(add);
    expect(screen.getAllByTestId("query-condition")).toHaveLength(20);
    expect((add as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getAllByTestId("query-condition-remove")[0]!);
    expect((add as HTMLButtonElement).disabled).toBe(false);
  });

  it("applies a saved query, saves over your own or as a new one, and deletes only your own", async () => {
    const saves: Record<string, unknown>[] = [];
    const deletes: unknown[] = [];
    fakeGraphqlServer({
      SavedTicketQueries: { data: { savedTicketQueries: [LATE_REFUNDS, TEAM] } },
      SaveTicketQuery: (variables) => {
        const input = variables.input as Record<string, unknown>;
        saves.push(input);
        return { data: { saveTicketQuery: { ...LATE_REFUNDS, name: input.name, shared: input.shared, id: (input.id as string | undefined) ?? "q-3" } } };
      },
      DeleteTicketQuery: (variables) => {
        deletes.push(variables.id);
        return { data: { deleteTicketQuery: true } };
      },
    });
    const applied: TicketQuery[] = [];
    renderInShell(<Harness onApply={(query) => applied.push(query)} />, []);
    await waitFor(() => expect(screen.getByTestId("query-select").className).not.toContain("ant-select-loading"));
    // Nothing of one's own selected: only "Save as".
    expect(screen.queryByTestId("query-save")).toBeNull();

    await pick(screen.getByTestId("query-select"), "Late refunds");
    expect(applied.at(-1)).toEqual({ queryId: "q-1", filter: LATE_REFUNDS_FILTER });
    expect(inputOf(screen.getByTestId("ticket-filter-text")).value).toBe("refund");
    expect((screen.getByTestId("query-value") as HTMLInputElement).value).toBe("1000");
    expect((screen.getByTestId("query-name") as HTMLInputElement).value).toBe("Late refunds");

    // Your own: saved over, shared now, with the changed condition.
    fireEvent.change(screen.getByTestId("query-value"), { target: { value: "2000" } });
    fireEvent.click(screen.getByTestId("query-shared"));
    fireEvent.click(screen.getByTestId("query-save"));
    await waitFor(() => expect(saves).toHaveLength(1));
    expect(saves[0]).toEqual({
      id: "q-1",
      name: "Late refunds",
      shared: true,
      filter: { ...LATE_REFUNDS_FILTER, conditions: [{ field: "amount", op: "GREATER_THAN", value: "2000", valueTo: null }] },
    });
    expect(await screen.findByText("Query Late refunds saved")).toBeTruthy();

    // Save as: a new query under the name.
    fireEvent.change(screen.getByTestId("query-name"), { target: { value: "Big refunds" } });
    fireEvent.click(screen.getByTestId("query-save-as"));
    await waitFor(() => expect(saves).toHaveLength(2));
    expect(saves[1]!.id).toBeUndefined();
    expect(saves[1]!.name).toBe("Big refunds");
    await waitFor(() => expect(applied.at(-1)!.queryId).toBe("q-3"));

    // Someone else's shared query: applied, marked, not to be saved over or deleted.
    await pick(screen.getByTestId("query-select"), "Team queue");
    expect(applied.at(-1)).toEqual({
      queryId: "q-2",
      filter: { ...LATE_REFUNDS_FILTER, typeId: null, text: null, waitingOn: { kind: "ROLE", id: "r-1" }, due: null, conditions: [], sort: null },
    });
    expect(screen.getByText(/A shared query/)).toBeTruthy();
    expect(screen.queryByTestId("query-delete")).toBeNull();
    expect(screen.queryByTestId("query-save")).toBeNull();
    expect((screen.getByTestId("query-name") as HTMLInputElement).value).toBe("");

    await pick(screen.getByTestId("query-select"), "Late refunds");
    fireEvent.click(screen.getByTestId("query-delete"));
    fireEvent.click(await screen.findByTestId("query-delete-confirm"));
    await waitFor(() => expect(deletes).toEqual(["q-1"]));
    await waitFor(() => expect(applied.at(-1)).toEqual(DEFAULT_TICKET_QUERY));
  });

  it("marks shared queries in the list", async () => {
    fakeGraphqlServer({ SavedTicketQueries: { data: { savedTicketQueries: [LATE_REFUNDS, TEAM] } } });
    renderInShell(<Harness onApply={() => {}} />, []);
    await waitFor(() => expect(screen.getByTestId("query-select").className).not.toContain("ant-select-loading"));
    // Each option's text: its name, and the "shared" tag of a shared one.
    expect(await optionLabels(screen.getByTestId("query-select"))).toEqual(["Late refunds", "Team queueshared"]);
  });

  it("shows why a query could not be saved or deleted", async () => {
    fakeGraphqlServer({
      SavedTicketQueries: { data: { savedTicketQueries: [LATE_REFUNDS] } },
      SaveTicketQuery: graphqlError("ticket_queries.name_taken"),
      DeleteTicketQuery: graphqlError("ticket_queries.not_owner"),
    });
    renderInShell(<Harness onApply={() => {}} />, []);
    await waitFor(() => expect(screen.getByTestId("query-select").className).not.toContain("ant-select-loading"));
    await pick(screen.getByTestId("query-select"), "Late refunds");
    fireEvent.click(screen.getByTestId("query-save-as"));
    expect((await screen.findByTestId("query-save-error")).textContent).toContain("You already have a saved ticket query with this name.");
    fireEvent.click(screen.getByTestId("query-delete"));
    fireEvent.click(await screen.findByTestId("query-delete-confirm"));
    expect(await screen.findByText(/only its owner can change or delete it/)).toBeTruthy();
  });

  it("says so when the saved queries cannot be loaded", async () => {
    fakeGraphqlServer({ SavedTicketQueries: graphqlError("ticket_queries.not_found") });
    renderInShell(<Harness onApply={() => {}} />, []);
    expect(await screen.findByText("No such saved ticket query.")).toBeTruthy();
  });
});

describe("a link to a saved query", () => {
  it("opens the list with the query of ?query=, and copies a link to the chosen one", async () => {
    window.history.replaceState(null, "", "/tickets?query=q-1");
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const server = fakeGraphqlServer({
      TicketTypes: { data: { ticketTypes: TYPES } },
      Tickets: EMPTY_PAGE,
      SavedTicketQueries: { data: { savedTicketQueries: [LATE_REFUNDS, TEAM] } },
    });
    renderInShell(<TicketsPage />, []);
    await waitFor(() => expect(lastFilter(server.requests)).toEqual(LATE_REFUNDS_FILTER));
    // The list was not asked for before the query was known.
    expect(server.requests.filter((request) => request.operation === "Tickets")).toHaveLength(1);
    window.history.replaceState(null, "", "/tickets");

    await pick(screen.getByTestId("query-select"), "Team queue");
    fireEvent.click(screen.getByTestId("query-copy-link"));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(`${window.location.origin}/tickets?query=q-2`));
    expect(window.location.search).toBe("?query=q-2");
    expect(await screen.findByText("Link to Team queue copied")).toBeTruthy();
    Reflect.deleteProperty(navigator, "clipboard");
  });

  it("says so when the saved query of the link is gone, and lists with the usual filter", async () => {
    window.history.replaceState(null, "", "/tickets?query=q-9");
    const server = fakeGraphqlServer({
      TicketTypes: { data: { ticketTypes: TYPES } },
      Tickets: EMPTY_PAGE,
      SavedTicketQueries: { data: { savedTicketQueries: [LATE_REFUNDS] } },
    });
    renderInShell(<TicketsPage />, []);
    expect(await screen.findByText("No such saved ticket query.")).toBeTruthy();
    await waitFor(() => expect(lastFilter(server.requests)).toEqual(DEFAULT_TICKET_FILTER));
  });
});
