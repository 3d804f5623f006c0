/** Tickets (issue 7): ticket types, tickets, their tasks and the caller's to-dos. */
import type { ConditionOp, QueryCondition } from "../customers/customers.graphql";
import type { FieldOption, QueryLabel, QueryOption } from "./fields/directory";

export type { ConditionOp, QueryCondition };

export type TicketFieldAccess = "HIDDEN" | "READ_ONLY" | "EDITABLE" | "REQUIRED";
export type TicketStatus = "OPEN" | "FINISHED" | "CANCELLED";
/** EXTERNAL: an outside person mailed a link (candidateId the nil UUID, candidateName the address). */
export type TicketCandidateKind = "USER" | "ROLE" | "ORG_UNIT" | "EXTERNAL";

/** The candidate id of an external task: no user, role or unit. */
export const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/** A form-js schema (`{ type: "default", components: [...] }`), as JSON. */
export type FormSchema = Record<string, unknown>;
export type FormValues = Record<string, unknown>;

export interface TicketFieldRule {
  key: string;
  access: TicketFieldAccess;
}

export interface TicketStep {
  id: string;
  name: string;
  assignee: string;
  dueSeconds: number | null;
  fields: TicketFieldRule[];
}

export interface TicketType {
  id: string;
  name: string;
  description: string;
  form: FormSchema;
  /** The form of the published version, which new tickets fill in (null before a publish),
   * without the fields hidden from the caller's roles and without `roleForms`. */
  publishedForm: FormSchema | null;
  /** What the caller's roles let them fill in when opening a ticket: each field of the published
   * form they see, EDITABLE or READ_ONLY; empty before the first publish. */
  startFields: TicketFieldRule[];
  /** The draft's form rules (JavaScript, see `rules.ts`); empty for none. */
  rules: string;
  /** The published version's rules, which new tickets run; null for none. */
  publishedRules: string | null;
  workflowXml: string | null;
  version: number;
  publishedAt: string | null;
  updatedAt: string;
  steps: TicketStep[];
  /** When the signing secret of its service calls was last made; null: none yet (service calls fail). */
  serviceSecretRotatedAt: string | null;
  /** The Word/Excel templates its tickets export through (at most 20). */
  exportTemplates: TicketExportTemplate[];
}

export type TemplateFormat = "DOCX" | "XLSX";

/** A Word (.docx) or Excel (.xlsx) file with `{{ticket.number}}`, `{{field.<key>}}`, ...
 * placeholders that a ticket is exported through. */
export interface TicketExportTemplate {
  id: string;
  name: string;
  format: TemplateFormat;
  fileName: string;
  /** Bytes. */
  size: number;
  /** What it fills in, e.g. `ticket.number`, `field.order_number`. */
  placeholders: string[];
  addedAt: string;
  /** Where the template file itself downloads (admins). */
  url: string;
}

/** The answer of an upload: the template without its `url` (see `templateUrl`). */
export type UploadedExportTemplate = Omit<TicketExportTemplate, "url">;

/** The built-in placeholders a template may use besides `{{field.<form field key>}}`. */
export const TICKET_PLACEHOLDERS = [
  "ticket.number",
  "ticket.title",
  "ticket.type",
  "ticket.status",
  "ticket.opened_at",
  "ticket.updated_at",
  "ticket.opened_by",
  "ticket.step",
  "ticket.due_at",
  "ticket.exported_at",
] as const;

/** Accepted template files. */
export const TEMPLATE_ACCEPT = ".docx,.xlsx";

const EXPORT_TEMPLATE_FIELDS = "id name format fileName size placeholders addedAt url";

/** Where a template is uploaded to (the raw file as the body, see `postFile`); without a
 * name the server names it after the file. */
export function uploadTemplateUrl(typeId: string, name?: string | null): string {
  const base = `/api/ticket-types/${encodeURIComponent(typeId)}/export-templates`;
  const trimmed = name?.trim();
  return trimmed ? `${base}?name=${encodeURIComponent(trimmed)}` : base;
}

/** Where a template file itself downloads (as the server's `url`). */
export function templateUrl(typeId: string, templateId: string): string {
  return `/api/ticket-types/${encodeURIComponent(typeId)}/export-templates/${encodeURIComponent(templateId)}`;
}

/** Where a ticket downloads filled through a template, its texts in `locale`. */
export function exportUrl(ticketId: string, templateId: string, locale: string): string {
  return `/api/tickets/${encodeURIComponent(ticketId)}/export/${encodeURIComponent(templateId)}?language=${encodeURIComponent(locale)}`;
}

/** The media type of a template's format, for `Accept`. */
export const TEMPLATE_MEDIA_TYPES: Record<TemplateFormat, string> = {
  DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

/** The name a ticket's export downloads as: `T-1 Refund letter.docx`. */
export function exportFileName(ticketNumber: string, template: Pick<TicketExportTemplate, "name" | "format">): string {
  return `${ticketNumber} ${template.name}.${template.format.toLowerCase()}`;
}

export interface TicketTask {
  token: number;
  stepId: string;
  stepName: string;
  candidateKind: TicketCandidateKind;
  candidateId: string;
  candidateName: string;
  activatedAt: string;
  dueAt: string | null;
  /** Its due time has passed (the server marked it so and told whom it escalates to). */
  overdue: boolean;
  mine: boolean;
  fields: TicketFieldRule[];
  /** An external task: when the latest link mailed for it expires; null until one was sent. */
  linkExpiresAt: string | null;
}

/** A service task the ticket waits on: being called, or failed and waiting for a retry. */
export interface TicketServiceCall {
  token: number;
  stepName: string;
  url: string;
  /** The last call failed for good; retryTicketService calls it again. */
  failed: boolean;
  /** Why it failed: the receiver's status and answer, or the network error. */
  error: string | null;
  since: string;
}

export interface TicketHistoryEntry {
  at: string;
  /** `link_sent`: `text` is the address the link went to, `actorName` who asked for it again
   * (empty: the system, as the step started). A `task_completed` through a link has the
   * collaborator's address as `actorName`. */
  kind: string;
  actorName: string;
  stepName: string | null;
  text: string | null;
}

export interface Ticket {
  id: string;
  number: string;
  typeId: string;
  typeName: string;
  version: number;
  title: string;
  status: TicketStatus;
  values: FormValues;
  form: FormSchema;
  /** The form rules of the version this ticket runs on; null for none. */
  rules: string | null;
  starterName: string;
  createdAt: string;
  updatedAt: string;
  conversationId: string | null;
  callId: string | null;
  tasks: TicketTask[];
  serviceCalls: TicketServiceCall[];
  history: TicketHistoryEntry[];
  /** The templates of the ticket's type, to export it through. */
  exportTemplates: TicketExportTemplate[];
  /** The names of the users, groups, departments and tickets its values hold (those the caller may see). */
  references: FieldOption[];
  /** The labels of the values its query fields hold. */
  queryLabels: QueryLabel[];
}

export interface TicketTodo {
  ticketId: string;
  number: string;
  title: string;
  typeName: string;
  token: number;
  stepName: string;
  activatedAt: string;
  dueAt: string | null;
}

export interface CommandResult {
  commandId: string;
  aggregateId: string;
  duplicate: boolean;
}

const COMMAND_RESULT = "commandId aggregateId duplicate";

const TYPE_FIELDS = `id name description form publishedForm rules publishedRules workflowXml version publishedAt updatedAt steps { id name assignee dueSeconds fields { key access } } startFields { key access } serviceSecretRotatedAt exportTemplates { ${EXPORT_TEMPLATE_FIELDS} }`;

export const TICKET_TYPES_QUERY = /* GraphQL */ `
  query TicketTypes {
    ticketTypes { ${TYPE_FIELDS} }
  }
`;

export interface TicketTypesData {
  ticketTypes: TicketType[];
}

export const TICKET_TYPE_QUERY = /* GraphQL */ `
  query TicketType($id: UUID!) {
    ticketType(id: $id) { ${TYPE_FIELDS} }
  }
`;

export interface TicketTypeData {
  ticketType: TicketType | null;
}

const TASK_FIELDS = "token stepId stepName candidateKind candidateId candidateName activatedAt dueAt overdue mine fields { key access } linkExpiresAt";

export const TICKETS_QUERY = /* GraphQL */ `
  query Tickets($filter: TicketFilter, $offset: Int!, $limit: Int!) {
    tickets(filter: $filter, offset: $offset, limit: $limit) {
      items { id number typeId typeName version title status starterName createdAt updatedAt conversationId tasks { ${TASK_FIELDS} } }
      total
    }
  }
`;

/** Whose turn an open step is: mine, a user's, a role's, a unit's (those three name `id`), or an outside collaborator's. */
export type TicketWaitingOnKind = "ME" | "USER" | "ROLE" | "UNIT" | "EXTERNAL";
export type TicketDueKind = "OVERDUE" | "WITHIN";
/** null: most recently changed first. */
export type TicketSortField = "UPDATED" | "CREATED" | "DUE" | "NUMBER";

export interface TicketWaitingOn {
  kind: TicketWaitingOnKind;
  id?: string | null;
}

export interface TicketDue {
  kind: TicketDueKind;
  /** 1 to 8784, for WITHIN only. */
  hours?: number | null;
}

export interface TicketFilter {
  status?: TicketStatus | null;
  typeId?: string | null;
  text?: string | null;
  startedByMe?: boolean | null;
  conversationId?: string | null;
  waitingOn?: TicketWaitingOn | null;
  due?: TicketDue | null;
  /** On form values by field key; a value that reads as a number compares numerically with number fields. */
  conditions?: QueryCondition[] | null;
  sort?: TicketSortField | null;
  sortDescending?: boolean;
}

export interface TicketsVariables {
  filter: TicketFilter;
  offset: number;
  limit: number;
}

export type TicketListItem = Omit<Ticket, "values" | "form" | "rules" | "callId" | "serviceCalls" | "history" | "exportTemplates" | "references" | "queryLabels">;

export interface TicketsData {
  tickets: { items: TicketListItem[]; total: number };
}

/** A saved filter as the server answers it. */
export interface TicketQueryFilter {
  status: TicketStatus | null;
  typeId: string | null;
  text: string | null;
  startedByMe: boolean;
  waitingOn: TicketWaitingOn | null;
  due: TicketDue | null;
  conditions: QueryCondition[];
  sort: TicketSortField | null;
  sortDescending: boolean;
}

export interface SavedTicketQuery {
  id: string;
  name: string;
  shared: boolean;
  /** The caller's own (only its owner may change or delete it). */
  mine: boolean;
  filter: TicketQueryFilter;
}

const SAVED_TICKET_QUERY_FIELDS =
  "id name shared mine filter { status typeId text startedByMe waitingOn { kind id } due { kind hours } conditions { field op value valueTo } sort sortDescending }";

/** The caller's own saved ticket queries and those shared by others. */
export const SAVED_TICKET_QUERIES_QUERY = /* GraphQL */ `
  query SavedTicketQueries {
    savedTicketQueries { ${SAVED_TICKET_QUERY_FIELDS} }
  }
`;

export interface SavedTicketQueriesData {
  savedTicketQueries: SavedTicketQuery[];
}

export const SAVE_TICKET_QUERY_MUTATION = /* GraphQL */ `
  mutation SaveTicketQuery($commandId: UUID, $input: SavedTicketQueryInput!) {
    saveTicketQuery(commandId: $commandId, input: $input) { ${SAVED_TICKET_QUERY_FIELDS} }
  }
`;

export interface SaveTicketQueryVariables {
  commandId: string;
  input: {
    /** Absent for a new saved query. */
    id?: string;
    name: string;
    shared: boolean;
    /** Never with `conversationId`. */
    filter: Omit<TicketFilter, "conversationId">;
  };
}

export interface SaveTicketQueryData {
  saveTicketQuery: SavedTicketQuery;
}

export const DELETE_TICKET_QUERY_MUTATION = /* GraphQL */ `
  mutation DeleteTicketQuery($commandId: UUID, $id: UUID!) {
    deleteTicketQuery(commandId: $commandId, id: $id)
  }
`;

export interface DeleteTicketQueryVariables {
  commandId: string;
  id: string;
}

export const TICKET_QUERY = /* GraphQL */ `
  query Ticket($id: UUID!) {
    ticket(id: $id) {
      id number typeId typeName version title status values form rules starterName createdAt updatedAt conversationId callId
      tasks { ${TASK_FIELDS} }
      serviceCalls { token stepName url failed error since }
      history { at kind actorName stepName text }
      exportTemplates { ${EXPORT_TEMPLATE_FIELDS} }
      references { kind id label parentId }
      queryLabels { field value label }
    }
  }
`;

export interface TicketData {
  ticket: Ticket | null;
}

/** The options of a form's user, group, department or related-ticket field matching `search`
 * (DEPARTMENT without one: the whole tree). */
export const TICKET_FIELD_OPTIONS_QUERY = /* GraphQL */ `
  query TicketFieldOptions($kind: TicketFieldOptionKind!, $search: String) {
    ticketFieldOptions(kind: $kind, search: $search) { kind id label parentId }
  }
`;

export interface TicketFieldOptionsData {
  ticketFieldOptions: FieldOption[];
}

/** The options of query field `field` (its key) of a type's published version matching `search`
 * (none: the first page). */
export const TICKET_QUERY_OPTIONS_QUERY = /* GraphQL */ `
  query TicketQueryOptions($typeId: UUID!, $version: Int!, $field: String!, $search: String) {
    ticketQueryOptions(typeId: $typeId, version: $version, field: $field, search: $search) { value label details }
  }
`;

export interface TicketQueryOptionsVariables {
  typeId: string;
  version: number;
  field: string;
  search: string | null;
}

export interface TicketQueryOptionsData {
  ticketQueryOptions: QueryOption[];
}

/** The tenant's dictionaries, for the form designer's query fields. */
export const TICKET_FORM_DICTIONARIES_QUERY = /* GraphQL */ `
  query TicketFormDictionaries {
    dictionaries { code name }
  }
`;

export interface TicketFormDictionariesData {
  dictionaries: { code: string; name: string }[];
}

/** The customer fields, for the form designer's query fields (columns, conditions). */
export const TICKET_FORM_CUSTOMER_FIELDS_QUERY = /* GraphQL */ `
  query TicketFormCustomerFields {
    customerFields { key label }
  }
`;

export interface TicketFormCustomerFieldsData {
  customerFields: { key: string; label: string }[];
}

export const MY_TICKET_TODOS_QUERY = /* GraphQL */ `
  query MyTicketTodos {
    myTicketTodos { ticketId number title typeName token stepName activatedAt dueAt }
  }
`;

export interface MyTicketTodosData {
  myTicketTodos: TicketTodo[];
}

export const CREATE_TICKET_TYPE_MUTATION = /* GraphQL */ `
  mutation CreateTicketType($input: CreateTicketTypeInput!) {
    createTicketType(input: $input) { ${COMMAND_RESULT} }
  }
`;

export interface CreateTicketTypeVariables {
  input: { commandId: string; name: string; description: string; form: FormSchema; rules: string };
}

export interface CreateTicketTypeData {
  createTicketType: CommandResult;
}

export const UPDATE_TICKET_TYPE_MUTATION = /* GraphQL */ `
  mutation UpdateTicketType($input: UpdateTicketTypeInput!) {
    updateTicketType(input: $input) { ${COMMAND_RESULT} }
  }
`;

export interface UpdateTicketTypeVariables {
  input: { commandId: string; typeId: string; name: string; description: string; form: FormSchema; rules: string };
}

export interface UpdateTicketTypeData {
  updateTicketType: CommandResult;
}

export const PUBLISH_TICKET_WORKFLOW_MUTATION = /* GraphQL */ `
  mutation PublishTicketWorkflow($input: PublishTicketWorkflowInput!) {
    publishTicketWorkflow(input: $input) { ${COMMAND_RESULT} }
  }
`;

export interface PublishTicketWorkflowVariables {
  input: { commandId: string; typeId: string; bpmnXml: string };
}

export interface PublishTicketWorkflowData {
  publishTicketWorkflow: CommandResult;
}

export const OPEN_TICKET_MUTATION = /* GraphQL */ `
  mutation OpenTicket($input: OpenTicketInput!) {
    openTicket(input: $input) { ${COMMAND_RESULT} }
  }
`;

export interface OpenTicketVariables {
  input: { commandId: string; typeId: string; title: string; values: FormValues; conversationId?: string | null; callId?: string | null };
}

export interface OpenTicketData {
  openTicket: CommandResult;
}

export const COMPLETE_TICKET_TASK_MUTATION = /* GraphQL */ `
  mutation CompleteTicketTask($input: CompleteTicketTaskInput!) {
    completeTicketTask(input: $input) { ${COMMAND_RESULT} }
  }
`;

export interface CompleteTicketTaskVariables {
  input: { commandId: string; ticketId: string; token: number; values: FormValues };
}

export interface CompleteTicketTaskData {
  completeTicketTask: CommandResult;
}

export const COMMENT_TICKET_MUTATION = /* GraphQL */ `
  mutation CommentTicket($input: CommentTicketInput!) {
    commentTicket(input: $input) { ${COMMAND_RESULT} }
  }
`;

export interface CommentTicketVariables {
  input: { commandId: string; ticketId: string; text: string };
}

export const CANCEL_TICKET_MUTATION = /* GraphQL */ `
  mutation CancelTicket($input: CancelTicketInput!) {
    cancelTicket(input: $input) { ${COMMAND_RESULT} }
  }
`;

export interface CancelTicketVariables {
  input: { commandId: string; ticketId: string; reason: string };
}

export const RETRY_TICKET_SERVICE_MUTATION = /* GraphQL */ `
  mutation RetryTicketService($input: RetryTicketServiceInput!) {
    retryTicketService(input: $input) { ${COMMAND_RESULT} }
  }
`;

export interface RetryTicketServiceVariables {
  input: { commandId: string; ticketId: string; token: number };
}

/** Mails a fresh link (valid 7 days) to the outside collaborator of an external task. */
export const SEND_TICKET_LINK_MUTATION = /* GraphQL */ `
  mutation SendTicketLink($input: SendTicketLinkInput!) {
    sendTicketLink(input: $input) { ${COMMAND_RESULT} }
  }
`;

export interface SendTicketLinkVariables {
  input: { commandId: string; ticketId: string; token: number };
}

export const ROTATE_TICKET_SERVICE_SECRET_MUTATION = /* GraphQL */ `
  mutation RotateTicketServiceSecret($typeId: UUID!) {
    rotateTicketServiceSecret(typeId: $typeId) { secret rotatedAt }
  }
`;

export interface RotateTicketServiceSecretData {
  /** `whsec_...`, shown in this answer only. */
  rotateTicketServiceSecret: { secret: string; rotatedAt: string };
}

/** Removes a template from a type (`ticket_type.edit`); answers the type's templates left. */
export const REMOVE_TICKET_EXPORT_TEMPLATE_MUTATION = /* GraphQL */ `
  mutation RemoveTicketExportTemplate($typeId: UUID!, $templateId: UUID!) {
    removeTicketExportTemplate(typeId: $typeId, templateId: $templateId) { id exportTemplates { ${EXPORT_TEMPLATE_FIELDS} } }
  }
`;

export interface RemoveTicketExportTemplateVariables {
  typeId: string;
  templateId: string;
}

export interface RemoveTicketExportTemplateData {
  removeTicketExportTemplate: { id: string; exportTemplates: TicketExportTemplate[] };
}

/** Users for the workflow's assignee picker. */
export const TICKET_USER_NAMES_QUERY = /* GraphQL */ `
  query TicketUserNames {
    users(first: 500) { id username displayName }
  }
`;

export interface TicketUserNamesData {
  users: { id: string; username: string; displayName: string }[];
}

/** A service task some ticket waits on, across all tickets (`ticketServiceCalls`). */
export interface PendingTicketServiceCall {
  ticketId: string;
  number: string;
  title: string;
  typeName: string;
  token: number;
  stepName: string;
  url: string;
  /** Since when the ticket has waited there. */
  calledAt: string;
  /** Why it failed for good; null while it is being called. */
  error: string | null;
}

export interface TicketServiceCallsData {
  ticketServiceCalls: { items: PendingTicketServiceCall[]; total: number };
}

export interface TicketServiceCallsVariables {
  failedOnly: boolean;
  offset: number;
  limit: number;
}

/** Every ticket's pending and failed service calls (`menu.admin.ticket_types`): failed ones
 * first (unless failedOnly), then the longest waiting first. */
export const TICKET_SERVICE_CALLS_QUERY = /* GraphQL */ `
  query TicketServiceCalls($failedOnly: Boolean!, $offset: Int!, $limit: Int!) {
    ticketServiceCalls(failedOnly: $failedOnly, offset: $offset, limit: $limit) {
      items { ticketId number title typeName token stepName url calledAt error }
      total
    }
  }
`;
