/** Tickets and types for component tests. */
import type { Ticket, TicketExportTemplate, TicketListItem, TicketTask, TicketType } from "../tickets.graphql";

export const FORM = {
  type: "default",
  components: [
    { type: "textfield", key: "amount", label: "Amount" },
    { type: "textfield", key: "phone", label: "Phone" },
    { type: "textfield", key: "secret", label: "Secret" },
    { type: "textfield", key: "category", label: "Category" },
  ],
};

export function ticketType(id: string, name: string, version = 1): TicketType {
  return {
    id,
    name,
    description: "",
    form: FORM,
    publishedForm: version > 0 ? FORM : null,
    startFields: version > 0 ? FORM.components.map((component) => ({ key: component.key, access: "EDITABLE" as const })) : [],
    rules: "",
    publishedRules: null,
    workflowXml: version > 0 ? "<bpmn:definitions/>" : null,
    version,
    publishedAt: version > 0 ? "2025-03-01T09:00:00Z" : null,
    updatedAt: "2025-03-01T09:00:00Z",
    steps: [],
    serviceSecretRotatedAt: null,
    exportTemplates: [],
  };
}

export function exportTemplate(id: string, name: string, overrides: Partial<TicketExportTemplate> = {}): TicketExportTemplate {
  return {
    id,
    name,
    format: "DOCX",
    fileName: `${name}.docx`,
    size: 20480,
    placeholders: ["ticket.number", "field.amount"],
    addedAt: "2025-03-01T09:00:00Z",
    url: `/api/ticket-types/type-1/export-templates/${id}`,
    ...overrides,
  };
}

export function task(token: number, overrides: Partial<TicketTask> = {}): TicketTask {
  return {
    token,
    stepId: `Task_${token}`,
    stepName: "Review",
    candidateKind: "ROLE",
    candidateId: "r-1",
    candidateName: "Supervisors",
    activatedAt: "2025-03-01T10:00:00Z",
    dueAt: null,
    overdue: false,
    mine: true,
    fields: [
      { key: "amount", access: "EDITABLE" },
      { key: "secret", access: "HIDDEN" },
      { key: "category", access: "REQUIRED" },
    ],
    linkExpiresAt: null,
    ...overrides,
  };
}

export function ticket(id: string, overrides: Partial<Ticket> = {}): Ticket {
  return {
    id,
    number: `T-${id}`,
    typeId: "type-1",
    typeName: "Refund",
    version: 2,
    title: `Ticket ${id}`,
    status: "OPEN",
    values: { amount: "100", phone: "138", secret: "s3", category: "refund" },
    form: FORM,
    rules: null,
    starterName: "Ann Lee",
    createdAt: "2025-03-01T10:00:00Z",
    updatedAt: "2025-03-01T11:00:00Z",
    conversationId: null,
    callId: null,
    tasks: [task(7)],
    serviceCalls: [],
    history: [{ at: "2025-03-01T10:00:00Z", kind: "opened", actorName: "Ann Lee", stepName: null, text: null }],
    exportTemplates: [],
    references: [],
    queryLabels: [],
    ...overrides,
  };
}

export function listItem(id: string, overrides: Partial<Ticket> = {}): TicketListItem {
  const { values: _values, form: _form, rules: _rules, callId: _callId, serviceCalls: _serviceCalls, history: _history, exportTemplates: _exportTemplates, references: _references, queryLabels: _queryLabels, ...item } = ticket(id, overrides);
  return item;
}
