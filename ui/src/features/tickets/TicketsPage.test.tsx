import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer, graphqlError } from "../../test/fakeServer";
import { renderInShell } from "../customers/testing/shell";
import { pick } from "../customers/testing/select";
import { formDirectory } from "./testing/fakeFormView";
import { exportTemplate, listItem, task, ticket, ticketType } from "./testing/fixtures";
import { DEFAULT_TICKET_FILTER } from "./TicketQueryBar";
import { NIL_UUID } from "./tickets.graphql";
import { TicketsPage } from "./TicketsPage";

vi.mock("./FormView", async () => await import("./testing/fakeFormView"));
vi.mock("./rules", async () => await import("./testing/syncRules"));

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

const TYPES = { data: { ticketTypes: [ticketType("type-1", "Refund", 2), ticketType("type-2", "Draft only", 0)] } };

describe("the tickets page", () => {
  it("lists tickets with their steps, and filters by status, type, text and who started them", async () => {
    const server = fakeGraphqlServer({
      TicketTypes: TYPES,
      SavedTicketQueries: { data: { savedTicketQueries: [] } },
      Tickets: () => ({
        data: { tickets: { items: [listItem("1"), listItem("2", { status: "FINISHED", tasks: [] })], total: 42 } },
      }),
    });
    renderInShell(<TicketsPage />, ["ticket.create"]);
    const table = await screen.findByTestId("tickets-table");
    await within(table).findByText("T-1");
    expect(within(table).getByText("Ticket 2")).toBeTruthy();
    expect(within(table).getAllByText("Refund v2")).toHaveLength(2);
    expect(within(table).getByText("Review · Supervisors")).toBeTruthy();
    expect(within(table).getByText("Finished")).toBeTruthy();
    const first = server.requests.find((request) => request.operation === "Tickets")!;
    expect(first.variables).toEqual({ filter: DEFAULT_TICKET_FILTER, offset: 0, limit: 20 });

    await pick(screen.getByTestId("ticket-filter-type"), "Refund");
    const holder = screen.getByTestId("ticket-filter-text");
    const search = holder.tagName === "INPUT" ? holder : holder.querySelector("input")!;
    fireEvent.change(search, { target: { value: "refund 42" } });
    fireEvent.keyDown(search, { key: "Enter", code: "Enter", keyCode: 13 });
    fireEvent.click(screen.getByTestId("ticket-filter-mine"));
    await waitFor(() => {
      const last = server.requests.filter((request) => request.operation === "Tickets").at(-1)!;
      expect(last.variables).toEqual({ filter: { ...DEFAULT_TICKET_FILTER, typeId: "type-1", text: "refund 42", startedByMe: true }, offset: 0, limit: 20 });
    });

    // Page 2 asks for the next offset.
    fireEvent.click(document.querySelector(".ant-pagination-item-2")!);
    await waitFor(() => {
      const last = server.requests.filter((request) => request.operation === "Tickets").at(-1)!;
      expect(last.variables).toMatchObject({ offset: 20, limit: 20 });
    });
    expect(screen.getByTestId("ticket-new")).toBeTruthy();
  });

  it("offers New ticket only with ticket.create", async () => {
    fakeGraphqlServer({ TicketTypes: TYPES, Tickets: { data: { tickets: { items: [], total: 0 } } } });
    renderInShell(<TicketsPage />, []);
    await screen.findByTestId("tickets-table");
    expect(screen.queryByTestId("ticket-new")).toBeNull();
  });

  it("opens a ticket and completes my step with the values of its editable fields only", async () => {
    const completed: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      TicketTypes: TYPES,
      Tickets: { data: { tickets: { items: [listItem("1")], total: 1 } } },
      Ticket: { data: { ticket: ticket("1") } },
      CompleteTicketTask: (variables) => {
        completed.push(variables);
        return { data: { completeTicketTask: { commandId: "c", aggregateId: "1", duplicate: false } } };
      },
    });
    renderInShell(<TicketsPage />, ["ticket.create"]);
    fireEvent.click(await screen.findByText("T-1"));
    const detail = await screen.findByTestId("ticket-detail");
    expect(within(detail).getByTestId("ticket-status").textContent).toBe("Open");
    expect(within(detail).getByText("Refund v2")).toBeTruthy();
    expect(within(detail).getByTestId("ticket-task").textContent).toContain("Role: Supervisors");

    // Hidden removed, read-only (and unlisted) disabled, required required.
    const amount = (await within(detail).findByTestId("form-field-amount")) as HTMLInputElement;
    expect(within(detail).queryByTestId("form-field-secret")).toBeNull();
    expect((within(detail).getByTestId("form-field-phone") as HTMLInputElement).disabled).toBe(true);
    expect(amount.disabled).toBe(false);
    expect((within(detail).getByTestId("form-field-category") as HTMLInputElement).required).toBe(true);

    fireEvent.change(amount, { target: { value: "250" } });
    fireEvent.click(within(detail).getByTestId("ticket-complete"));
    await waitFor(() => expect(completed).toHaveLength(1));
    const input = completed[0]!.input as Record<string, unknown>;
    expect(input).toMatchObject({ ticketId: "1", token: 7, values: { amount: "250", category: "refund" } });
    expect(typeof input.commandId).toBe("string");
  });

  it("gives the ticket's form its references, the option search and the ticket's file links", async () => {
    const references = [{ kind: "USER" as const, id: "u-1", label: "Ann Lee", parentId: null }];
    const server = fakeGraphqlServer({
      TicketTypes: TYPES,
      Tickets: { data: { tickets: { items: [listItem("1")], total: 1 } } },
      Ticket: { data: { ticket: ticket("1", { references }) } },
      TicketFieldOptions: { data: { ticketFieldOptions: references } },
    });
    renderInShell(<TicketsPage />, ["ticket.create"]);
    fireEvent.click(await screen.findByText("T-1"));
    await within(await screen.findByTestId("ticket-detail")).findByTestId("form-field-amount");
    const directory = formDirectory.current!;
    expect(directory.references).toEqual(references);
    expect(await directory.search!("USER", " ann ")).toEqual(references);
    expect(server.requests.find((request) => request.operation === "TicketFieldOptions")!.variables).toEqual({ kind: "USER", search: "ann" });
    await directory.search!("DEPARTMENT", "");
    expect(server.requests.filter((request) => request.operation === "TicketFieldOptions").at(-1)!.variables).toEqual({ kind: "DEPARTMENT", search: null });
    expect(directory.fileUrl!({ blobId: "b-1", name: "a.pdf", size: 1, contentType: "application/pdf" })).toBe("/api/tickets/1/files/b-1");
    expect(directory.upload).toBeDefined();
  });

  it("gives the ticket's form its query labels and its version's query options", async () => {
    const queryLabels = [{ field: "region", value: "sh", label: "Shanghai" }];
    const options = [{ value: "bj", label: "Beijing", details: [] }];
    const server = fakeGraphqlServer({
      TicketTypes: TYPES,
      Tickets: { data: { tickets: { items: [listItem("1")], total: 1 } } },
      Ticket: { data: { ticket: ticket("1", { queryLabels, typeId: "type-1", version: 3 }) } },
      TicketQueryOptions: { data: { ticketQueryOptions: options } },
    });
    renderInShell(<TicketsPage />, ["ticket.create"]);
    fireEvent.click(await screen.findByText("T-1"));
    await within(await screen.findByTestId("ticket-detail")).findByTestId("form-field-amount");
    const directory = formDirectory.current!;
    expect(directory.queryLabels).toEqual(queryLabels);
    expect(await directory.queryOptions!("region", " bei ")).toEqual(options);
    expect(server.requests.find((request) => request.operation === "TicketQueryOptions")!.variables).toEqual({ typeId: "type-1", version: 3, field: "region", search: "bei" });
    await directory.queryOptions!("region", "");
    expect(server.requests.filter((request) => request.operation === "TicketQueryOptions").at(-1)!.variables).toMatchObject({ search: null });
  });

  it("runs the ticket's rules at my step on its values and what I type", async () => {
    const rules = `values.phone = "+" + values.amount + "-" + values.secret;
if (Number(values.amount) > 200) error("amount", "Too much at " + step);`;
    fakeGraphqlServer({
      TicketTypes: TYPES,
      Tickets: { data: { tickets: { items: [listItem("1")], total: 1 } } },
      Ticket: { data: { ticket: ticket("1", { rules }) } },
    });
    renderInShell(<TicketsPage />, []);
    fireEvent.click(await screen.findByText("T-1"));
    const detail = await screen.findByTestId("ticket-detail");
    // The hidden field's value is the ticket's; the step is the task's. The calculated phone
    // shows in its (read-only) field, not in the list under the form.
    const phone = await within(detail).findByTestId<HTMLInputElement>("form-field-phone");
    await waitFor(() => expect(phone.value).toBe("+100-s3"));
    expect(within(detail).getByTestId("ticket-field-calculated-phone")).toBeTruthy();
    expect(within(detail).queryByTestId("ticket-rules-computed")).toBeNull();
    fireEvent.change(await within(detail).findByTestId("form-field-amount"), { target: { value: "250" } });
    await waitFor(() => expect(phone.value).toBe("+250-s3"));
    expect(within(detail).getByTestId("ticket-rules-errors").textContent).toContain("Amount: Too much at Task_7");
  });

  it("shows a ticket read-only when no open step is mine, and lists the server's refusal by field", async () => {
    fakeGraphqlServer({
      TicketTypes: TYPES,
      Tickets: { data: { tickets: { items: [listItem("1"), listItem("2")], total: 2 } } },
      Ticket: (variables) =>
        variables.id === "2"
          ? { data: { ticket: ticket("2", { tasks: [{ ...ticket("2").tasks[0]!, mine: false }] }) } }
          : { data: { ticket: ticket("1") } },
      CompleteTicketTask: {
        errors: [{ message: "amount: too large", extensions: { code: "ticket.invalid_values", fields: [{ field: "amount", message: "too large" }] } as { code: string } }],
      },
    });
    renderInShell(<TicketsPage />, []);
    fireEvent.click(await screen.findByText("T-2"));
    let detail = await screen.findByTestId("ticket-detail");
    expect(((await within(detail).findByTestId("form-field-amount")) as HTMLInputElement).disabled).toBe(true);
    expect(within(detail).queryByTestId("ticket-complete")).toBeNull();
    fireEvent.click(screen.getByText("T-1"));
    await waitFor(() => expect(screen.getByTestId("ticket-detail").getAttribute("data-ticket-id")).toBe("1"));
    detail = screen.getByTestId("ticket-detail");
    await within(detail).findByTestId("form-field-amount");
    fireEvent.click(within(detail).getByTestId("ticket-complete"));
    const error = await within(detail).findByTestId("ticket-complete-error");
    expect(error.textContent).toContain("Amount: too large");
  });

  it("shows an overdue step, reminders, escalations and mail replies", async () => {
    window.history.replaceState(null, "", "/tickets?open=1");
    fakeGraphqlServer({
      TicketTypes: TYPES,
      Tickets: { data: { tickets: { items: [listItem("1")], total: 1 } } },
      Ticket: {
        data: {
          ticket: ticket("1", {
            tasks: [task(7, { dueAt: "2025-03-01T12:00:00Z", overdue: true }), task(8, { stepName: "Approve" })],
            history: [
              { at: "2025-03-01T11:00:00Z", kind: "reminded", actorName: "", stepName: "Review", text: null },
              { at: "2025-03-01T12:00:00Z", kind: "overdue", actorName: "", stepName: "Review", text: "Refund desk" },
              { at: "2025-03-01T12:30:00Z", kind: "mail_received", actorName: "pat@example.com", stepName: null, text: "Any news?" },
            ],
          }),
        },
      },
    });
    renderInShell(<TicketsPage />, []);
    const detail = await screen.findByTestId("ticket-detail");
    window.history.replaceState(null, "", "/");
    expect(screen.getByText("T-1 · Ticket 1")).toBeTruthy();
    const [late, onTime] = within(detail).getAllByTestId("ticket-task");
    expect(within(late!).getByTestId("ticket-task-overdue").textContent).toBe("Overdue");
    expect(late!.textContent).toContain("Due ");
    expect(within(onTime!).queryByTestId("ticket-task-overdue")).toBeNull();
    const history = within(detail).getByTestId("ticket-history");
    expect(history.textContent).toContain("Reminder sent · Review");
    expect(history.textContent).toContain("Overdue · Review");
    expect(history.textContent).toContain("Escalated to Refund desk");
    expect(history.textContent).toContain("pat@example.com");
    expect(history.textContent).toContain("Mail received");
    expect(history.textContent).toContain("Any news?");
    expect(history.querySelector(".anticon-mail")).not.toBeNull();
  });

  it("shows the service calls it waits on and retries a failed one", async () => {
    const retries: Record<string, unknown>[] = [];
    let retried = false;
    window.history.replaceState(null, "", "/tickets?open=1");
    const server = fakeGraphqlServer({
      TicketTypes: TYPES,
      Tickets: { data: { tickets: { items: [listItem("1")], total: 1 } } },
      Ticket: () => ({
        data: {
          ticket: ticket("1", {
            updatedAt: retried ? "2025-03-01T12:05:00Z" : "2025-03-01T11:00:00Z",
            serviceCalls: [
              { token: 4, stepName: "Notify ERP", url: "https://erp.example.com/hook", failed: !retried, error: retried ? null : "503: try later", since: "2025-03-01T11:00:00Z" },
              { token: 5, stepName: "Check stock", url: "https://stock.example.com/hook", failed: false, error: null, since: "2025-03-01T11:00:00Z" },
            ],
            history: [
              { at: "2025-03-01T11:00:00Z", kind: "service_failed", actorName: "", stepName: "Notify ERP", text: "503: try later" },
              { at: "2025-03-01T11:30:00Z", kind: "service_retried", actorName: "Ann Lee", stepName: "Notify ERP", text: null },
              { at: "2025-03-01T11:31:00Z", kind: "service_done", actorName: "", stepName: "Check stock", text: null },
            ],
          }),
        },
      }),
      RetryTicketService: (variables) => {
        retries.push(variables);
        retried = true;
        return { data: { retryTicketService: { commandId: "c", aggregateId: "1", duplicate: false } } };
      },
    });
    renderInShell(<TicketsPage />, ["ticket.create"]);
    const detail = await screen.findByTestId("ticket-detail");
    window.history.replaceState(null, "", "/");
    const [failed, calling] = within(detail).getAllByTestId("ticket-service-call");
    expect(failed!.textContent).toContain("Notify ERP");
    expect(failed!.textContent).toContain("https://erp.example.com/hook");
    expect(within(failed!).getByTestId("ticket-service-failed").textContent).toBe("Failed");
    expect(within(failed!).getByTestId("ticket-service-error").textContent).toBe("503: try later");
    expect(calling!.textContent).toContain("Calling…");
    expect(within(calling!).queryByTestId("ticket-service-retry")).toBeNull();
    const history = within(detail).getByTestId("ticket-history");
    expect(history.textContent).toContain("Service call failed · Notify ERP");
    expect(history.textContent).toContain("503: try later");
    expect(history.textContent).toContain("Ann Lee");
    expect(history.textContent).toContain("Service call retried · Notify ERP");
    expect(history.textContent).toContain("Service answered · Check stock");

    fireEvent.click(within(failed!).getByTestId("ticket-service-retry"));
    await waitFor(() => expect(retries).toHaveLength(1));
    const input = retries[0]!.input as Record<string, unknown>;
    expect(input).toMatchObject({ ticketId: "1", token: 4 });
    expect(typeof input.commandId).toBe("string");
    // Fetched again: the call is being made once more.
    await waitFor(() => expect(within(screen.getByTestId("ticket-detail")).queryByTestId("ticket-service-failed")).toBeNull());
    expect(server.requests.filter((request) => request.operation === "Ticket").length).toBeGreaterThan(1);
  });

  it("offers no retry on a ticket that is no longer open", async () => {
    window.history.replaceState(null, "", "/tickets?open=1");
    fakeGraphqlServer({
      TicketTypes: TYPES,
      Tickets: { data: { tickets: { items: [listItem("1")], total: 1 } } },
      Ticket: {
        data: {
          ticket: ticket("1", {
            status: "CANCELLED",
            tasks: [],
            serviceCalls: [{ token: 4, stepName: "Notify ERP", url: "https://erp.example.com/hook", failed: true, error: "timed out", since: "2025-03-01T11:00:00Z" }],
          }),
        },
      },
    });
    renderInShell(<TicketsPage />, ["ticket.create"]);
    const detail = await screen.findByTestId("ticket-detail");
    window.history.replaceState(null, "", "/");
    expect(within(detail).getByTestId("ticket-service-error").textContent).toBe("timed out");
    expect(within(detail).queryByTestId("ticket-service-retry")).toBeNull();
  });

  it("shows an outside collaborator's steps with their links and sends a link again", async () => {
    const sends: Record<string, unknown>[] = [];
    let sent = false;
    const external = (token: number, address: string, linkExpiresAt: string | null, stepName: string) =>
      task(token, { stepName, candidateKind: "EXTERNAL", candidateId: NIL_UUID, candidateName: address, mine: false, linkExpiresAt });
    window.history.replaceState(null, "", "/tickets?open=1");
    const server = fakeGraphqlServer({
      TicketTypes: TYPES,
      Tickets: { data: { tickets: { items: [listItem("1")], total: 1 } } },
      Ticket: () => ({
        data: {
          ticket: ticket("1", {
            updatedAt: sent ? "2025-03-01T12:05:00Z" : "2025-03-01T11:00:00Z",
            tasks: [
              external(7, "supplier@example.com", sent ? "2099-03-08T12:05:00Z" : "2025-03-08T11:00:00Z", "Supplier quote"),
              external(8, "carrier@example.com", "2099-03-08T11:00:00Z", "Carrier quote"),
              external(9, "insurer@example.com", null, "Insurer check"),
            ],
            history: [
              { at: "2025-03-01T11:00:00Z", kind: "link_sent", actorName: "", stepName: "Supplier quote", text: "supplier@example.com" },
              { at: "2025-03-01T11:30:00Z", kind: "task_completed", actorName: "lab@example.com", stepName: "Lab report", text: null },
            ],
          }),
        },
      }),
      SendTicketLink: (variables) => {
        sends.push(variables);
        sent = true;
        return { data: { sendTicketLink: { commandId: "c", aggregateId: "1", duplicate: false } } };
      },
    });
    renderInShell(<TicketsPage />, ["ticket.create"]);
    const detail = await screen.findByTestId("ticket-detail");
    window.history.replaceState(null, "", "/");
    const [expired, live, unsent] = within(detail).getAllByTestId("ticket-task");
    expect(expired!.textContent).toContain("External: supplier@example.com");
    expect(within(expired!).getByTestId("ticket-task-link").textContent).toBe("link expired");
    expect(within(live!).getByTestId("ticket-task-link").textContent).toContain("link expires ");
    expect(within(unsent!).getByTestId("ticket-task-link").textContent).toBe("link not sent yet");
    expect(within(detail).getAllByTestId("ticket-task-send-link")).toHaveLength(3);
    const history = within(detail).getByTestId("ticket-history");
    expect(history.textContent).toContain("Link sent · Supplier quote");
    expect(history.textContent).toContain("To supplier@example.com");
    expect(history.textContent).toContain("System");
    expect(history.textContent).toContain("lab@example.com");

    fireEvent.click(within(expired!).getByTestId("ticket-task-send-link"));
    await waitFor(() => expect(sends).toHaveLength(1));
    const input = sends[0]!.input as Record<string, unknown>;
    expect(input).toMatchObject({ ticketId: "1", token: 7 });
    expect(typeof input.commandId).toBe("string");
    expect(await screen.findByText("A new link was mailed to supplier@example.com")).toBeTruthy();
    // Fetched again: the new link's expiry shows.
    await waitFor(() => expect(within(within(screen.getByTestId("ticket-detail")).getAllByTestId("ticket-task")[0]!).getByTestId("ticket-task-link").textContent).toContain("link expires "));
    expect(server.requests.filter((request) => request.operation === "Ticket").length).toBeGreaterThan(1);

    // Each send is a new command.
    fireEvent.click(within(within(screen.getByTestId("ticket-detail")).getAllByTestId("ticket-task")[1]!).getByTestId("ticket-task-send-link"));
    await waitFor(() => expect(sends).toHaveLength(2));
    expect((sends[1]!.input as Record<string, unknown>).commandId).not.toBe(input.commandId);
  });

  it("says why a link could not be sent, and offers no sending on a closed ticket", async () => {
    window.history.replaceState(null, "", "/tickets?open=1");
    fakeGraphqlServer({
      TicketTypes: TYPES,
      Tickets: { data: { tickets: { items: [listItem("1")], total: 1 } } },
      Ticket: { data: { ticket: ticket("1", { tasks: [task(7, { candidateKind: "EXTERNAL", candidateId: NIL_UUID, candidateName: "supplier@example.com", mine: false })] }) } },
      SendTicketLink: graphqlError("ticket.not_external"),
    });
    const view = renderInShell(<TicketsPage />, ["ticket.create"]);
    let detail = await screen.findByTestId("ticket-detail");
    window.history.replaceState(null, "", "/");
    fireEvent.click(within(detail).getByTestId("ticket-task-send-link"));
    expect(await screen.findByText("This step is not done by an outside collaborator.")).toBeTruthy();
    view.unmount();

    window.history.replaceState(null, "", "/tickets?open=1");
    fakeGraphqlServer({
      TicketTypes: TYPES,
      Tickets: { data: { tickets: { items: [listItem("1")], total: 1 } } },
      Ticket: {
        data: { ticket: ticket("1", { status: "FINISHED", tasks: [task(7, { candidateKind: "EXTERNAL", candidateId: NIL_UUID, candidateName: "supplier@example.com", mine: false })] }) },
      },
    });
    renderInShell(<TicketsPage />, ["ticket.create"]);
    detail = await screen.findByTestId("ticket-detail");
    window.history.replaceState(null, "", "/");
    expect(within(detail).getByTestId("ticket-task").textContent).toContain("supplier@example.com");
    expect(within(detail).queryByTestId("ticket-task-send-link")).toBeNull();
  });

  it("comments on a ticket and cancels it with a reason", async () => {
    const comments: Record<string, unknown>[] = [];
    const cancels: Record<string, unknown>[] = [];
    const ok = (name: string) => ({ data: { [name]: { commandId: "c", aggregateId: "1", duplicate: false } } });
    window.history.replaceState(null, "", "/tickets?open=1");
    fakeGraphqlServer({
      TicketTypes: TYPES,
      Tickets: { data: { tickets: { items: [listItem("1")], total: 1 } } },
      Ticket: {
        data: {
          ticket: ticket("1", {
            history: [
              { at: "2025-03-01T10:00:00Z", kind: "opened", actorName: "Ann Lee", stepName: null, text: null },
              { at: "2025-03-01T10:05:00Z", kind: "task_completed", actorName: "", stepName: "Check", text: null },
            ],
          }),
        },
      },
      CommentTicket: (variables) => {
        comments.push(variables);
        return ok("commentTicket");
      },
      CancelTicket: (variables) => {
        cancels.push(variables);
        return ok("cancelTicket");
      },
    });
    renderInShell(<TicketsPage />, []);
    // Opened from the address.
    const detail = await screen.findByTestId("ticket-detail");
    window.history.replaceState(null, "", "/");
    const history = within(detail).getByTestId("ticket-history");
    expect(history.textContent).toContain("Opened");
    expect(history.textContent).toContain("System");
    expect(history.textContent).toContain("Step completed · Check");

    fireEvent.change(within(detail).getByTestId("ticket-comment-text"), { target: { value: "  Called the customer back  " } });
    fireEvent.click(within(detail).getByTestId("ticket-comment"));
    await waitFor(() => expect(comments).toHaveLength(1));
    expect(comments[0]!.input).toMatchObject({ ticketId: "1", text: "Called the customer back" });

    fireEvent.click(within(detail).getByTestId("ticket-cancel"));
    const reason = await screen.findByTestId("ticket-cancel-reason");
    expect((screen.getByTestId("ticket-cancel-confirm") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(reason, { target: { value: "Duplicate of T-0" } });
    fireEvent.click(screen.getByTestId("ticket-cancel-confirm"));
    await waitFor(() => expect(cancels).toHaveLength(1));
    expect(cancels[0]!.input).toMatchObject({ ticketId: "1", reason: "Duplicate of T-0" });
  });

  it("offers no export when the ticket's type has no templates", async () => {
    fakeGraphqlServer({
      TicketTypes: TYPES,
      Tickets: { data: { tickets: { items: [listItem("1")], total: 1 } } },
      Ticket: { data: { ticket: ticket("1") } },
    });
    renderInShell(<TicketsPage />, []);
    fireEvent.click(await screen.findByText("T-1"));
    const detail = await screen.findByTestId("ticket-detail");
    expect(within(detail).getByTestId("ticket-cancel")).toBeTruthy();
    expect(within(detail).queryByTestId("ticket-export")).toBeNull();
  });

  it("exports the ticket through a chosen template in the UI's language and says why one failed", async () => {
    localStorage.setItem("hotline.locale", JSON.stringify("zh-TW"));
    const { fetchMock } = fakeGraphqlServer({
      TicketTypes: TYPES,
      Tickets: { data: { tickets: { items: [listItem("1")], total: 1 } } },
      Ticket: {
        data: {
          ticket: ticket("1", {
            status: "FINISHED",
            tasks: [],
            exportTemplates: [exportTemplate("x-1", "Refund letter"), exportTemplate("x-2", "Quote sheet", { format: "XLSX" })],
          }),
        },
      },
    });
    const graphql = fetchMock.getMockImplementation()!;
    const exports: { url: string; accept: string }[] = [];
    fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
      if (!url.startsWith("/api/")) return graphql(url, init);
      exports.push({ url, accept: (init.headers as Record<string, string>).accept ?? "" });
      return exports.length === 1
        ? new Response(new Blob(["PK"]), { status: 200 })
        : new Response(JSON.stringify({ code: "ticket_type.template_not_found", detail: "gone" }), { status: 404, headers: { "content-type": "application/problem+json" } });
    });
    const createObjectURL = vi.fn(() => "blob:x");
    const original = { createObjectURL: URL.createObjectURL, revokeObjectURL: URL.revokeObjectURL };
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    try {
      renderInShell(<TicketsPage />, []);
      fireEvent.click(await screen.findByText("T-1"));
      const detail = await screen.findByTestId("ticket-detail");
      // On a closed ticket too.
      fireEvent.click(within(detail).getByTestId("ticket-export"));
      const items = await screen.findAllByTestId("ticket-export-item");
      expect(items.map((item) => item.getAttribute("data-name"))).toEqual(["Refund letter", "Quote sheet"]);
      fireEvent.click(items[1]!);
      await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
      expect(exports[0]!.url).toBe("/api/tickets/1/export/x-2?language=zh-TW");
      expect(exports[0]!.accept).toContain("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
      expect((click.mock.contexts[0] as HTMLAnchorElement).download).toBe("T-1 Quote sheet.xlsx");

      await waitFor(() => expect(within(detail).getByTestId("ticket-export").className).not.toContain("ant-btn-loading"));
      fireEvent.click(within(detail).getByTestId("ticket-export"));
      const again = (await screen.findAllByTestId("ticket-export-item")).find((item) => item.getAttribute("data-name") === "Refund letter")!;
      fireEvent.click(again);
      await waitFor(() => expect(exports).toHaveLength(2));
      expect(exports[1]!.url).toBe("/api/tickets/1/export/x-1?language=zh-TW");
      expect(await screen.findByText("透過 Refund letter 匯出失敗：此匯出範本不存在（或已刪除）。")).toBeTruthy();
    } finally {
      click.mockRestore();
      Object.assign(URL, original);
    }
  });
});
