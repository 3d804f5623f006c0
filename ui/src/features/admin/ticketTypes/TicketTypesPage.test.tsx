import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer } from "../../../test/fakeServer";
import { renderInShell } from "../../customers/testing/shell";
import { ticketType } from "../../tickets/testing/fixtures";
import { TicketTypesPage } from "./TicketTypesPage";

// The bpmn.io designers need a real browser: stand-ins that report what the page gave them.
const designers = vi.hoisted(() => ({ workflowXml: [] as string[], formChange: null as null | ((schema: Record<string, unknown>) => void) }));
vi.mock("./FormDesigner", () => ({
  FormDesigner: ({ onChange }: { onChange: (schema: Record<string, unknown>) => void }) => {
    designers.formChange = onChange;
    return <div data-testid="ticket-form-designer" />;
  },
}));
vi.mock("./WorkflowDesigner", () => ({
  WorkflowDesigner: ({ xml }: { xml: string }) => {
    designers.workflowXml.push(xml);
    return <div data-testid="ticket-workflow-designer" />;
  },
}));

beforeEach(() => {
  localStorage.setItem("hotline.locale", JSON.stringify("en"));
  designers.workflowXml.length = 0;
});
afterEach(() => vi.unstubAllGlobals());

const TYPES = { data: { ticketTypes: [ticketType("type-1", "Refund", 2), ticketType("type-2", "Complaint", 0)] } };

describe("the ticket types page", () => {
  it("lists the types with their versions; only ticket_type.edit may add one", async () => {
    fakeGraphqlServer({ TicketTypes: TYPES });
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
      TicketTypes: TYPES,
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
      TicketTypes: TYPES,
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
});
