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

const userTask: Selected = { kind: "userTask", id: "Task_1", name: "Review", assignee: "starter", fields: "amount=editable", due: "PT4H30M", remind: "", escalate: "", linkLifetime: "" };

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

  it("hands a step to an outside collaborator: the address in a form field or a fixed one, never for escalation", async () => {
    // No roles, units or users: every option fits in the (virtual) dropdown.
    fakeGraphqlServer({ RoleNames: { data: { roles: [] } }, OrgUnits: { data: { orgUnits: [] } }, TicketUserNames: { data: { users: [] } } });
    const patches: StepPatch[] = [];
    const mailField = [{ key: "supplierMail", label: "Supplier mail" }];
    const view = renderInShell(<StepPanel selected={userTask} formFields={mailField} onChange={(patch) => patches.push(patch)} />, []);
    const assignee = await screen.findByTestId("ticket-step-assignee");
    expect(await optionLabels(assignee)).toEqual(["The one who opened the ticket", "Supplier mail (supplierMail)", "An e-mail address…", "Address in Supplier mail (supplierMail)"]);
    expect(screen.queryByText(/expires after 7 days/)).toBeNull();
    await pick(assignee, "Address in Supplier mail (supplierMail)");
    expect(patches.at(-1)).toEqual({ assignee: "external-field:supplierMail" });

    // "An e-mail address…" writes nothing until an address is entered.
    const before = patches.length;
    await pick(assignee, "An e-mail address…");
    const address = await screen.findByTestId("ticket-step-external-address");
    expect(patches).toHaveLength(before);
    expect(screen.getByText("Enter the e-mail address the link goes to")).toBeTruthy();
    expect(screen.getByText(/expires after 7 days unless the step says otherwise, and can be sent again from the ticket/)).toBeTruthy();
    fireEvent.change(address, { target: { value: "  supplier@example.com " } });
    fireEvent.blur(address);
    expect(patches.at(-1)).toEqual({ assignee: "external:supplier@example.com" });
    view.unmount();

    // A step that has one shows it; another choice replaces it.
    serve();
    renderInShell(<StepPanel selected={{ ...userTask, assignee: "external:supplier@example.com" }} formFields={FIELDS} onChange={(patch) => patches.push(patch)} />, []);
    expect(((await screen.findByTestId("ticket-step-external-address")) as HTMLInputElement).value).toBe("supplier@example.com");
    expect(screen.getByTestId("ticket-step-assignee").textContent).toContain("An e-mail address…");
    expect(screen.getByText(/expires after 7 days/)).toBeTruthy();
    const changed = screen.getByTestId("ticket-step-external-address");
    fireEvent.change(changed, { target: { value: "other@example.com" } });
    fireEvent.keyDown(changed, { key: "Enter", code: "Enter", keyCode: 13 });
    expect(patches.at(-1)).toEqual({ assignee: "external:other@example.com" });

    // Escalation: roles, units and users only.
    const escalate = screen.getByTestId("ticket-step-escalate");
    await waitFor(async () => expect(await optionLabels(escalate)).toContain("Bob Chen (bob)"));
    const labels = await optionLabels(escalate);
    expect(labels.some((label) => label.startsWith("Address in") || label === "An e-mail address…")).toBe(false);
  });

  it("sets how long an outside collaborator's link stays valid, only for an outside collaborator", async () => {
    serve();
    const patches: StepPatch[] = [];
    // A step done inside the organisation has no such setting.
    const inside = renderInShell(<StepPanel selected={userTask} formFields={FIELDS} onChange={(patch) => patches.push(patch)} />, []);
    await screen.findByTestId("ticket-step-assignee");
    expect(screen.queryByTestId("ticket-step-link-days")).toBeNull();
    expect(screen.queryByText("Link valid for")).toBeNull();
    inside.unmount();

    // A fixed address: empty is the default, days and hours write an ISO-8601 duration.
    const external: Selected = { ...userTask, assignee: "external:supplier@example.com" };
    const show = (selected: Selected) => renderInShell(<StepPanel selected={selected} formFields={FIELDS} onChange={(patch) => patches.push(patch)} />, []);
    let view = show(external);
    expect(await screen.findByText("Link valid for")).toBeTruthy();
    expect(screen.getByText("Default 7 days. Sending a new link revokes the earlier one.")).toBeTruthy();
    expect(numberInput("ticket-step-link-days").value).toBe("");
    expect(numberInput("ticket-step-link-hours").value).toBe("");
    fireEvent.change(numberInput("ticket-step-link-days"), { target: { value: "3" } });
    await waitFor(() => expect(patches.at(-1)).toEqual({ linkLifetime: "P3D" }));
    view.unmount();
    view = show({ ...external, linkLifetime: "P3D" });
    fireEvent.change(numberInput("ticket-step-link-hours"), { target: { value: "6" } });
    await waitFor(() => expect(patches.at(-1)).toEqual({ linkLifetime: "P3DT6H" }));
    view.unmount();
    view = show({ ...external, linkLifetime: "PT12H" });
    expect(numberInput("ticket-step-link-days").value).toBe("0");
    expect(numberInput("ticket-step-link-hours").value).toBe("12");
    // Clearing both clears the attribute.
    fireEvent.change(numberInput("ticket-step-link-hours"), { target: { value: "" } });
    await waitFor(() => expect(patches.at(-1)).toEqual({ linkLifetime: "" }));
    expect(screen.queryByText("A link stays valid from 1 hour to 90 days.")).toBeNull();

    // More than 90 days, or less than an hour (a hand-written attribute), is refused by the server: said inline.
    view.unmount();
    view = show({ ...external, linkLifetime: "P90D" });
    expect(screen.queryByText("A link stays valid from 1 hour to 90 days.")).toBeNull();
    fireEvent.change(numberInput("ticket-step-link-hours"), { target: { value: "5" } });
    await waitFor(() => expect(patches.at(-1)).toEqual({ linkLifetime: "P90DT5H" }));
    view.unmount();
    view = show({ ...external, linkLifetime: "P90DT5H" });
    expect(await screen.findByText("A link stays valid from 1 hour to 90 days.")).toBeTruthy();
    view.unmount();
    view = show({ ...external, linkLifetime: "PT30M" });
    expect(await screen.findByText("A link stays valid from 1 hour to 90 days.")).toBeTruthy();
    view.unmount();
    view = show({ ...external, linkLifetime: "soon" });
    expect(await screen.findByText("Cannot read the link lifetime soon")).toBeTruthy();

  });

  it("drops the link's lifetime when no outside collaborator does the step any more", async () => {
    serve();
    const patches: StepPatch[] = [];
    const external: Selected = { ...userTask, assignee: "external:supplier@example.com" };
    // Handing the step to a role clears it; another outside collaborator keeps it.
    const view = renderInShell(<StepPanel selected={{ ...external, linkLifetime: "P2DT6H" }} formFields={FIELDS} onChange={(patch) => patches.push(patch)} />, []);
    const assignee = screen.getByTestId("ticket-step-assignee");
    await waitFor(async () => expect(await optionLabels(assignee)).toContain("Refund desk"));
    await pick(assignee, "Refund desk");
    expect(patches.at(-1)).toEqual({ assignee: "role:r-1", linkLifetime: "" });
    view.unmount();

    // No roles, units or users: every option fits in the (virtual) dropdown.
    fakeGraphqlServer({ RoleNames: { data: { roles: [] } }, OrgUnits: { data: { orgUnits: [] } }, TicketUserNames: { data: { users: [] } } });
    const mailField = [{ key: "supplierMail", label: "Supplier mail" }];
    const fieldView = renderInShell(<StepPanel selected={{ ...external, linkLifetime: "P2DT6H" }} formFields={mailField} onChange={(patch) => patches.push(patch)} />, []);
    expect(numberInput("ticket-step-link-days").value).toBe("2");
    expect(numberInput("ticket-step-link-hours").value).toBe("6");
    await pick(screen.getByTestId("ticket-step-assignee"), "Address in Supplier mail (supplierMail)");
    expect(patches.at(-1)).toEqual({ assignee: "external-field:supplierMail" });
    fieldView.unmount();

    // A hand-written lifetime on a step no outside collaborator does: said, and removable.
    renderInShell(<StepPanel selected={{ ...userTask, linkLifetime: "P3D" }} formFields={FIELDS} onChange={(patch) => patches.push(patch)} />, []);
    expect((await screen.findByTestId("ticket-step-link-not-external")).textContent).toContain("only an outside collaborator gets a link");
    expect(screen.queryByTestId("ticket-step-link-days")).toBeNull();
    fireEvent.click(screen.getByTestId("ticket-step-link-remove"));
    expect(patches.at(-1)).toEqual({ linkLifetime: "" });
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
