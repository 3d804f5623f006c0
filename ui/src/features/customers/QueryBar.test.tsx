import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { useState } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer } from "../../test/fakeServer";
import type { SavedCustomerQuery } from "./customers.graphql";
import { FIELDS } from "./testing/fixtures";
import { ALL_CUSTOMERS, type AppliedQuery, QueryBar } from "./QueryBar";
import { optionLabels, pick } from "./testing/select";
import { renderInShell } from "./testing/shell";

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

const VIP: SavedCustomerQuery = {
  id: "q-1",
  name: "VIP",
  shared: false,
  mine: true,
  conditions: [{ field: "balance", op: "GREATER_THAN", value: "1000.00", valueTo: null }],
  sortField: "balance",
  sortDescending: true,
};
const TEAM: SavedCustomerQuery = { id: "q-2", name: "Team list", shared: true, mine: false, conditions: [], sortField: null, sortDescending: false };

/** The bar with the page's part: what it applies is what the table shows next. */
function Harness({ onApply }: { onApply: (query: AppliedQuery) => void }) {
  const [applied, setApplied] = useState<AppliedQuery>(ALL_CUSTOMERS);
  return (
    <QueryBar
      fields={FIELDS}
      applied={applied}
      onApply={(query) => {
        onApply(query);
        setApplied(query);
      }}
    />
  );
}

function renderBar(onApply: (query: AppliedQuery) => void) {
  return renderInShell(<Harness onApply={onApply} />, ["menu.customers"]);
}

describe("the query builder", () => {
  it("offers only the operators a field's type takes", async () => {
    fakeGraphqlServer({ SavedCustomerQueries: { data: { savedCustomerQueries: [] } } });
    renderBar(() => {});
    fireEvent.click(await screen.findByTestId("query-condition-add"));
    const condition = screen.getByTestId("query-condition");

    await pick(within(condition).getByTestId("query-field"), "Birthday");
    expect(await optionLabels(within(condition).getByTestId("query-op"))).toEqual([
      "equals",
      "greater than",
      "less than",
      "between",
      "is empty",
      "is not empty",
    ]);

    await pick(within(condition).getByTestId("query-field"), "Member number");
    expect(await optionLabels(within(condition).getByTestId("query-op"))).toEqual(["equals", "contains", "starts with", "is empty", "is not empty"]);

    await pick(within(condition).getByTestId("query-field"), "Gender");
    expect(await optionLabels(within(condition).getByTestId("query-op"))).toEqual(["equals", "is empty", "is not empty"]);

    await pick(within(condition).getByTestId("query-field"), "ID card");
    expect(await optionLabels(within(condition).getByTestId("query-op"))).toEqual(["equals", "starts with", "is empty", "is not empty"]);
  });

  it("applies a condition, asks for a value first, and shows two values for between", async () => {
    fakeGraphqlServer({ SavedCustomerQueries: { data: { savedCustomerQueries: [] } } });
    const applied: AppliedQuery[] = [];
    renderBar((query) => applied.push(query));
    fireEvent.click(await screen.findByTestId("query-condition-add"));
    const condition = screen.getByTestId("query-condition");
    await pick(within(condition).getByTestId("query-field"), "Visits");
    fireEvent.click(screen.getByTestId("query-apply"));
    expect(await screen.findByText(/Complete or remove the marked conditions/)).toBeTruthy();
    expect(applied).toEqual([]);

    await pick(within(condition).getByTestId("query-op"), "between");
    fireEvent.change(within(condition).getByTestId("query-value"), { target: { value: "3" } });
    fireEvent.change(within(condition).getByTestId("query-value-to"), { target: { value: "10" } });
    fireEvent.click(screen.getByTestId("query-apply"));
    expect(applied).toEqual([{ ...ALL_CUSTOMERS, conditions: [{ field: "visits", op: "BETWEEN", value: "3", valueTo: "10" }] }]);
  });

  it("picks a saved query, saves your own under its name or a new one under another, and deletes only your own", async () => {
    const saves: Record<string, unknown>[] = [];
    const deletes: unknown[] = [];
    fakeGraphqlServer({
      SavedCustomerQueries: { data: { savedCustomerQueries: [VIP, TEAM] } },
      SaveCustomerQuery: (variables) => {
        const input = variables.input as Record<string, unknown>;
        saves.push(input);
        return { data: { saveCustomerQuery: { ...VIP, ...input, id: (input.id as string | undefined) ?? "q-3", mine: true } } };
      },
      DeleteCustomerQuery: (variables) => {
        deletes.push(variables.id);
        return { data: { deleteCustomerQuery: true } };
      },
    });
    const applied: AppliedQuery[] = [];
    renderBar((query) => applied.push(query));
    await waitFor(() => expect(screen.getByTestId("query-select").className).not.toContain("ant-select-loading"));
    await pick(screen.getByTestId("query-select"), "VIP");
    expect(applied.at(-1)).toEqual({ queryId: "q-1", conditions: VIP.conditions, sortField: "balance", sortDescending: true });
    expect((screen.getByTestId("query-value") as HTMLInputElement).value).toBe("1000.00");
    expect((screen.getByTestId("query-name") as HTMLInputElement).value).toBe("VIP");

    // Your own, under its own name: changed in place, shared now.
    fireEvent.change(screen.getByTestId("query-value"), { target: { value: "2000" } });
    fireEvent.click(screen.getByTestId("query-shared"));
    expect(screen.getByTestId("query-save").textContent).toBe("Save");
    fireEvent.click(screen.getByTestId("query-save"));
    await waitFor(() => expect(saves).toHaveLength(1));
    expect(saves[0]).toEqual({
      id: "q-1",
      name: "VIP",
      shared: true,
      conditions: [{ field: "balance", op: "GREATER_THAN", value: "2000", valueTo: null }],
      sortField: "balance",
      sortDescending: true,
    });

    // Another name: a new query.
    fireEvent.change(screen.getByTestId("query-name"), { target: { value: "Big VIP" } });
    expect(screen.getByTestId("query-save").textContent).toBe("Save as");
    fireEvent.click(screen.getByTestId("query-save"));
    await waitFor(() => expect(saves).toHaveLength(2));
    expect(saves[1]!.id).toBeUndefined();
    expect(saves[1]!.name).toBe("Big VIP");

    // A shared query of someone else's cannot be deleted; your own can.
    await pick(screen.getByTestId("query-select"), "Team list");
    expect(screen.queryByTestId("query-delete")).toBeNull();
    await pick(screen.getByTestId("query-select"), "VIP");
    fireEvent.click(screen.getByTestId("query-delete"));
    fireEvent.click(await screen.findByTestId("query-delete-confirm"));
    await waitFor(() => expect(deletes).toEqual(["q-1"]));
  });
});
