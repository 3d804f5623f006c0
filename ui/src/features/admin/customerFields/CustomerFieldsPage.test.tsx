import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer, graphqlError } from "../../../test/fakeServer";
import { FIELDS } from "../../customers/testing/fixtures";
import { pick } from "../../customers/testing/select";
import { renderInShell } from "../../customers/testing/shell";
import { CustomerFieldsPage } from "./CustomerFieldsPage";

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

const ANSWERS = { CustomerFieldDefinitions: { data: { customerFields: FIELDS } } };

async function ownRows() {
  const table = await screen.findByTestId("fields-table");
  await waitFor(() => expect(within(table).getAllByTestId("field-row").length).toBeGreaterThan(0));
  return within(table).getAllByTestId("field-row");
}

describe("the customer fields page", () => {
  it("lists the built-in fields read only and refuses to edit the key or type of a saved field", async () => {
    fakeGraphqlServer(ANSWERS);
    renderInShell(<CustomerFieldsPage />, ["menu.admin.customer_fields", "customer.fields.edit"]);
    const rows = await ownRows();
    expect(rows.map((row) => row.getAttribute("data-field-key"))).toEqual(["member_no", "birthday", "balance", "visits", "callback_at", "id_card", "old_code"]);
    const builtIn = screen.getByTestId("built-in-fields-table");
    expect(within(builtIn).getByText("name")).toBeTruthy();
    expect(builtIn.querySelector("input")).toBeNull();

    const key = within(rows[0]!).getByTestId("field-key") as HTMLInputElement;
    expect(key.value).toBe("member_no");
    expect(key.disabled).toBe(true);
    fireEvent.change(key, { target: { value: "member_number" } });
    expect(key.value).toBe("member_no");
    expect(within(rows[0]!).getByTestId("field-type").className).toContain("ant-select-disabled");
    // The label of a saved field may change.
    expect((within(rows[0]!).getByTestId("field-label") as HTMLInputElement).disabled).toBe(false);

    fireEvent.click(screen.getByTestId("field-add"));
    const added = (await ownRows()).at(-1)!;
    expect(added.getAttribute("data-saved")).toBe("false");
    const newKey = within(added).getByTestId("field-key") as HTMLInputElement;
    expect(newKey.disabled).toBe(false);
    fireEvent.change(newKey, { target: { value: "vip_level" } });
    expect(newKey.value).toBe("vip_level");
  });

  it("sends the whole list in the order shown, and checks new keys first", async () => {
    const sent: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      ...ANSWERS,
      DefineCustomerFields: (variables) => {
        sent.push(variables);
        return { data: { defineCustomerFields: FIELDS } };
      },
    });
    renderInShell(<CustomerFieldsPage />, ["menu.admin.customer_fields", "customer.fields.edit"]);
    let rows = await ownRows();
    fireEvent.click(within(rows[1]!).getByTestId("field-up"));
    fireEvent.click(screen.getByTestId("field-add"));
    rows = await ownRows();
    const added = rows.at(-1)!;
    fireEvent.change(within(added).getByTestId("field-key"), { target: { value: "Name" } });
    fireEvent.change(within(added).getByTestId("field-label"), { target: { value: "VIP since" } });
    await pick(within(added).getByTestId("field-type"), "Date");
    fireEvent.click(screen.getByTestId("fields-save"));
    expect(await within(added).findByText(/A lowercase letter, then lowercase letters/)).toBeTruthy();
    expect(sent).toEqual([]);

    fireEvent.change(within(added).getByTestId("field-key"), { target: { value: "vip_since" } });
    fireEvent.click(screen.getByTestId("fields-save"));
    await waitFor(() => expect(sent).toHaveLength(1));
    const fields = sent[0]!.fields as { key: string; sortOrder: number; fieldType: string; maxLength: number | null }[];
    expect(fields.map((field) => field.key)).toEqual(["birthday", "member_no", "balance", "visits", "callback_at", "id_card", "old_code", "vip_since"]);
    expect(fields.map((field) => field.sortOrder)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(fields.at(-1)).toEqual({ key: "vip_since", label: "VIP since", fieldType: "DATE", required: false, maxLength: null, enabled: true, sortOrder: 7 });
    // The disabled field is still sent: a field is disabled, never deleted.
    expect(fields.find((field) => field.key === "old_code")).toMatchObject({ enabled: false });
  });

  it("shows the server's refusals clearly", async () => {
    let answer = graphqlError("customer_fields.type_changed", "field visits was Number; stored values keep that meaning, so use a new key");
    fakeGraphqlServer({ ...ANSWERS, DefineCustomerFields: () => answer });
    renderInShell(<CustomerFieldsPage />, ["menu.admin.customer_fields", "customer.fields.edit"]);
    const rows = await ownRows();
    fireEvent.change(within(rows[0]!).getByTestId("field-label"), { target: { value: "Member no." } });
    fireEvent.click(screen.getByTestId("fields-save"));
    const error = await screen.findByTestId("fields-error");
    expect(within(error).getByText(/A saved field keeps its type/)).toBeTruthy();
    expect(within(error).getByText(/field visits was Number/)).toBeTruthy();
    const visits = rows.find((row) => row.getAttribute("data-field-key") === "visits")!;
    expect(within(visits).getByText(/A saved field keeps its type/)).toBeTruthy();

    answer = graphqlError("customer_fields.invalid", "field member_no: a label is 1 to 60 characters");
    fireEvent.change(within(rows[0]!).getByTestId("field-label"), { target: { value: "Member number" } });
    fireEvent.click(screen.getByTestId("fields-save"));
    expect(await within(await screen.findByTestId("fields-error")).findByText(/The field list is not valid/)).toBeTruthy();
  });

  it("is read only without customer.fields.edit", async () => {
    fakeGraphqlServer(ANSWERS);
    renderInShell(<CustomerFieldsPage />, ["menu.admin.customer_fields"]);
    const rows = await ownRows();
    expect((within(rows[0]!).getByTestId("field-label") as HTMLInputElement).disabled).toBe(true);
    expect(screen.queryByTestId("field-add")).toBeNull();
    expect(screen.queryByTestId("fields-save")).toBeNull();
  });
});
