/**
 * Hotline's own form-js field types as form-js components (preact, as form-js renders):
 * users, groups, departments, a designer's static tree, related tickets, a designer's query
 * (dictionary entries or customers), files, months, phone numbers, rich text, hidden values
 * and approvals. Each draws
 * form-js's label, description and errors around a slot that `FormView` fills with the antd
 * control (see `fieldPortals.ts`); in the form designer, which has no slots, a greyed preview.
 * A hidden field draws nothing in a filled-in form, only its value is kept.
 * `hotlineFieldsModule` registers them (viewer and designer); `hotlineViewerModule` adds what
 * only a filled-in form needs.
 */
import { Description, Errors, FormContext, Label } from "@bpmn-io/form-js";
import { type FunctionComponent, h, type VNode } from "preact";
import { useContext, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { FieldPortals } from "./fieldPortals";
import { emptyValue, HOTLINE_FIELD_TYPES, type HotlineField, type HotlineFieldType, isHotlineFieldType, sanitizeValue, type ValueProblem, valueProblem } from "./fieldTypes";

/** The props form-js gives a field component (`FormField` in form-js-viewer). */
interface FormFieldProps {
  field: HotlineField;
  value: unknown;
  errors?: string[];
  disabled?: boolean;
  readonly?: boolean;
  domId: string;
  onChange: (update: { value: unknown }) => void;
  onBlur?: () => void;
}

/** The properties panel entries form-js itself provides for these types. */
const PROPERTIES_PANEL_ENTRIES = ["key", "label", "description", "disabled", "readonly", "required"];

/** Palette names (form-js's palette is English only) and designer previews. */
const NAMES: Record<HotlineFieldType, { name: string; preview: string }> = {
  "hotline-user": { name: "User", preview: "Choose a user" },
  "hotline-group": { name: "User group", preview: "Choose a group" },
  "hotline-department": { name: "Department", preview: "Choose a department" },
  "hotline-tree": { name: "Tree select", preview: "Choose from the tree" },
  "hotline-relation": { name: "Related ticket", preview: "Choose a ticket" },
  "hotline-query": { name: "Query", preview: "Choose from the query" },
  "hotline-upload": { name: "File upload", preview: "Upload files" },
  "hotline-month": { name: "Month", preview: "Choose a month" },
  "hotline-phone": { name: "Phone", preview: "Enter a phone number" },
  "hotline-richtext": { name: "Rich text", preview: "Enter formatted text" },
  "hotline-hidden": { name: "Hidden", preview: "Hidden field" },
  "hotline-approval": { name: "Approval", preview: "Approve or reject, with an opinion" },
};

/** Palette groups (form-js 1.23's are fixed: an unknown one breaks the palette): values typed
 * or uploaded go with the inputs, the pickers and decisions with the selections. */
const INPUT_TYPES: readonly HotlineFieldType[] = ["hotline-upload", "hotline-month", "hotline-phone", "hotline-richtext", "hotline-hidden"];

/** Palette icons, drawn in form-js's 54×54 icon box. */
const ICON_PATHS: Record<HotlineFieldType, string> = {
  "hotline-user": "M27 13a7 7 0 1 1 0 14a7 7 0 1 1 0-14zM13 41c0-7 6-11 14-11s14 4 14 11z",
  "hotline-group": "M20 15a6 6 0 1 1 0 12a6 6 0 1 1 0-12zM35 17a5 5 0 1 1 0 10a5 5 0 1 1 0-10zM8 40c0-6 5-10 12-10s12 4 12 10zM34 40c0-4-1-7-4-9c1-1 3-1 5-1c6 0 11 3 11 10z",
  "hotline-department": "M22 9h10v8H22zM10 35h10v8H10zM34 35h10v8H34zM26 17h2v8h11v10h-2v-8H17v8h-2V25h11z",
  "hotline-tree": "M10 10h8v6h-8zM22 22h8v6h-8zM22 36h8v6h-8zM13 16h2v25h7v2h-9zM15 24h7v2h-7z",
  "hotline-relation": "M23 31l8-8l2 2l-8 8zM19 27l4-4a7 7 0 0 1 9 0l-2 2a4 4 0 0 0-5 0l-4 4a4 4 0 0 0 6 6l1-1l2 2l-1 1a7 7 0 0 1-10-10zM35 27l-4 4a7 7 0 0 1-9 0l2-2a4 4 0 0 0 5 0l4-4a4 4 0 0 0-6-6l-1 1l-2-2l1-1a7 7 0 0 1 10 10z",
  "hotline-query": "M23 11a12 12 0 1 1 0 24a12 12 0 1 1 0-24zM23 14a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM31 33l2-2l10 10l-2 2zM17 19h12v2H17zM17 24h12v2H17zM17 29h8v2h-8z",
  "hotline-upload": "M26 12h2l9 9l-2 2l-7-7v19h-2V16l-7 7l-2-2zM12 37h2v4h26v-4h2v6H12z",
  "hotline-month": "M13 15h28v26H13zM16 22v16h22V22zM19 11h3v7h-3zM32 11h3v7h-3zM19 26h4v4h-4zM25 26h4v4h-4zM31 26h4v4h-4zM19 32h4v4h-4z",
  "hotline-phone": "M19 9h16a3 3 0 0 1 3 3v30a3 3 0 0 1-3 3H19a3 3 0 0 1-3-3V12a3 3 0 0 1 3-3zM19 14v24h16V14zM27 40a1.5 1.5 0 1 0 0 3a1.5 1.5 0 1 0 0-3z",
  "hotline-richtext": "M11 11h22v6h-2v-3h-7v22h3v2H17v-2h3V14h-7v3h-2zM30 23h13v2H30zM30 29h13v2H30zM11 41h32v2H11z",
  "hotline-hidden": "M27 17c8 0 14 6 17 10c-3 4-9 10-17 10s-14-6-17-10c3-4 9-10 17-10zM27 20c-6 0-11 4-13.5 7c2.5 3 7.5 7 13.5 7s11-4 13.5-7c-2.5-3-7.5-7-13.5-7zM27 22a5 5 0 1 1 0 10a5 5 0 1 1 0-10zM12 13l2-2l30 30l-2 2z",
  "hotline-approval": "M27 10a17 17 0 1 1 0 34a17 17 0 1 1 0-34zM27 13a14 14 0 1 0 0 28a14 14 0 1 0 0-28zM18 27l2-2l5 5l10-10l2 2l-12 12z",
};

// form-js types Label's children as one VNode, which preact's `h` cannot check against.
const FieldLabel = Label as FunctionComponent<{ htmlFor: string; label?: string; required: boolean }>;

let slotCount = 0;

function fieldClasses(type: string, invalid: boolean, disabled: boolean, readonly: boolean): string {
  return ["fjs-form-field", `fjs-form-field-${type}`, invalid ? "fjs-has-errors" : "", disabled ? "fjs-disabled" : "", readonly ? "fjs-readonly" : ""].filter(Boolean).join(" ");
}

/** The designer's preview of a hidden field, as form-js previews its own expression fields. */
function HiddenPreview({ field }: FormFieldProps): VNode {
  return h(
    "div",
    { class: fieldClasses(field.type, false, false, false) },
    h("div", { class: "fjs-form-field-placeholder" }, iconSvg(field.type, { viewBox: "0 0 54 54" }), `${NAMES[field.type].preview}: ${field.key}`),
  );
}

/** One field: label, the control's slot (or the designer's preview), description, errors. */
function HotlineFormField(props: FormFieldProps): VNode {
  const { field, value, errors = [], disabled = false, readonly = false, domId } = props;
  const portals = useContext(FormContext).getService("hotlineFieldPortals", false) as FieldPortals | null;
  const slot = useRef<HTMLDivElement>(null);
  const [slotId] = useState(() => `hotline-field-${++slotCount}`);

  // Every render hands the control what it shows now.
  useLayoutEffect(() => {
    if (!portals || !slot.current) return;
    portals.set({
      id: slotId,
      element: slot.current,
      state: { field, value, domId, disabled, readonly, invalid: errors.length > 0, onChange: (next) => props.onChange({ value: next }), onBlur: () => props.onBlur?.() },
    });
  });
  useLayoutEffect(() => () => portals?.remove(slotId), [portals, slotId]);

  const descriptionId = `${domId}-description`;
  const errorId = `${domId}-error-message`;
  return h(
    "div",
    { class: fieldClasses(field.type, errors.length > 0, disabled, readonly) },
    h(FieldLabel, { htmlFor: domId, label: field.label, required: field.validate?.required === true }),
    portals
      ? h("div", { ref: slot, class: "hotline-field-control" })
      : h("input", { class: "fjs-input", type: "text", id: domId, disabled: true, placeholder: NAMES[field.type].preview }),
    h(Description, { id: descriptionId, description: field.description }),
    h(Errors, { id: errorId, errors }),
  );
}

function iconSvg(type: HotlineFieldType, props: Record<string, unknown>): VNode {
  return h("svg", { xmlns: "http://www.w3.org/2000/svg", fill: "currentColor", ...props }, h("path", { d: ICON_PATHS[type] }));
}

function icon(type: HotlineFieldType) {
  return (props: Record<string, unknown>) => iconSvg(type, props);
}

/** A form-js component of one type: the shared field (a hidden one's preview) with the type's static `config`. */
function fieldComponent(type: HotlineFieldType) {
  const component = (props: FormFieldProps) => (type === "hotline-hidden" ? HiddenPreview(props) : HotlineFormField(props));
  component.config = {
    type,
    keyed: true,
    label: NAMES[type].name,
    group: INPUT_TYPES.includes(type) ? "basic-input" : "selection",
    emptyValue: emptyValue({ type }),
    sanitizeValue: ({ formField, value }: { formField: HotlineField; value: unknown }) => sanitizeValue(formField, value),
    // A new query field lists a dictionary until the designer says otherwise.
    create: (options: Record<string, unknown> = {}) => ({ label: NAMES[type].name, ...(type === "hotline-query" ? { source: "dictionary" } : {}), ...options }),
    propertiesPanelEntries: PROPERTIES_PANEL_ENTRIES,
    icon: icon(type),
  };
  return component;
}

const HOTLINE_FORM_FIELDS = HOTLINE_FIELD_TYPES.map(fieldComponent);

interface FormFieldsService {
  register: (type: string, component: unknown) => void;
}

class HotlineFieldsRegistration {
  static $inject = ["formFields"];
  constructor(formFields: FormFieldsService) {
    for (const component of HOTLINE_FORM_FIELDS) formFields.register(component.config.type, component);
  }
}

/** Registers the field types (form-js `additionalModules`, viewer and designer alike). */
export const hotlineFieldsModule = {
  __init__: ["hotlineFields"],
  hotlineFields: ["type", HotlineFieldsRegistration],
};

interface EventBus {
  on: (event: string, listener: (event: { formField: { type?: unknown; multiple?: boolean; defaultValue?: unknown } }) => void) => void;
}

/**
 * A multiple picker starts as `[]`, not its type's null: form-js's `emptyValue` is one per
 * type, but a field without a value starts as its `defaultValue`, so that is set as each
 * imported field is registered (the viewer's copy only, never the saved schema).
 */
class MultipleStartsEmpty {
  static $inject = ["eventBus"];
  constructor(eventBus: EventBus) {
    eventBus.on("formField.add", ({ formField }) => {
      if (isHotlineFieldType(formField.type) && formField.defaultValue === undefined) {
        formField.defaultValue = emptyValue({ type: formField.type, multiple: formField.multiple });
      }
    });
  }
}

/** A filled-in form's hidden field: nothing drawn, not even form-js's column around it
 * (`escapeGridRender`, as form-js's expression fields), while form-js keeps its value. */
function HiddenValue(): null {
  return null;
}
HiddenValue.config = { ...fieldComponent("hotline-hidden").config, escapeGridRender: true };

class HiddenValueRegistration {
  static $inject = ["formFields"];
  constructor(formFields: FormFieldsService) {
    formFields.register(HiddenValue.config.type, HiddenValue);
  }
}

interface ValidatorService {
  validateFieldInstance: (fieldInstance: { id: string }, value: unknown) => string[];
}

interface FormFieldRegistry {
  get: (id: string) => { type?: unknown } | undefined;
}

/**
 * form-js checks only what a field's `validate` says; phone numbers and rich text are also
 * checked as the server checks them, so that the form's errors show the problem (under the
 * field, in the page's language) and `validate` refuses to send it. form-js's validator is
 * not exported to extend: its instance's check is wrapped.
 */
class ValueChecks {
  static $inject = ["validator", "formFieldRegistry", "hotlineProblemText"];
  constructor(validator: ValidatorService, registry: FormFieldRegistry, problemText: (problem: ValueProblem) => string) {
    const formJsChecks = validator.validateFieldInstance.bind(validator);
    validator.validateFieldInstance = (fieldInstance, value) => {
      const errors = formJsChecks(fieldInstance, value);
      const type = registry.get(fieldInstance.id)?.type;
      const problem = isHotlineFieldType(type) ? valueProblem({ type }, value) : null;
      return problem ? [...errors, problemText(problem)] : errors;
    };
  }
}

/** The viewer's module: the field types (hidden ones drawing nothing), multiple pickers
 * starting empty, the server's checks of typed values (`problemText` words their problems)
 * and the slots the page's controls fill. */
export function hotlineViewerModule(portals: FieldPortals, problemText: (problem: ValueProblem) => string) {
  return {
    __depends__: [hotlineFieldsModule],
    __init__: ["hotlineHiddenValues", "hotlineMultipleStartsEmpty", "hotlineValueChecks"],
    hotlineHiddenValues: ["type", HiddenValueRegistration],
    hotlineMultipleStartsEmpty: ["type", MultipleStartsEmpty],
    hotlineValueChecks: ["type", ValueChecks],
    hotlineProblemText: ["value", problemText],
    hotlineFieldPortals: ["value", portals],
  };
}
