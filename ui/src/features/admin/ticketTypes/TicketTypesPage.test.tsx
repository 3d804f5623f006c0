import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer } from "../../../test/fakeServer";
import { renderInShell } from "../../customers/testing/shell";
import { exportTemplate, ticketType } from "../../tickets/testing/fixtures";
import { TicketTypesPage } from "./TicketTypesPage";

// The bpmn.io designers need a real browser: stand-ins that report what the page gave them.
type FormChange = (schema: Record<string, unknown>) => void;
const designers = vi.hoisted(() => ({
  workflowXml: [] as string[],
  formChange: null as null | FormChange,
  mobileChange: null as null | FormChange,
  mobileSchemas: [] as Record<string, unknown>[],
  formSchemas: [] as Record<string, unknown>[],
}));
vi.mock("./FormDesigner", () => ({
  FormDesigner: ({ schema, onChange, testId }: { schema: Record<string, unknown>; onChange: FormChange; testId?: string }) => {
    if (testId === "ticket-form-designer-mobile") {
      designers.mobileChange = onChange;
      designers.mobileSchemas.push(schema);
    } else {
      designers.formChange = onChange;
      designers.formSchemas.push(schema);
    }
    return <div data-testid={testId ?? "ticket-form-designer"} />;
  },
}));
vi.mock("../../tickets/rules", async () => await import("../../tickets/testing/syncRules"));
vi.mock("./WorkflowDesigner", () => ({
  WorkflowDesigner: ({ xml }: { xml: string }) => {
    designers.workflowXml.push(xml);
    return <div data-testid="ticket-workflow-designer" />;
  },
}));

beforeEach(() => {
  localStorage.setItem("hotline.locale", JSON.stringify("en"));
  designers.workflowXml.length = 0;
  designers.mobileSchemas.length = 0;
  designers.formSchemas.length = 0;
});
afterEach(() => vi.unstubAllGlobals());

const TYPES = { data: { ticketTypes: [ticketType("type-1", "Refund", 2), ticketType("type-2", "Complaint", 0)] } };
// The service calls card below the list.
const NO_CALLS = { data: { ticketServiceCalls: { items: [], total: 0 } } };

describe("the ticket types page", () => {
  it("lists the types with their versions; only ticket_type.edit may add one", async () => {
    fakeGraphqlServer({ TicketTypes: TYPES, TicketServiceCalls: NO_CALLS });
    const view = renderInShell(<TicketTypesPage />, ["ticket_type.edit"]);
    const table = await screen.findByTestId("ticket-types-table");
    await within(table).findByText("Refund");
    expect(within(table).getByText("v2")).toBeTruthy();
    expect(within(table).getByText("Not published")).toBeTruthy();
    expect(screen.getByTestId("ticket-type-new")).toBeTruthy();
    view.unmount();
    renderInShell(<TicketTypesPage />, []);
    await within(await screen.findByTestId("ticket-types-table")).findByText("Refund");
    expect(screen.queryByTestId("ticket-type-new")).toBeNull();
  });

  it("creates a new type with the template workflow and shows every problem of a refused publish", async () => {
    const created: Record<string, unknown>[] = [];
    const published: Record<string, unknown>[] = [];
    const problems = "Task_handle: no assignee\nFlow_2: condition refers to unknown field \"amont\"";
    fakeGraphqlServer({
      TicketTypes: TYPES, TicketServiceCalls: NO_CALLS,
      CreateTicketType: (variables) => {
        created.push(variables);
        return { data: { createTicketType: { commandId: "c", aggregateId: "type-9", duplicate: false } } };
      },
      PublishTicketWorkflow: (variables) => {
        published.push(variables);
        return { errors: [{ message: problems, extensions: { code: "ticket_type.invalid_workflow" } }] };
      },
      TicketType: { data: { ticketType: { ...ticketType("type-9", "Repairs", 0), form: { type: "default", components: [] } } } },
    });
    renderInShell(<TicketTypesPage />, ["ticket_type.edit"]);
    fireEvent.click(await screen.findByTestId("ticket-type-new"));
    fireEvent.change(await screen.findByTestId("ticket-type-name"), { target: { value: "Repairs" } });
    await screen.findByTestId("ticket-form-designer");
    // A field added in the form designer.
    act(() => designers.formChange!({ type: "default", components: [{ type: "textfield", key: "description", label: "Description" }, { type: "number", key: "amount", label: "Amount" }] }));
    fireEvent.click(screen.getByTestId("ticket-type-publish"));

    await waitFor(() => expect(published).toHaveLength(1));
    expect(created[0]!.input).toMatchObject({ name: "Repairs", description: "", form: { components: [{ key: "description" }, { key: "amount" }] } });
    const input = published[0]!.input as { typeId: string; bpmnXml: string };
    expect(input.typeId).toBe("type-9");
    expect(input.bpmnXml).toContain('hotline:assignee="starter"');
    expect(input.bpmnXml).toContain('hotline:fields="description=editable,amount=editable"');

    const error = await screen.findByTestId("ticket-type-error");
    expect(error.textContent).toContain("The workflow cannot be published");
    expect(within(error).getByTestId("ticket-type-error-detail").textContent).toBe(problems);
  });

  it("puts a name already taken under the name", async () => {
    fakeGraphqlServer({
      TicketTypes: TYPES, TicketServiceCalls: NO_CALLS,
      TicketType: { data: { ticketType: ticketType("type-1", "Refund", 2) } },
      UpdateTicketType: { errors: [{ message: "exists", extensions: { code: "ticket_type.exists" } }] },
    });
    renderInShell(<TicketTypesPage />, ["ticket_type.edit"]);
    fireEvent.click(await screen.findByText("Refund"));
    const name = (await screen.findByTestId("ticket-type-name")) as HTMLInputElement;
    await waitFor(() => expect(name.value).toBe("Refund"));
    fireEvent.click(screen.getByTestId("ticket-type-tab-workflow"));
    await screen.findByTestId("ticket-workflow-designer");
    expect(designers.workflowXml.at(-1)).toBe("<bpmn:definitions/>");
    fireEvent.click(screen.getByTestId("ticket-type-save"));
    const problem = await screen.findByText("A ticket type with this name already exists.");
    expect(problem.closest(".ant-form-item")!.querySelector("[data-testid=ticket-type-name]")).toBeTruthy();
  });

  it("edits the rules, tries them on sample values and saves them", async () => {
    const updated: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      TicketTypes: TYPES, TicketServiceCalls: NO_CALLS,
      TicketType: { data: { ticketType: { ...ticketType("type-1", "Refund", 2), rules: "values.total = 1;" } } },
      UpdateTicketType: (variables) => {
        updated.push(variables);
        return updated.length === 1
          ? { errors: [{ message: "the form rules ran longer than 250 ms and were stopped (a loop that never ends?)", extensions: { code: "ticket_type.rules_failed" } }] }
          : { data: { updateTicketType: { commandId: "c", aggregateId: "type-1", duplicate: false } } };
      },
    });
    renderInShell(<TicketTypesPage />, ["ticket_type.edit"]);
    fireEvent.click(await screen.findByText("Refund"));
    fireEvent.click(await screen.findByTestId("ticket-type-tab-rules"));
    const rules = (await screen.findByTestId("ticket-type-rules")) as HTMLTextAreaElement;
    await waitFor(() => expect(rules.value).toBe("values.total = 1;"));
    const script = 'values.total = values.amount * 2;\nif (values.total > 100) error("amount", "At most 50");';
    fireEvent.change(rules, { target: { value: script } });
    fireEvent.change(screen.getByTestId("ticket-type-rules-sample"), { target: { value: '{"amount": 60}' } });
    fireEvent.click(screen.getByTestId("ticket-type-rules-try"));
    const result = await screen.findByTestId("ticket-type-rules-result");
    expect(within(result).getByTestId("ticket-rules-computed").textContent).toContain("total120");
    // Named by the form's label.
    expect(within(result).getByTestId("ticket-rules-errors").textContent).toContain("Amount: At most 50");

    fireEvent.change(rules, { target: { value: "values.total = ;" } });
    fireEvent.click(screen.getByTestId("ticket-type-rules-try"));
    await waitFor(() => expect(screen.getByTestId("ticket-type-rules-result").textContent).toContain("The form rules do not compile: SyntaxError"));

    // The server's refusal shows in full, beside the rules; the next save goes through.
    fireEvent.change(rules, { target: { value: "while (true) {}" } });
    fireEvent.click(screen.getByTestId("ticket-type-tab-form"));
    fireEvent.click(screen.getByTestId("ticket-type-save"));
    const error = await screen.findByTestId("ticket-type-error");
    expect(error.textContent).toContain("The form rules failed:");
    expect(within(error).getByTestId("ticket-type-error-detail").textContent).toContain("250 ms");
    expect(screen.getByTestId("ticket-type-rules")).toBeTruthy();
    fireEvent.change(screen.getByTestId("ticket-type-rules"), { target: { value: script } });
    fireEvent.click(screen.getByTestId("ticket-type-save"));
    await waitFor(() => expect(updated).toHaveLength(2));
    expect(updated[0]!.input).toMatchObject({ typeId: "type-1", rules: "while (true) {}" });
    expect(updated[1]!.input).toMatchObject({ typeId: "type-1", rules: script });
  });

  it("creates the signing secret for service calls, shows it once, and asks before rotating it", async () => {
    const rotations: Record<string, unknown>[] = [];
    let rotatedAt: string | null = null;
    fakeGraphqlServer({
      TicketTypes: TYPES, TicketServiceCalls: NO_CALLS,
      TicketType: () => ({ data: { ticketType: { ...ticketType("type-1", "Refund", 2), serviceSecretRotatedAt: rotatedAt } } }),
      RotateTicketServiceSecret: (variables) => {
        rotations.push(variables);
        rotatedAt = "2025-03-02T09:00:00Z";
        return { data: { rotateTicketServiceSecret: { secret: `whsec_secret${rotations.length}`, rotatedAt } } };
      },
    });
    renderInShell(<TicketTypesPage />, ["ticket_type.edit"]);
    fireEvent.click(await screen.findByText("Refund"));
    fireEvent.click(await screen.findByTestId("ticket-type-tab-services"));
    const panel = await screen.findByTestId("ticket-type-service-secret");
    expect(within(panel).getByTestId("ticket-type-service-secret-state").textContent).toContain("No signing secret yet");
    const create = within(panel).getByTestId("ticket-type-service-secret-rotate");
    expect(create.textContent).toBe("Create signing secret");
    fireEvent.click(create);

    expect((await screen.findByTestId("ticket-type-service-secret-value")).textContent).toContain("whsec_secret1");
    expect(rotations).toEqual([{ typeId: "type-1" }]);
    expect(screen.getByText("Signing secret for service calls")).toBeTruthy();
    expect(screen.getByText(/webhook-id, webhook-timestamp and webhook-signature/)).toBeTruthy();
    expect(screen.getByText(/docs\/tickets\.md/)).toBeTruthy();
    // Fetched again: the type has a secret now.
    await waitFor(() => expect(screen.getByTestId("ticket-type-service-secret-state").textContent).toContain("Signing secret created or last rotated"));
    fireEvent.click(screen.getByTestId("ticket-type-service-secret-value-done"));
    await waitFor(() => expect(screen.queryByTestId("ticket-type-service-secret-value")).toBeNull());

    // Rotating asks first: the old secret stops working.
    const rotate = screen.getByTestId("ticket-type-service-secret-rotate");
    expect(rotate.textContent).toBe("Rotate signing secret");
    fireEvent.click(rotate);
    expect(await screen.findByText(/The current secret stops working at once/)).toBeTruthy();
    expect(rotations).toHaveLength(1);
    fireEvent.click(screen.getByTestId("ticket-type-service-secret-rotate-confirm"));
    expect((await screen.findByTestId("ticket-type-service-secret-value")).textContent).toContain("whsec_secret2");
    expect(rotations).toHaveLength(2);
  });

  it("shows the secret's state without ticket_type.edit but offers no rotation", async () => {
    fakeGraphqlServer({
      TicketTypes: TYPES, TicketServiceCalls: NO_CALLS,
      TicketType: { data: { ticketType: { ...ticketType("type-1", "Refund", 2), serviceSecretRotatedAt: "2025-03-02T09:00:00Z" } } },
    });
    renderInShell(<TicketTypesPage />, []);
    fireEvent.click(await screen.findByText("Refund"));
    fireEvent.click(await screen.findByTestId("ticket-type-tab-services"));
    const panel = await screen.findByTestId("ticket-type-service-secret");
    expect(within(panel).getByTestId("ticket-type-service-secret-state").textContent).toContain("Signing secret created or last rotated");
    expect(within(panel).queryByTestId("ticket-type-service-secret-rotate")).toBeNull();
  });

  it("tells a sample that is not a JSON object", async () => {
    fakeGraphqlServer({ TicketTypes: TYPES, TicketServiceCalls: NO_CALLS, TicketType: { data: { ticketType: ticketType("type-1", "Refund", 2) } } });
    renderInShell(<TicketTypesPage />, ["ticket_type.edit"]);
    fireEvent.click(await screen.findByText("Refund"));
    fireEvent.click(await screen.findByTestId("ticket-type-tab-rules"));
    fireEvent.change(await screen.findByTestId("ticket-type-rules-sample"), { target: { value: "[1]" } });
    fireEvent.click(screen.getByTestId("ticket-type-rules-try"));
    expect(await screen.findByText("The sample values must be a JSON object.")).toBeTruthy();
    expect(screen.queryByTestId("ticket-type-rules-result")).toBeNull();
  });

  it("shows a saved type's export templates with its form's field keys, and refetches the type after a removal", async () => {
    let fetched = 0;
    fakeGraphqlServer({
      TicketTypes: TYPES, TicketServiceCalls: NO_CALLS,
      TicketType: () => {
        fetched++;
        return { data: { ticketType: { ...ticketType("type-1", "Refund", 2), exportTemplates: fetched === 1 ? [exportTemplate("x-1", "Refund letter")] : [] } } };
      },
      RemoveTicketExportTemplate: { data: { removeTicketExportTemplate: { id: "type-1", exportTemplates: [] } } },
    });
    renderInShell(<TicketTypesPage />, ["ticket_type.edit"]);
    fireEvent.click(await screen.findByText("Refund"));
    fireEvent.click(await screen.findByTestId("ticket-type-tab-exports"));
    const panel = await screen.findByTestId("export-templates");
    expect(within(panel).getAllByTestId("export-template-field").map((field) => field.textContent)).toEqual([
      "{{field.amount}}",
      "{{field.phone}}",
      "{{field.secret}}",
      "{{field.category}}",
    ]);
    fireEvent.click(within(panel).getByTestId("export-template-remove"));
    fireEvent.click(await screen.findByTestId("export-template-remove-confirm"));
    await waitFor(() => expect(fetched).toBe(2));
    await waitFor(() => expect(within(panel).queryByTestId("export-template-row")).toBeNull());
  });

  it("creates a mobile layout from the desktop form and saves it with the form", async () => {
    const updated: Record<string, unknown>[] = [];
    const desktop = { type: "default", id: "ticket", components: [{ type: "textfield", key: "title", label: "Title", id: "Field_title", validate: { required: true } }, { type: "textarea", key: "notes", label: "Notes", id: "Field_notes" }] };
    fakeGraphqlServer({
      TicketTypes: TYPES, TicketServiceCalls: NO_CALLS,
      TicketType: { data: { ticketType: { ...ticketType("type-1", "Refund", 2), form: desktop } } },
      UpdateTicketType: (variables) => {
        updated.push(variables);
        return { data: { updateTicketType: { commandId: "c", aggregateId: "type-1", duplicate: false } } };
      },
    });
    renderInShell(<TicketTypesPage />, ["ticket_type.edit"]);
    fireEvent.click(await screen.findByText("Refund"));
    await screen.findByTestId("ticket-form-designer");
    expect(screen.getByText("Phones show the mobile layout; it must hold every required field of the desktop form.")).toBeTruthy();
    expect(screen.queryByText("Unsaved changes")).toBeNull();

    fireEvent.click(screen.getByTestId("ticket-form-layout-mobile"));
    const create = await screen.findByTestId("ticket-form-mobile-create");
    expect(create.textContent).toBe("Create a mobile layout from the desktop form");
    // The desktop editor stays, hidden: its edits are not lost.
    expect(screen.getByTestId("ticket-form-designer").parentElement!.style.display).toBe("none");
    fireEvent.click(create);
    await screen.findByTestId("ticket-form-designer-mobile");
    expect(designers.mobileSchemas.at(-1)).toEqual(desktop);
    expect(screen.getByText("Unsaved changes")).toBeTruthy();
    // The phone layout drops the notes and renames the title.
    act(() => designers.mobileChange!({ ...desktop, components: [{ type: "textfield", key: "title", label: "What happened?", id: "Field_title", validate: { required: true } }] }));
    // A desktop edit made meanwhile (the desktop editor reports whole schemas).
    act(() => designers.formChange!({ ...desktop, components: [...desktop.components, { type: "number", key: "amount", label: "Amount", id: "Field_amount" }] }));
    fireEvent.click(screen.getByTestId("ticket-type-save"));
    await waitFor(() => expect(updated).toHaveLength(1));
    expect(updated[0]!.input).toMatchObject({
      typeId: "type-1",
      form: {
        type: "default",
        components: [{ key: "title" }, { key: "notes" }, { key: "amount" }],
        mobileLayout: { components: [{ type: "textfield", key: "title", label: "What happened?" }] },
      },
    });
    expect((updated[0]!.input as { form: { mobileLayout: { components: unknown[] } } }).form.mobileLayout.components).toHaveLength(1);

    // Back to desktop and to mobile again: the mobile editor starts from the layout as edited.
    fireEvent.click(screen.getByTestId("ticket-form-layout-desktop"));
    await waitFor(() => expect(screen.queryByTestId("ticket-form-designer-mobile")).toBeNull());
    expect(screen.getByTestId("ticket-form-designer").parentElement!.style.display).toBe("");
    fireEvent.click(screen.getByTestId("ticket-form-layout-mobile"));
    await screen.findByTestId("ticket-form-designer-mobile");
    expect(designers.mobileSchemas.at(-1)!.components).toEqual([{ type: "textfield", key: "title", label: "What happened?", id: "Field_title", validate: { required: true } }]);
  });

  it("edits a type's mobile layout apart from the desktop one and removes it after confirmation", async () => {
    const updated: Record<string, unknown>[] = [];
    const desktop = [{ type: "textfield", key: "title", label: "Title", id: "Field_title" }, { type: "textarea", key: "notes", label: "Notes", id: "Field_notes" }];
    const mobile = [{ type: "textfield", key: "title", label: "Title on phones", id: "Field_title" }];
    fakeGraphqlServer({
      TicketTypes: TYPES, TicketServiceCalls: NO_CALLS,
      TicketType: { data: { ticketType: { ...ticketType("type-1", "Refund", 2), form: { type: "default", id: "ticket", components: desktop, mobileLayout: { components: mobile } } } } },
      UpdateTicketType: (variables) => {
        updated.push(variables);
        return { data: { updateTicketType: { commandId: "c", aggregateId: "type-1", duplicate: false } } };
      },
    });
    renderInShell(<TicketTypesPage />, ["ticket_type.edit"]);
    fireEvent.click(await screen.findByText("Refund"));
    await screen.findByTestId("ticket-form-designer");
    fireEvent.click(screen.getByTestId("ticket-form-layout-mobile"));
    await screen.findByTestId("ticket-form-designer-mobile");
    // Each editor gets its own layout; form-js never sees `mobileLayout`.
    expect(designers.mobileSchemas.at(-1)).toEqual({ type: "default", id: "ticket", components: mobile });
    // The editor reporting the layout as imported is no edit.
    act(() => designers.mobileChange!({ type: "default", id: "ticket", components: mobile }));
    expect(screen.queryByText("Unsaved changes")).toBeNull();
    expect(screen.queryByTestId("ticket-form-mobile-create")).toBeNull();

    fireEvent.click(screen.getByTestId("ticket-form-mobile-remove"));
    expect(await screen.findByText("Remove the mobile layout? Phones will show the desktop form.")).toBeTruthy();
    fireEvent.click(screen.getByTestId("ticket-form-mobile-remove-confirm"));
    await screen.findByTestId("ticket-form-mobile-create");
    expect(screen.queryByTestId("ticket-form-designer-mobile")).toBeNull();
    expect(screen.getByText("Unsaved changes")).toBeTruthy();
    fireEvent.click(screen.getByTestId("ticket-type-save"));
    await waitFor(() => expect(updated).toHaveLength(1));
    const form = (updated[0]!.input as { form: Record<string, unknown> }).form;
    expect(form).toEqual({ type: "default", id: "ticket", components: desktop });
    expect("mobileLayout" in form).toBe(false);
  });

  it("edits the forms per role and saves them with the form, without fields it no longer has", async () => {
    const updated: Record<string, unknown>[] = [];
    const agent = "6f1c1a52-0c1e-4f0e-9a53-1f0a4a0b7c11";
    const desktop = [
      { type: "textfield", key: "subject", label: "Subject", id: "Field_subject" },
      { type: "number", key: "salary", label: "Salary", id: "Field_salary" },
      { type: "textarea", key: "notes", label: "Notes", id: "Field_notes" },
    ];
    fakeGraphqlServer({
      TicketTypes: TYPES, TicketServiceCalls: NO_CALLS,
      TicketType: { data: { ticketType: { ...ticketType("type-1", "Refund", 2), form: { type: "default", id: "ticket", components: desktop, roleForms: { "*": { salary: "hidden" } } } } } },
      RoleNames: { data: { roles: [{ id: agent, key: "agent", name: "Agent", builtIn: true }, { id: "r-payroll", key: null, name: "Payroll", builtIn: false }] } },
      UpdateTicketType: (variables) => {
        updated.push(variables);
        return { data: { updateTicketType: { commandId: "c", aggregateId: "type-1", duplicate: false } } };
      },
    });
    renderInShell(<TicketTypesPage />, ["ticket_type.edit"]);
    fireEvent.click(await screen.findByText("Refund"));
    await screen.findByTestId("ticket-form-designer");
    fireEvent.click(screen.getByTestId("ticket-form-roles"));
    const panel = await screen.findByTestId("ticket-role-forms");
    // The desktop editor stays, hidden; form-js never sees `roleForms`.
    expect(screen.getByTestId("ticket-form-designer").parentElement!.style.display).toBe("none");
    expect(designers.formSchemas.at(-1)).toEqual({ type: "default", id: "ticket", components: desktop });
    const selected = (key: string, access: string) => screen.getByTestId(`ticket-role-field-${key}-${access}`).closest(".ant-segmented-item")!.classList.contains("ant-segmented-item-selected");
    // Everyone else's form, fields in form order with their keys.
    expect(within(panel).getAllByRole("row").slice(1).map((row) => row.textContent)).toEqual([expect.stringContaining("Subject (subject)"), expect.stringContaining("Salary (salary)"), expect.stringContaining("Notes (notes)")]);
    expect(selected("salary", "hidden")).toBe(true);
    expect(selected("subject", "editable")).toBe(true);
    expect(screen.queryByText("Unsaved changes")).toBeNull();

    // The agents get a form of their own, in their language's name, with the subject read-only.
    fireEvent.mouseDown(within(panel).getByRole("combobox"));
    const options = await screen.findAllByText("Agent", { selector: ".ant-select-item-option-content" });
    fireEvent.click(options[options.length - 1]!);
    expect((await screen.findByTestId(`ticket-role-form-of-${agent}`)).textContent).toBe("Agent");
    expect(selected("salary", "editable")).toBe(true);
    fireEvent.click(screen.getByTestId("ticket-role-field-subject-readonly"));
    fireEvent.click(screen.getByTestId("ticket-role-field-notes-hidden"));
    expect(selected("subject", "readonly")).toBe(true);
    expect(screen.getByText("Unsaved changes")).toBeTruthy();
    // The notes leave the form meanwhile: no form may name them any more.
    act(() => designers.formChange!({ type: "default", id: "ticket", components: desktop.slice(0, 2) }));
    fireEvent.click(screen.getByTestId("ticket-type-save"));
    await waitFor(() => expect(updated).toHaveLength(1));
    expect((updated[0]!.input as { form: unknown }).form).toEqual({ type: "default", id: "ticket", components: desktop.slice(0, 2), roleForms: { "*": { salary: "hidden" }, [agent]: { subject: "readonly" } } });

    // Removing both forms drops the key.
    fireEvent.click(screen.getByTestId("ticket-role-form-remove"));
    await waitFor(() => expect(screen.queryByTestId(`ticket-role-form-of-${agent}`)).toBeNull());
    expect(selected("salary", "hidden")).toBe(true);
    fireEvent.click(screen.getByTestId("ticket-role-form-remove"));
    await waitFor(() => expect(selected("salary", "editable")).toBe(true));
    expect(screen.queryByTestId("ticket-role-form-remove")).toBeNull();
    fireEvent.click(screen.getByTestId("ticket-type-save"));
    await waitFor(() => expect(updated).toHaveLength(2));
    expect("roleForms" in (updated[1]!.input as { form: Record<string, unknown> }).form).toBe(false);
  });

  it("asks to save a new type before adding export templates", async () => {
    fakeGraphqlServer({ TicketTypes: TYPES, TicketServiceCalls: NO_CALLS });
    renderInShell(<TicketTypesPage />, ["ticket_type.edit"]);
    fireEvent.click(await screen.findByTestId("ticket-type-new"));
    fireEvent.click(await screen.findByTestId("ticket-type-tab-exports"));
    expect(await screen.findByText("Save the type first: its export templates belong to it.")).toBeTruthy();
  });
});
