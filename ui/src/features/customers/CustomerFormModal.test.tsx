import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer, type Answer } from "../../test/fakeServer";
import { CustomerFormModal } from "./CustomerFormModal";
import { customer, FIELDS } from "./testing/fixtures";
import { renderInShell } from "./testing/shell";

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

function invalidValues(fields: { field: string; message: string }[]): Answer {
  return {
    errors: [
      {
        message: fields.map((entry) => `${entry.field}: ${entry.message}`).join("; "),
        extensions: { code: "customer.invalid_values", fields } as { code: string },
      },
    ],
  };
}

describe("the customer form", () => {
  it("is generated from the enabled fields, in order, with an input for each type and the required marks", async () => {
    fakeGraphqlServer({});
    renderInShell(<CustomerFormModal open fields={FIELDS} customer={null} onClose={() => {}} onSaved={() => {}} />, ["customer.edit"]);
    const form = await screen.findByTestId("customer-form");
    const keys = [...form.querySelectorAll("[data-testid^=customer-field-]")].map((element) => element.getAttribute("data-testid"));
    expect(keys).toEqual([
      "customer-field-name",
      "customer-field-gender",
      "customer-field-phone",
      "customer-field-member_no",
      "customer-field-birthday",
      "customer-field-balance",
      "customer-field-visits",
      "customer-field-callback_at",
      "customer-field-id_card",
    ]);
    // A disabled field is not offered.
    expect(within(form).queryByTestId("customer-field-old_code")).toBeNull();
    // Text with its length, a phone as a phone.
    expect(within(form).getByTestId("customer-field-member_no").getAttribute("maxlength")).toBe("12");
    expect(within(form).getByTestId("customer-field-phone").getAttribute("type")).toBe("tel");
    // Required fields are marked.
    const required = [...form.querySelectorAll(".ant-form-item-required")].map((label) => label.textContent);
    expect(required).toEqual(["Name", "Member number"]);
  });

  it("checks for duplicates first, then shows the server's refusal of a field under that field", async () => {
    const created: Record<string, unknown>[] = [];
    const server = fakeGraphqlServer({
      CustomerDuplicates: { data: { customerDuplicates: [] } },
      CreateCustomer: (variables) => {
        created.push(variables);
        return invalidValues([{ field: "member_no", message: "member number already used" }]);
      },
    });
    renderInShell(<CustomerFormModal open fields={FIELDS} customer={null} initialValues={{ name: "Vera Visitor", phone: "+86 138 0013 8000" }} onClose={() => {}} onSaved={() => {}} />, [
      "customer.edit",
    ]);
    const form = await screen.findByTestId("customer-form");
    await waitFor(() => expect((within(form).getByTestId("customer-field-name") as HTMLInputElement).value).toBe("Vera Visitor"));
    fireEvent.change(within(form).getByTestId("customer-field-member_no"), { target: { value: "M-001" } });
    fireEvent.click(screen.getByTestId("customer-save"));

    const problem = await within(form).findByText("member number already used");
    // Under its own field, not elsewhere.
    expect(problem.closest(".ant-form-item")!.querySelector("[data-testid=customer-field-member_no]")).toBeTruthy();
    const duplicates = server.requests.find((request) => request.operation === "CustomerDuplicates")!;
    expect(duplicates.variables.values).toEqual([
      { key: "name", value: "Vera Visitor" },
      { key: "phone", value: "+86 138 0013 8000" },
      { key: "member_no", value: "M-001" },
    ]);
    expect(created[0]!.values).toEqual(duplicates.variables.values);
  });

  it("warns of customers with the same phone, with links, and creates only on a second press", async () => {
    const opened: string[] = [];
    const server = fakeGraphqlServer({
      CustomerDuplicates: { data: { customerDuplicates: [customer("c-9", { name: "Vera Old", phone: "13800138000" })] } },
      CreateCustomer: { data: { createCustomer: customer("c-10", { name: "Vera", member_no: "M-1" }) } },
    });
    const saved = vi.fn();
    renderInShell(
      <CustomerFormModal open fields={FIELDS} customer={null} initialValues={{ name: "Vera", phone: "13800138000" }} onClose={() => {}} onSaved={saved} onOpenCustomer={(id) => opened.push(id)} />,
      ["customer.edit"],
    );
    const form = await screen.findByTestId("customer-form");
    await waitFor(() => expect((within(form).getByTestId("customer-field-name") as HTMLInputElement).value).toBe("Vera"));
    fireEvent.change(within(form).getByTestId("customer-field-member_no"), { target: { value: "M-1" } });
    fireEvent.click(screen.getByTestId("customer-save"));
    const warning = await within(form).findByTestId("customer-duplicates");
    expect(server.requests.some((request) => request.operation === "CreateCustomer")).toBe(false);
    fireEvent.click(within(warning).getByTestId("customer-duplicate"));
    expect(opened).toEqual(["c-9"]);

    expect(screen.getByTestId("customer-save").textContent).toContain("Create anyway");
    fireEvent.click(screen.getByTestId("customer-save"));
    await waitFor(() => expect(saved).toHaveBeenCalled());
    expect(server.requests.filter((request) => request.operation === "CustomerDuplicates")).toHaveLength(1);
  });

  it("keeps the values of disabled fields when it saves changes", async () => {
    const updates: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      UpdateCustomer: (variables) => {
        updates.push(variables);
        return { data: { updateCustomer: customer("c-1", { name: "Ann Lee" }) } };
      },
    });
    const existing = customer("c-1", { name: "Ann", member_no: "M-7", old_code: "X1", callback_at: "09:30:00" });
    renderInShell(<CustomerFormModal open fields={FIELDS} customer={existing} onClose={() => {}} onSaved={() => {}} />, ["customer.edit"]);
    const form = await screen.findByTestId("customer-form");
    const name = within(form).getByTestId("customer-field-name") as HTMLInputElement;
    await waitFor(() => expect(name.value).toBe("Ann"));
    fireEvent.change(name, { target: { value: "Ann Lee" } });
    fireEvent.click(screen.getByTestId("customer-save"));
    await waitFor(() => expect(updates).toHaveLength(1));
    expect(updates[0]).toMatchObject({
      id: "c-1",
      values: [
        { key: "old_code", value: "X1" },
        { key: "name", value: "Ann Lee" },
        { key: "member_no", value: "M-7" },
        // An untouched value goes back as it came.
        { key: "callback_at", value: "09:30:00" },
      ],
    });
  });
});
