/**
 * Plain helpers of the ticket designer and the ticket form, no React and no bpmn.io: the
 * `hotline:*` attributes of the workflow XML, ISO-8601 durations, the template diagram of a
 * new type, the form-js schema as one step shows it, and the values a step may send.
 */
import { GraphqlError } from "../../api/client";
import type { FormSchema, FormValues, TicketFieldAccess, TicketFieldRule } from "./tickets.graphql";

export const HOTLINE_NS = "https://hotline.example/schema/bpmn";

/** The moddle extension for our attributes on user and service tasks (bpmn-js `moddleExtensions`). */
export const HOTLINE_MODDLE = {
  name: "Hotline",
  prefix: "hotline",
  uri: HOTLINE_NS,
  xml: { tagAlias: "lowerCase" },
  associations: [],
  types: [
    {
      name: "HotlineTask",
      extends: ["bpmn:UserTask", "bpmn:ServiceTask"],
      properties: [
        { name: "assignee", isAttr: true, type: "String" },
        { name: "fields", isAttr: true, type: "String" },
        { name: "due", isAttr: true, type: "String" },
        { name: "remind", isAttr: true, type: "String" },
        { name: "escalate", isAttr: true, type: "String" },
        // How long an outside collaborator's mailed link stays valid (`hotline:link-lifetime`).
        { name: "link-lifetime", isAttr: true, type: "String" },
        { name: "url", isAttr: true, type: "String" },
      ],
    },
  ],
};

// --- hotline:fields -------------------------------------------------------------------

/** The access words of `hotline:fields`, by the API's enum. */
const ACCESS_WORDS: Record<TicketFieldAccess, string> = {
  HIDDEN: "hidden",
  READ_ONLY: "readonly",
  EDITABLE: "editable",
  REQUIRED: "required",
};
const WORD_ACCESS = new Map(Object.entries(ACCESS_WORDS).map(([access, word]) => [word, access as TicketFieldAccess]));

export const ACCESS_LEVELS: readonly TicketFieldAccess[] = ["HIDDEN", "READ_ONLY", "EDITABLE", "REQUIRED"];

/** `key=access,key=access` → access by key; unknown words and empty parts are skipped. */
export function parseFieldsAttribute(text: string | null | undefined): Record<string, TicketFieldAccess> {
  const result: Record<string, TicketFieldAccess> = {};
  for (const part of (text ?? "").split(",")) {
    const equals = part.indexOf("=");
    if (equals <= 0) continue;
    const key = part.slice(0, equals).trim();
    const access = WORD_ACCESS.get(part.slice(equals + 1).trim().toLowerCase());
    if (key && access) result[key] = access;
  }
  return result;
}

/** Access by key → `key=access,...`, in the order of `order` first (the form's), then the rest.
 * READ_ONLY is written too: it is the default, but spelling it out reads better. */
export function formatFieldsAttribute(access: Readonly<Record<string, TicketFieldAccess>>, order: readonly string[] = []): string {
  const keys = [...order.filter((key) => key in access), ...Object.keys(access).filter((key) => !order.includes(key))];
  return keys.map((key) => `${key}=${ACCESS_WORDS[access[key]!]}`).join(",");
}

// --- durations ------------------------------------------------------------------------

/** An ISO-8601 duration (`P1DT4H30M`, `PT45S`) in seconds; null when it is not one. */
export function durationSeconds(text: string | null | undefined): number | null {
  const match = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec((text ?? "").trim().toUpperCase());
  if (!match || text!.trim().toUpperCase() === "P" || text!.trim().toUpperCase().endsWith("T")) return null;
  const [, weeks, days, hours, minutes, seconds] = match;
  return Number(weeks ?? 0) * 604_800 + Number(days ?? 0) * 86_400 + Number(hours ?? 0) * 3600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0);
}

/** Hours and minutes of a duration (days count as 24 hours); null when it is not one. */
export function parseDuration(text: string | null | undefined): { hours: number; minutes: number } | null {
  const seconds = durationSeconds(text);
  if (seconds === null) return null;
  const totalMinutes = Math.round(seconds / 60);
  return { hours: Math.floor(totalMinutes / 60), minutes: totalMinutes % 60 };
}

/** Hours and minutes as `PT4H30M`; empty for none. */
export function formatDuration(hours: number | null | undefined, minutes: number | null | undefined): string {
  const h = Math.max(0, Math.floor(hours ?? 0));
  const m = Math.max(0, Math.floor(minutes ?? 0));
  if (h === 0 && m === 0) return "";
  return `PT${h > 0 ? `${h}H` : ""}${m > 0 ? `${m}M` : ""}`;
}

/** Days and hours of a duration (weeks count as 7 days; what is below an hour is dropped); null when it is not one. */
export function parseDaysHours(text: string | null | undefined): { days: number; hours: number } | null {
  const seconds = durationSeconds(text);
  if (seconds === null) return null;
  const totalHours = Math.floor(seconds / 3600);
  return { days: Math.floor(totalHours / 24), hours: totalHours % 24 };
}

/** Days and hours as `P2DT6H` (`P3D`, `PT12H`); empty for none. */
export function formatDaysHours(days: number | null | undefined, hours: number | null | undefined): string {
  const d = Math.max(0, Math.floor(days ?? 0));
  const h = Math.max(0, Math.floor(hours ?? 0));
  if (d === 0 && h === 0) return "";
  return `P${d > 0 ? `${d}D` : ""}${h > 0 ? `T${h}H` : ""}`;
}

/** How long an outside collaborator's link may stay valid (`hotline:link-lifetime`), in seconds, as the server checks it. */
export const LINK_LIFETIME_SECONDS = { min: 3600, max: 90 * 86_400, default: 7 * 86_400 } as const;

// --- hotline:assignee -----------------------------------------------------------------

export type Assignee =
  | { kind: "starter" }
  | { kind: "user" | "role" | "unit"; id: string }
  | { kind: "field"; key: string }
  /** An outside person, mailed a link to the step's form: a fixed address… */
  | { kind: "external"; address: string }
  /** …or the address in a form field. */
  | { kind: "externalField"; key: string };

export function parseAssignee(text: string | null | undefined): Assignee | null {
  const value = (text ?? "").trim();
  if (value === "starter") return { kind: "starter" };
  const colon = value.indexOf(":");
  if (colon <= 0) return null;
  const kind = value.slice(0, colon);
  const rest = value.slice(colon + 1).trim();
  if (!rest) return null;
  if (kind === "user" || kind === "role" || kind === "unit") return { kind, id: rest };
  if (kind === "field") return { kind, key: rest };
  if (kind === "external") return { kind, address: rest };
  if (kind === "external-field") return { kind: "externalField", key: rest };
  return null;
}

export function formatAssignee(assignee: Assignee): string {
  switch (assignee.kind) {
    case "starter":
      return "starter";
    case "field":
      return `field:${assignee.key}`;
    case "external":
      return `external:${assignee.address}`;
    case "externalField":
      return `external-field:${assignee.key}`;
    default:
      return `${assignee.kind}:${assignee.id}`;
  }
}

// --- the form-js schema ---------------------------------------------------------------

interface Component {
  key?: unknown;
  type?: unknown;
  label?: unknown;
  components?: unknown;
  validate?: Record<string, unknown>;
  [other: string]: unknown;
}

function componentsOf(container: unknown): Component[] {
  const list = (container as { components?: unknown } | null)?.components;
  return Array.isArray(list) ? (list as Component[]) : [];
}

export interface FormField {
  key: string;
  label: string;
}

/** The value fields of a form-js schema (components with a `key`, groups entered), in order. */
export function formFields(schema: FormSchema | null | undefined): FormField[] {
  const found: FormField[] = [];
  const walk = (container: unknown) => {
    for (const component of componentsOf(container)) {
      if (typeof component.key === "string" && component.key) {
        found.push({ key: component.key, label: typeof component.label === "string" && component.label ? component.label : component.key });
      }
      walk(component);
    }
  };
  walk(schema);
  return found;
}

export function formFieldKeys(schema: FormSchema | null | undefined): string[] {
  return formFields(schema).map((field) => field.key);
}

/** A new type's first form: one text area, so that its first ticket says something. */
export function starterForm(description: string): FormSchema {
  return {
    type: "default",
    id: "ticket",
    schemaVersion: 18,
    components: [{ type: "textarea", key: "description", label: description, id: "Field_description" }],
  };
}

/**
 * The schema as a step shows it. `rules` null: every field read-only (no task of mine);
 * `"all"`: every field as designed (a new ticket). Otherwise HIDDEN fields are removed,
 * READ_ONLY ones (and those not listed) disabled, EDITABLE ones enabled, REQUIRED ones
 * enabled and `validate.required`. The mobile layout, when there is one, likewise.
 */
export function schemaForStep(schema: FormSchema, rules: readonly TicketFieldRule[] | null | "all"): FormSchema {
  if (rules === "all") return schema;
  const access = new Map((rules ?? []).map((rule) => [rule.key, rule.access]));
  const convert = (components: Component[]): Component[] =>
    components.flatMap((component) => {
      const next: Component = { ...component };
      if (Array.isArray(component.components)) next.components = convert(component.components as Component[]);
      if (typeof component.key !== "string" || !component.key) return [next];
      const level = access.get(component.key) ?? "READ_ONLY";
      if (level === "HIDDEN") return [];
      if (level === "READ_ONLY") return [{ ...next, disabled: true, readonly: true }];
      const { disabled: _disabled, readonly: _readonly, ...enabled } = next;
      if (level === "REQUIRED") return [{ ...enabled, validate: { ...(component.validate ?? {}), required: true } }];
      return [enabled];
    });
  const converted: FormSchema = { ...schema, components: convert(componentsOf(schema)) };
  // The mobile layout (see `formLayout.ts`) shows the same fields: the same access applies.
  const mobile = schema.mobileLayout as { components?: unknown } | null | undefined;
  if (mobile && typeof mobile === "object" && Array.isArray(mobile.components)) converted.mobileLayout = { ...mobile, components: convert(mobile.components as Component[]) };
  return converted;
}

/** The values a step may send: those of its EDITABLE and REQUIRED fields. */
export function editableValues(values: FormValues, rules: readonly TicketFieldRule[]): FormValues {
  const result: FormValues = {};
  for (const rule of rules) {
    if ((rule.access === "EDITABLE" || rule.access === "REQUIRED") && rule.key in values) result[rule.key] = values[rule.key];
  }
  return result;
}

/** The values of the form's own fields (form-js adds nothing else, but a stale key might). */
export function formValues(values: FormValues, schema: FormSchema): FormValues {
  const keys = new Set(formFieldKeys(schema));
  return Object.fromEntries(Object.entries(values).filter(([key]) => keys.has(key)));
}

/**
 * The values the user gave: the form's, without those the rules calculated into their fields
 * (`FormView`'s `onCalculatedKeys`). The rules run on these (a calculated value fed back would
 * no longer count as calculated, and one that feeds on itself would never stop) and they are
 * what is sent: the server calculates the rest again.
 */
export function typedValues(values: FormValues, calculatedKeys: readonly string[]): FormValues {
  return calculatedKeys.length === 0 ? values : Object.fromEntries(Object.entries(values).filter(([key]) => !calculatedKeys.includes(key)));
}

// --- the workflow ---------------------------------------------------------------------

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A new type's workflow: start → "Handle" (the starter, every field editable) → end. */
export function templateXml(fieldKeys: readonly string[], stepName = "Handle"): string {
  const fields = formatFieldsAttribute(Object.fromEntries(fieldKeys.map((key) => [key, "EDITABLE" as TicketFieldAccess])), fieldKeys);
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:hotline="${HOTLINE_NS}" id="Definitions_ticket" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="Process_ticket" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1">
      <bpmn:outgoing>Flow_start</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="Task_handle" name="${escapeXml(stepName)}" hotline:assignee="starter" hotline:fields="${escapeXml(fields)}">
      <bpmn:incoming>Flow_start</bpmn:incoming>
      <bpmn:outgoing>Flow_end</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1">
      <bpmn:incoming>Flow_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_start" sourceRef="StartEvent_1" targetRef="Task_handle" />
    <bpmn:sequenceFlow id="Flow_end" sourceRef="Task_handle" targetRef="EndEvent_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_ticket">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="152" y="102" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Task_handle_di" bpmnElement="Task_handle">
        <dc:Bounds x="240" y="80" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="EndEvent_1_di" bpmnElement="EndEvent_1">
        <dc:Bounds x="392" y="102" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_start_di" bpmnElement="Flow_start">
        <di:waypoint x="188" y="120" />
        <di:waypoint x="240" y="120" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_end_di" bpmnElement="Flow_end">
        <di:waypoint x="340" y="120" />
        <di:waypoint x="392" y="120" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
}

// --- errors ---------------------------------------------------------------------------

/** `ticket.invalid_values`' problems by field (`extensions.fields`, else its message). */
export function ticketFieldErrors(error: unknown): { field: string; message: string }[] {
  if (!(error instanceof GraphqlError) || error.code !== "ticket.invalid_values") return [];
  const listed = error.extensions.fields;
  if (Array.isArray(listed)) {
    return listed.flatMap((entry: unknown) => {
      const candidate = entry as { field?: unknown; message?: unknown } | null;
      return typeof candidate?.field === "string" && typeof candidate.message === "string" ? [{ field: candidate.field, message: candidate.message }] : [];
    });
  }
  return error.serverMessage
    .split(";")
    .map((part) => part.trim())
    .flatMap((part) => {
      const colon = part.indexOf(":");
      return colon > 0 ? [{ field: part.slice(0, colon).trim(), message: part.slice(colon + 1).trim() }] : [];
    });
}

export { overdue } from "./due";

/** Codes whose server message says more than our text (it names the problems): shown too. */
const DETAILED_CODES = new Set([
  "ticket.broken_workflow",
  "ticket.no_way_out",
  "ticket.no_assignee",
  "ticket.workflow_loops",
  "ticket_type.invalid_workflow",
  "ticket_type.invalid_condition",
  "ticket_type.invalid_form",
  "ticket_type.too_large",
  "ticket_type.rules_failed",
]);

/** The server's own message of a refusal worth showing in full; null otherwise. */
export function serverDetail(error: unknown): string | null {
  return error instanceof GraphqlError && DETAILED_CODES.has(error.code) && error.serverMessage ? error.serverMessage : null;
}
