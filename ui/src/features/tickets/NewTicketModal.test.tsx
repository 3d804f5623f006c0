import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer } from "../../test/fakeServer";
import { renderInShell } from "../customers/testing/shell";
import { NewTicketModal } from "./NewTicketModal";
import { formDirectory } from "./testing/fakeFormView";
import { ticketType } from "./testing/fixtures";

vi.mock("./FormView", async () => await import("./testing/fakeFormView"));
vi.mock("./rules", async () => await import("./testing/syncRules"));

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

// Only the published version's rules count: the draft's are another's work in progress.
const RULES = `if (values.amount === "boom") null.boom;
values.category = Number(values.amount) > 100 ? "large" : "small";
if (Number(values.amount) > 500) error("amount", "At most 500 at " + step);`;
const TYPE = { ...ticketType("type-1", "Refund", 2), rules: "values.category = 'draft';", publishedRules: RULES };

describe("the new-ticket form's rules", () => {
  it("show what they calculate (in its field) and refuse as the user types; the server still decides", async () => {
    const opened: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      TicketTypes: { data: { ticketTypes: [TYPE] } },
      OpenTicket: (variables) => {
        opened.push(variables);
        return { errors: [{ message: "amount: At most 500 at start", extensions: { code: "ticket.invalid_values", fields: [{ field: "amount", message: "At most 500 at start" }] } as { code: string } }] };
      },
    });
    renderInShell(<NewTicketModal open onClose={() => {}} onOpened={() => {}} initialTitle="Refund please" />, ["ticket.create"]);
    const amount = await screen.findByTestId("form-field-amount");
    fireEvent.change(amount, { target: { value: "600" } });
    const category = screen.getByTestId<HTMLInputElement>("form-field-category");
    await waitFor(() => expect(category.value).toBe("large"));
    expect(category.readOnly).toBe(true);
    expect(screen.getByTestId("ticket-field-calculated-category")).toBeTruthy();
    // Shown in its field: not listed again.
    expect(screen.queryByTestId("ticket-rules-computed")).toBeNull();
    expect(screen.getByTestId("ticket-rules-errors").textContent).toContain("Amount: At most 500 at start");

    // Not blocked by the browser's result: the server's refusal shows as before.
    fireEvent.click(screen.getByTestId("ticket-new-submit"));
    await waitFor(() => expect(opened).toHaveLength(1));
    // What the user gave: the calculated category is the server's to calculate.
    expect((opened[0]!.input as { values: unknown }).values).toEqual({ amount: "600" });
    expect((await screen.findByTestId("ticket-new-error")).textContent).toContain("Amount: At most 500 at start");

    fireEvent.change(amount, { target: { value: "50" } });
    await waitFor(() => expect(category.value).toBe("small"));
    expect(screen.queryByTestId("ticket-rules-errors")).toBeNull();

    fireEvent.change(amount, { target: { value: "boom" } });
    await waitFor(() => expect(screen.getByTestId("ticket-rules-failure").textContent).toContain("The form rules threw an error: TypeError"));
    expect(screen.queryByTestId("ticket-rules-computed")).toBeNull();
    // Nothing calculated: the field is the user's again.
    expect(screen.queryByTestId("ticket-field-calculated-category")).toBeNull();
    expect(category.readOnly).toBe(false);
  });

  it("show a total in its field as the inputs are typed, and list what the form has no field for", async () => {
    const opened: Record<string, unknown>[] = [];
    const form = {
      type: "default",
      components: [
        { type: "number", key: "price", label: "Price" },
        { type: "number", key: "quantity", label: "Quantity" },
        { type: "number", key: "total", label: "Total" },
      ],
    };
    const rules = `values.total = Number(values.price || 0) * Number(values.quantity || 0);
values.band = values.total > 100 ? "high" : "low";`;
    const type = { ...ticketType("type-1", "Order", 2), publishedForm: form, startFields: form.components.map((component) => ({ key: component.key, access: "EDITABLE" as const })), publishedRules: rules };
    fakeGraphqlServer({
      TicketTypes: { data: { ticketTypes: [type] } },
      OpenTicket: (variables) => {
        opened.push(variables);
        return { data: { openTicket: { commandId: "c", aggregateId: "ticket-1", duplicate: false } } };
      },
      Ticket: { data: { ticket: null } },
    });
    renderInShell(<NewTicketModal open onClose={() => {}} onOpened={() => {}} initialTitle="Order" />, ["ticket.create"]);
    fireEvent.change(await screen.findByTestId("form-field-price"), { target: { value: "12" } });
    fireEvent.change(screen.getByTestId("form-field-quantity"), { target: { value: "10" } });
    const total = screen.getByTestId<HTMLInputElement>("form-field-total");
    await waitFor(() => expect(total.value).toBe("120"));
    expect(total.readOnly).toBe(true);
    expect(screen.getByTestId("ticket-field-calculated-total")).toBeTruthy();
    // `band` has no field in this form: still listed; `total` is not.
    const listed = screen.getByTestId("ticket-rules-computed");
    expect(listed.textContent).toContain("bandhigh");
    expect(listed.textContent).not.toContain("Total");
    expect(listed.textContent).not.toContain("120");

    fireEvent.change(screen.getByTestId("form-field-quantity"), { target: { value: "5" } });
    await waitFor(() => expect(total.value).toBe("60"));
    await waitFor(() => expect(screen.getByTestId("ticket-rules-computed").textContent).toContain("bandlow"));

    fireEvent.click(screen.getByTestId("ticket-new-submit"));
    await waitFor(() => expect(opened).toHaveLength(1));
    expect((opened[0]!.input as { values: unknown }).values).toEqual({ price: "12", quantity: "5" });
  });

  it("leave a correction of what was typed to the user, listed under the form", async () => {
    const type = { ...ticketType("type-1", "Refund", 2), publishedRules: `values.phone = String(values.phone || "").toUpperCase();` };
    fakeGraphqlServer({ TicketTypes: { data: { ticketTypes: [type] } } });
    renderInShell(<NewTicketModal open onClose={() => {}} onOpened={() => {}} />, ["ticket.create"]);
    const phone = await screen.findByTestId<HTMLInputElement>("form-field-phone");
    fireEvent.change(phone, { target: { value: "ab-1" } });
    await waitFor(() => expect(screen.getByTestId("ticket-rules-computed").textContent).toContain("PhoneAB-1"));
    expect(phone.value).toBe("ab-1");
    expect(phone.readOnly).toBe(false);
    expect(screen.queryByTestId("ticket-field-calculated-phone")).toBeNull();
  });

  it("show nothing for a type without rules", async () => {
    fakeGraphqlServer({ TicketTypes: { data: { ticketTypes: [ticketType("type-1", "Refund", 2)] } } });
    renderInShell(<NewTicketModal open onClose={() => {}} onOpened={() => {}} />, ["ticket.create"]);
    fireEvent.change(await screen.findByTestId("form-field-amount"), { target: { value: "600" } });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(screen.queryByTestId("ticket-rules-computed")).toBeNull();
  });
});

describe("the new-ticket form's directory", () => {
  it("searches query options of the chosen type's published version, with nothing held yet", async () => {
    const options = [{ value: "c-1", label: "Ann Lee", details: ["138"] }];
    const server = fakeGraphqlServer({
      TicketTypes: { data: { ticketTypes: [ticketType("type-1", "Refund", 4)] } },
      TicketQueryOptions: { data: { ticketQueryOptions: options } },
    });
    renderInShell(<NewTicketModal open onClose={() => {}} onOpened={() => {}} />, ["ticket.create"]);
    await screen.findByTestId("form-field-amount");
    const directory = formDirectory.current!;
    expect(directory.queryLabels).toEqual([]);
    expect(directory.references).toEqual([]);
    expect(await directory.queryOptions!("customer", "ann")).toEqual(options);
    expect(server.requests.find((request) => request.operation === "TicketQueryOptions")!.variables).toEqual({ typeId: "type-1", version: 4, field: "customer", search: "ann" });
  });
});

describe("the new-ticket form as the user's roles allow", () => {
  it("shows read-only start fields disabled and sends only the editable ones", async () => {
    const opened: Record<string, unknown>[] = [];
    // The server left out the field hidden from the user's roles (`secret`).
    const form = { type: "default", components: [{ type: "textfield", key: "amount", label: "Amount" }, { type: "textfield", key: "phone", label: "Phone" }] };
    const type = { ...ticketType("type-1", "Refund", 2), publishedForm: form, startFields: [{ key: "amount", access: "EDITABLE" as const }, { key: "phone", access: "READ_ONLY" as const }] };
    fakeGraphqlServer({
      TicketTypes: { data: { ticketTypes: [type] } },
      OpenTicket: (variables) => {
        opened.push(variables);
        return { data: { openTicket: { commandId: "c", aggregateId: "ticket-1", duplicate: false } } };
      },
      Ticket: { data: { ticket: null } },
    });
    renderInShell(<NewTicketModal open onClose={() => {}} onOpened={() => {}} initialTitle="Refund please" />, ["ticket.create"]);
    const amount = await screen.findByTestId("form-field-amount");
    const phone = screen.getByTestId<HTMLInputElement>("form-field-phone");
    expect(amount.hasAttribute("disabled")).toBe(false);
    expect(phone.disabled).toBe(true);
    expect(screen.queryByTestId("form-field-secret")).toBeNull();

    fireEvent.change(amount, { target: { value: "80" } });
    // Whatever the viewer reports for a read-only field is not the user's to send.
    fireEvent.change(phone, { target: { value: "138" } });
    fireEvent.click(screen.getByTestId("ticket-new-submit"));
    await waitFor(() => expect(opened).toHaveLength(1));
    expect((opened[0]!.input as { values: unknown }).values).toEqual({ amount: "80" });
  });
});
