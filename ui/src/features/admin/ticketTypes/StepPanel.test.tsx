import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer } from "../../../test/fakeServer";
import { renderInShell } from "../../customers/testing/shell";
import { optionLabels, pick } from "../../customers/testing/select";
import { type Selected, StepPanel, type StepPatch } from "./StepPanel";

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

const FIELDS = [
  { key: "amount", label: "Amount" },
  { key: "category", label: "Category" },
];

const userTask: Selected = { kind: "userTask", id: "Task_1", name: "Review", assignee: "starter", fields: "amount=editable", due: "PT4H30M", remind: "", escalate: "" };

/** The input of an InputNumber found by its test id. */
function numberInput(testId: string): HTMLInputElement {
  const holder = screen.getByTestId(testId) as HTMLInputElement;
  return holder.tagName === "INPUT" ? holder : holder.querySelector("input")!;
}

function serve() {
  fakeGraphqlServer({
    RoleNames: { data: { roles: [{ id: "r-1", key: null, name: "Refund desk", builtIn: false }] } },
    OrgUnits: { data: { orgUnits: [{ id: "u-1", parentId: null, name: "Centre", kind: "CENTRE", dimension: "REPORTING", depth: 0, path: ["u-1"] }] } },
    TicketUserNames: { data: { users: [{ id: "p-1", username: "bob", displayName: "Bob Chen" }] } },
  });
}

describe("the step panel", () => {
  it("sets a user task's assignee from roles, units, users and form fields", async () => {
    serve();
    const patches: StepPatch[] = [];
    renderInShell(<StepPanel selected={userTask} formFields={FIELDS} onChange={(patch) => patches.push(patch)} />, []);
    const assignee = await screen.findByTestId("ticket-step-assignee");
    await waitFor(async () => expect(await optionLabels(assignee)).toContain("Bob Chen (bob)"));
    expect(await optionLabels(assignee)).toEqual(["The one who opened the ticket", "Refund desk", "Centre", "Bob Chen (bob)", "Amount (amount)", "Category (category)"]);
    await pick(assignee, "Refund desk");
    expect(patches.at(-1)).toEqual({ assignee: "role:r-1" });
  });

  it("sets each field's access and the due time as attributes", async () => {
    serve();
    const patches: StepPatch[] = [];
    renderInShell(<StepPanel selected={userTask} formFields={FIELDS} onChange={(patch) => patches.push(patch)} />, []);
    const category = await screen.findByTestId("ticket-step-field-access-category");
    expect(category.textContent).toContain("Read-only");
    expect(screen.getByTestId("ticket-step-field-access-amount").textContent).toContain("Editable");
    await pick(category, "Required");
    expect(patches.at(-1)).toEqual({ fields: "amount=editable,category=required" });

    const hoursInput = numberInput("ticket-step-due-hours");
    expect(hoursInput.value).toBe("4");
    fireEvent.change(hoursInput, { target: { value: "2" } });
    await waitFor(() => expect(patches.at(-1)).toEqual({ due: "PT2H30M" }));

    const name = screen.getByTestId("ticket-step-name") as HTMLInputElement;
    fireEvent.change(name, { target: { value: "Check" } });
    fireEvent.blur(name);
    expect(patches.at(-1)).toEqual({ name: "Check" });
  });

  it("sets the reminder before the due time and whom an overdue step is escalated to", async () => {
    serve();
    const patches: StepPatch[] = [];
    const view = renderInShell(<StepPanel selected={{ ...userTask, due: "PT4H", remind: "PT1H", escalate: "user:gone" }} formFields={FIELDS} onChange={(patch) => patches.push(patch)} />, []);
    expect(numberInput("ticket-step-remind-hours").value).toBe("1");
    fireEvent.change(numberInput("ticket-step-remind-minutes"), { target: { value: "30" } });
    await waitFor(() => expect(patches.at(-1)).toEqual({ remind: "PT1H30M" }));

    // Roles, units and users only; an id the lists do not have shows as it is.
    const escalate = screen.getByTestId("ticket-step-escalate");
    await waitFor(async () => expect(await optionLabels(escalate)).toContain("Bob Chen (bob)"));
    expect(await optionLabels(escalate)).toEqual(["user:gone", "Refund desk", "Centre", "Bob Chen (bob)"]);
    await pick(escalate, "Centre");
    expect(patches.at(-1)).toEqual({ escalate: "unit:u-1" });
    fireEvent.click(escalate.querySelector(".ant-select-clear")!);
    await waitFor(() => expect(patches.at(-1)).toEqual({ escalate: "" }));

    // Clearing the due time clears the reminder, which counts back from it.
    fireEvent.change(numberInput("ticket-step-due-hours"), { target: { value: "0" } });
    await waitFor(() => expect(patches.at(-1)).toEqual({ due: "", remind: "" }));
    view.unmount();

    renderInShell(<StepPanel selected={{ ...userTask, due: "" }} formFields={FIELDS} onChange={(patch) => patches.push(patch)} />, []);
    expect(numberInput("ticket-step-remind-hours").disabled).toBe(true);
    expect(numberInput("ticket-step-remind-minutes").disabled).toBe(true);
    expect(screen.getByText("Set a due time first: the reminder counts back from it.")).toBeTruthy();
  });

  it("sets a condition and the default of a flow out of an exclusive gateway, and a service task's URL", async () => {
    const patches: StepPatch[] = [];
    const flow: Selected = { kind: "flow", id: "Flow_1", name: "", condition: "", isDefault: false, fromExclusive: true };
    const view = renderInShell(<StepPanel selected={flow} formFields={FIELDS} onChange={(patch) => patches.push(patch)} />, []);
    const condition = screen.getByTestId("ticket-flow-condition");
    fireEvent.change(condition, { target: { value: '${amount > 1000 && category == "refund"}' } });
    fireEvent.blur(condition);
    expect(patches.at(-1)).toEqual({ condition: '${amount > 1000 && category == "refund"}' });
    fireEvent.click(screen.getByTestId("ticket-flow-default"));
    expect(patches.at(-1)).toEqual({ isDefault: true });
    view.unmount();

    renderInShell(<StepPanel selected={{ kind: "serviceTask", id: "S", name: "Notify", url: "" }} formFields={FIELDS} onChange={(patch) => patches.push(patch)} />, []);
    const url = screen.getByTestId("ticket-step-url");
    fireEvent.change(url, { target: { value: "https://erp.example/hook" } });
    fireEvent.keyDown(url, { key: "Enter", code: "Enter", keyCode: 13 });
    expect(patches.at(-1)).toEqual({ url: "https://erp.example/hook" });
  });
});
