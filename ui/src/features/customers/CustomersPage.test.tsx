import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer, graphqlError } from "../../test/fakeServer";
import type { Contact, CustomersData, ImportReport } from "./customers.graphql";
import { CustomersPage } from "./CustomersPage";
import { customer, FIELDS } from "./testing/fixtures";
import { requestOpenCustomer } from "./openCustomer";
import { IMPORT_PATH } from "./rest";
import { renderInShell } from "./testing/shell";

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

const PAGE: CustomersData = {
  customers: {
    total: 2,
    items: [
      customer("c-1", { name: "Ann Lee", gender: "female", phone: "13800138000", member_no: "M-1", balance: "12.50", old_code: "X1" }),
      customer("c-2", {}, { forgotten: true }),
    ],
  },
};

const CONTACTS: Contact[] = [
  { kind: "conversation", id: "k-1", channel: "CHAT", at: "2026-11-25T10:00:00Z", agentName: "Bob Stone", summary: "Asked about a parcel", disposition: "resolved" },
];

function answers(extra: Record<string, unknown> = {}) {
  return {
    CustomerFields: { data: { customerFields: FIELDS } },
    SavedCustomerQueries: { data: { savedCustomerQueries: [] } },
    Customers: { data: PAGE },
    Customer: { data: { customer: PAGE.customers.items[0], customerContacts: CONTACTS } },
    ...extra,
  } as Parameters<typeof fakeGraphqlServer>[0];
}

const ALL = ["menu.customers", "customer.edit", "customer.forget", "customer.import", "customers.export"];

describe("the customers page", () => {
  it("shows the enabled fields as columns in order, a forgotten customer greyed without values, and sorts on the server", async () => {
    const server = fakeGraphqlServer(answers());
    renderInShell(<CustomersPage />, ALL);
    const table = await screen.findByTestId("customers-table");
    await waitFor(() => expect(within(table).getAllByTestId("customer-row")).toHaveLength(2));
    const headers = [...table.querySelectorAll("thead th")].map((cell) => cell.textContent);
    expect(headers).toEqual(["Name", "Gender", "Phone", "Member number", "Birthday", "Balance", "Visits", "Call back at", "ID card", "Actions"]);

    const [ann, forgotten] = within(table).getAllByTestId("customer-row");
    expect(ann!.getAttribute("data-customer-id")).toBe("c-1");
    expect(ann!.getAttribute("data-forgotten")).toBe("false");
    expect(within(ann!).getByText("Female")).toBeTruthy();
    expect(within(ann!).getByText("12.50")).toBeTruthy();
    expect(forgotten!.getAttribute("data-forgotten")).toBe("true");
    expect(within(forgotten!).getByText("Forgotten")).toBeTruthy();
    expect(within(forgotten!).queryByTestId("customer-edit")).toBeNull();
    expect(within(forgotten!).queryByTestId("customer-forget")).toBeNull();

    const balance = () => [...table.querySelectorAll<HTMLElement>("thead th")].find((cell) => cell.textContent === "Balance")!;
    fireEvent.click(balance());
    await waitFor(() =>
      expect(server.requests.filter((request) => request.operation === "Customers").at(-1)!.variables).toMatchObject({
        sortField: "balance",
        sortDescending: false,
        first: 20,
        offset: 0,
      }),
    );
    fireEvent.click(balance());
    await waitFor(() =>
      expect(server.requests.filter((request) => request.operation === "Customers").at(-1)!.variables).toMatchObject({
        sortField: "balance",
        sortDescending: true,
      }),
    );
  });

  it("forgets a customer only after a confirmation that says it cannot be undone", async () => {
    const forgotten: unknown[] = [];
    fakeGraphqlServer(
      answers({
        ForgetCustomer: (variables: Record<string, unknown>) => {
          forgotten.push(variables.id);
          return { data: { forgetCustomer: { id: variables.id, forgotten: true } } };
        },
      }),
    );
    renderInShell(<CustomersPage />, ALL);
    const row = (await screen.findAllByTestId("customer-row")).find((candidate) => candidate.getAttribute("data-customer-id") === "c-1")!;
    fireEvent.click(within(row).getByTestId("customer-forget"));
    expect(await screen.findByText(/This cannot be undone/)).toBeTruthy();
    expect(forgotten).toEqual([]);
    fireEvent.click(screen.getByTestId("customer-forget-confirm"));
    await waitFor(() => expect(forgotten).toEqual(["c-1"]));
  });

  it("imports a workbook and lists the rows it refused", async () => {
    const graphql = fakeGraphqlServer(answers());
    const report: ImportReport = {
      imported: 8,
      failed: 2,
      duplicates: 1,
      errors: [
        { row: 3, field: "phone", message: "a phone number of 5 to 20 digits" },
        { row: 7, field: "id_card", message: "the ID-card number's check digit is wrong" },
      ],
    };
    const uploads: RequestInit[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      if (url !== IMPORT_PATH) return graphql.fetchMock(url, init);
      uploads.push(init);
      return new Response(JSON.stringify(report), { status: 200, headers: { "content-type": "application/json" } });
    });
    renderInShell(<CustomersPage />, ALL);
    const input = (await screen.findByTestId("customer-import")) as HTMLInputElement;
    const file = new File(["PK"], "customers.xlsx", { type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
    fireEvent.change(input, { target: { files: [file] } });

    const shown = await screen.findByTestId("customer-import-report");
    expect(within(shown).getByTestId("customer-import-imported").textContent).toContain("8");
    expect(within(shown).getByTestId("customer-import-failed").textContent).toContain("2");
    expect(within(shown).getByTestId("customer-import-duplicates").textContent).toContain("1");
    const rows = within(shown).getAllByTestId("customer-import-error");
    expect(rows.map((row) => row.getAttribute("data-row"))).toEqual(["3", "7"]);
    // The field by its label, the server's words beside it.
    expect(within(rows[0]!).getByText("Phone")).toBeTruthy();
    expect(within(rows[1]!).getByText("ID card")).toBeTruthy();
    expect(within(rows[1]!).getByText("the ID-card number's check digit is wrong")).toBeTruthy();
    expect(uploads[0]!.method).toBe("POST");
    expect(uploads[0]!.body).toBe(file);
    expect((uploads[0]!.headers as Record<string, string>)["content-type"]).toBe(
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    );
  });

  it("shows an import the server cannot read in the user's language", async () => {
    const graphql = fakeGraphqlServer(answers());
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      if (url !== IMPORT_PATH) return graphql.fetchMock(url, init);
      return new Response(JSON.stringify({ code: "customer.import_unreadable", detail: "not a spreadsheet", status: 415 }), {
        status: 415,
        headers: { "content-type": "application/problem+json" },
      });
    });
    renderInShell(<CustomersPage />, ALL);
    fireEvent.change(await screen.findByTestId("customer-import"), { target: { files: [new File(["x"], "notes.xlsx")] } });
    expect(await screen.findByText("This file is not an Excel workbook (.xlsx).")).toBeTruthy();
  });

  it("offers import, export, new, edit and forget only with their permissions", async () => {
    fakeGraphqlServer(answers());
    renderInShell(<CustomersPage />, ["menu.customers"]);
    await waitFor(() => expect(screen.getAllByTestId("customer-row")).toHaveLength(2));
    expect(screen.getByTestId("customer-template")).toBeTruthy();
    for (const testId of ["customer-import", "customer-export", "customer-new", "customer-edit", "customer-forget"]) {
      expect(screen.queryByTestId(testId), testId).toBeNull();
    }
  });

  it("opens a customer with their contacts when the screen pop asks for it", async () => {
    fakeGraphqlServer(answers());
    requestOpenCustomer("c-1");
    renderInShell(<CustomersPage />, ALL);
    const drawer = await screen.findByTestId("customer-profile");
    expect(within(drawer).getByText("Ann Lee")).toBeTruthy();
    // A disabled field's value is kept but not shown.
    expect(within(drawer).queryByText("X1")).toBeNull();
    const contact = await screen.findByTestId("customer-contact");
    expect(within(contact).getByText("Web chat")).toBeTruthy();
    expect(within(contact).getByText("Bob Stone")).toBeTruthy();
    expect(within(contact).getByText("Asked about a parcel")).toBeTruthy();
  });

  it("shows a query the server refuses", async () => {
    fakeGraphqlServer(answers({ Customers: graphqlError("customer.invalid_query") }));
    renderInShell(<CustomersPage />, ALL);
    expect(await screen.findByText(/The query is not valid/)).toBeTruthy();
  });
});
