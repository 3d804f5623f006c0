/**
 * The form designer's properties of Hotline's own fields (`tickets/fields`), added to
 * form-js's General group: "Multiple" for the pickers and files (the other types hold one
 * value), "Value" for `hotline-hidden` (its `defaultValue`: what new tickets start with),
 * "Tree" for `hotline-tree` (its nodes as text, see `tickets/fields/tree.ts`), "Accepted
 * files" for `hotline-upload`, and for `hotline-query` "Source", then "Dictionary" (a
 * dictionary source) or "Columns" and "Conditions" (the customers source, as text: see
 * `tickets/fields/conditions.ts`). Each change goes
 * through the editor's `modeling.editFormField` (the `editField` form-js hands providers), so
 * that it is undoable and `changed` reports the schema with it.
 *
 * The entries are drawn here with the panel's own classes: form-js's editor carries its own
 * copy of the panel's entry components and does not export them.
 */
import { usePropertiesPanelService } from "@bpmn-io/form-js";
import { h, type VNode } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { formatColumns, formatConditions, MAX_COLUMNS, parseColumns, parseConditions, QUERY_CONDITION_OPS } from "../../tickets/fields/conditions";
import { type HotlineField, isHotlineFieldType, MAX_HIDDEN_CHARS, type QuerySource, takesMultiple } from "../../tickets/fields/fieldTypes";
import { formatTree, parseTree } from "../../tickets/fields/tree";
import type { DesignerLists, DesignerListsSnapshot } from "./designerLists";

/** One property and its value, or several at once (one undoable change). */
type EditField = (field: HotlineField, property: string | Record<string, unknown>, value?: unknown) => void;

interface EntryProps {
  id: string;
  field: HotlineField;
  editField: EditField;
}

function inputId(id: string): string {
  return `bio-properties-panel-${id}`;
}

function description(text: string): VNode {
  return h("div", { class: "bio-properties-panel-description" }, text);
}

function MultipleEntry({ id, field, editField }: EntryProps) {
  return h(
    "div",
    { class: "bio-properties-panel-entry bio-properties-panel-checkbox-entry", "data-entry-id": id },
    h(
      "div",
      { class: "bio-properties-panel-checkbox" },
      h("input", {
        id: inputId(id),
        name: id,
        type: "checkbox",
        class: "bio-properties-panel-input",
        checked: field.multiple === true,
        onChange: (event: Event) => editField(field, "multiple", (event.currentTarget as HTMLInputElement).checked),
      }),
      h("label", { for: inputId(id), class: "bio-properties-panel-label" }, "Multiple"),
    ),
    description(field.type === "hotline-upload" ? "Holds several files" : "Holds several choices"),
  );
}

interface TextEntryProps {
  id: string;
  label: string;
  hint: string;
  /** The property as text. */
  value: string;
  /** The text as the property will read back (the typed text stays while it reads as `value`). */
  normalize: (text: string) => string;
  commit: (text: string) => void;
  rows?: number;
  placeholder?: string;
  /** What is wrong with the typed text (shown under the entry), or null. */
  problem?: (text: string) => string | null;
}

/** A text or text-area entry: typed text is committed after the panel's usual pause. */
function TextEntry({ id, label, hint, value, normalize, commit, rows, placeholder, problem }: TextEntryProps) {
  const debounce = usePropertiesPanelService("debounce", true) as (fn: (text: string) => void) => (text: string) => void;
  const [text, setText] = useState(value);
  const latestCommit = useRef(commit);
  latestCommit.current = commit;
  const commitSoon = useMemo(() => debounce((typed) => latestCommit.current(typed)), [debounce]);
  // Changed elsewhere (undo): show the property, unless what is typed already reads as it.
  useEffect(() => {
    if (normalize(text) !== value) setText(value);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new value replaces the text
  }, [value]);
  const onInput = (event: Event) => {
    const typed = (event.currentTarget as HTMLInputElement | HTMLTextAreaElement).value;
    setText(typed);
    commitSoon(typed);
  };
  const input = rows
    ? h("textarea", { id: inputId(id), name: id, class: "bio-properties-panel-input bio-properties-panel-input-monospace", rows, spellcheck: false, value: text, onInput })
    : h("input", { id: inputId(id), name: id, type: "text", class: "bio-properties-panel-input", spellcheck: false, autoComplete: "off", placeholder, value: text, onInput });
  const error = problem?.(text) ?? null;
  return h(
    "div",
    { class: `bio-properties-panel-entry${error ? " has-error" : ""}`, "data-entry-id": id },
    h("div", { class: rows ? "bio-properties-panel-textarea" : "bio-properties-panel-textfield" }, h("label", { for: inputId(id), class: "bio-properties-panel-label" }, label), input),
    error ? h("div", { class: "bio-properties-panel-error", "data-testid": `${id}-error` }, error) : null,
    description(hint),
  );
}

interface SelectEntryProps {
  id: string;
  label: string;
  hint?: string;
  value: string;
  options: { value: string; label: string }[];
  onChange: (value: string) => void;
}

/** A select entry, committed as chosen. */
function SelectEntry({ id, label, hint, value, options, onChange }: SelectEntryProps) {
  return h(
    "div",
    { class: "bio-properties-panel-entry", "data-entry-id": id },
    h(
      "div",
      { class: "bio-properties-panel-select" },
      h("label", { for: inputId(id), class: "bio-properties-panel-label" }, label),
      h(
        "select",
        { id: inputId(id), name: id, class: "bio-properties-panel-input", value, onChange: (event: Event) => onChange((event.currentTarget as HTMLSelectElement).value) },
        options.map((option) => h("option", { key: option.value, value: option.value }, option.label)),
      ),
    ),
    hint ? description(hint) : null,
  );
}

const NO_LISTS: DesignerListsSnapshot = { dictionaries: null, customerFields: null };

/** The tenant's dictionaries and customer fields, as `FormDesigner` loads them (null until then). */
function useDesignerLists(): DesignerListsSnapshot {
  const lists = usePropertiesPanelService("hotlineDesignerLists", false) as DesignerLists | null;
  const [snapshot, setSnapshot] = useState(() => lists?.getSnapshot() ?? NO_LISTS);
  useEffect(() => {
    if (!lists) return undefined;
    setSnapshot(lists.getSnapshot());
    return lists.subscribe(() => setSnapshot(lists.getSnapshot()));
  }, [lists]);
  return snapshot;
}

const SOURCES: { value: QuerySource; label: string }[] = [
  { value: "dictionary", label: "Dictionary" },
  { value: "customers", label: "Customers" },
];

function querySource(field: HotlineField): QuerySource {
  return field.source === "customers" ? "customers" : "dictionary";
}

/** The source; switching drops what only the other one reads. */
function QuerySourceEntry({ id, field, editField }: EntryProps) {
  return h(SelectEntry, {
    id,
    label: "Source",
    hint: "Where the options come from: a dictionary's entries or the customer directory",
    value: querySource(field),
    options: SOURCES,
    onChange: (source) =>
      editField(field, source === "customers" ? { source, dictionary: undefined } : { source: "dictionary", conditions: undefined, columns: undefined }),
  });
}

const readCode = (text: string) => text.trim();

function DictionaryEntry({ id, field, editField }: EntryProps) {
  const { dictionaries } = useDesignerLists();
  const current = field.dictionary ?? "";
  if (!dictionaries) {
    return h(TextEntry, {
      id,
      label: "Dictionary",
      hint: "The dictionary's code (Administration › Dictionaries)",
      placeholder: "regions",
      value: current,
      normalize: readCode,
      commit: (text) => editField(field, "dictionary", readCode(text) || undefined),
    });
  }
  const options = [{ value: "", label: "(choose a dictionary)" }, ...dictionaries.map((dictionary) => ({ value: dictionary.code, label: `${dictionary.name} (${dictionary.code})` }))];
  // A code the tenant no longer has stays shown as it is.
  if (current && !dictionaries.some((dictionary) => dictionary.code === current)) options.push({ value: current, label: `${current} (unknown)` });
  return h(SelectEntry, {
    id,
    label: "Dictionary",
    hint: "Its enabled entries are the options; the value is the entry's code",
    value: current,
    options,
    onChange: (code) => editField(field, "dictionary", code || undefined),
  });
}

const readColumns = (text: string) => formatColumns(parseColumns(text));

function ColumnsEntry({ id, field, editField }: EntryProps) {
  const { customerFields } = useDesignerLists();
  const keys = customerFields?.length ? `: ${customerFields.map((customerField) => `${customerField.key} (${customerField.label})`).join(", ")}` : "";
  return h(TextEntry, {
    id,
    label: "Columns",
    hint: `Customer field keys shown beside each customer's name, comma-separated, at most ${MAX_COLUMNS}${keys}`,
    placeholder: "phone, city",
    value: formatColumns(field.columns),
    normalize: readColumns,
    commit: (text) => {
      const columns = parseColumns(text);
      editField(field, "columns", columns.length > 0 ? columns : undefined);
    },
  });
}

const readConditions = (text: string) => formatConditions(parseConditions(text).conditions);

function conditionProblem(text: string): string | null {
  const { errors } = parseConditions(text);
  return errors.length > 0 ? errors.map((error) => `Line ${error.line}: ${error.message}`).join("; ") : null;
}

function ConditionsEntry({ id, field, editField }: EntryProps) {
  return h(TextEntry, {
    id,
    label: "Conditions",
    hint: `The customers offered (all without a condition): one a line, "field op value", "field between low high" or "field is_empty"; a value with spaces in "quotes". Operators: ${QUERY_CONDITION_OPS.join(", ")}. Lines with an error are not saved.`,
    rows: 5,
    value: formatConditions(field.conditions),
    normalize: readConditions,
    problem: conditionProblem,
    commit: (text) => {
      const { conditions } = parseConditions(text);
      editField(field, "conditions", conditions.length > 0 ? conditions : undefined);
    },
  });
}

const readTree = (text: string) => formatTree(parseTree(text));

function TreeEntry({ id, field, editField }: EntryProps) {
  return h(TextEntry, {
    id,
    label: "Tree",
    hint: "One option a line, two spaces of indentation a level: value | label, or just the label",
    rows: 8,
    value: formatTree(field.tree),
    normalize: readTree,
    commit: (text) => editField(field, "tree", parseTree(text)),
  });
}

const readAccept = (text: string) => text.trim();

function AcceptEntry({ id, field, editField }: EntryProps) {
  return h(TextEntry, {
    id,
    label: "Accepted files",
    hint: "Comma-separated extensions or types; empty: any file",
    placeholder: ".pdf,image/*",
    value: field.accept ?? "",
    normalize: readAccept,
    commit: (text) => editField(field, "accept", readAccept(text) || undefined),
  });
}

const asTyped = (text: string) => text;

/** Longer than the server keeps (in characters, as it counts them). */
const tooLongHidden = (text: string) => [...text].length > MAX_HIDDEN_CHARS;

function HiddenValueEntry({ id, field, editField }: EntryProps) {
  return h(TextEntry, {
    id,
    label: "Value",
    hint: "What new tickets hold; users never see it (rules and services may change it)",
    value: field.defaultValue ?? "",
    normalize: asTyped,
    problem: (text) => (tooLongHidden(text) ? `At most ${MAX_HIDDEN_CHARS} characters: not saved` : null),
    commit: (text) => {
      if (!tooLongHidden(text)) editField(field, "defaultValue", text || undefined);
    },
  });
}

/** Whether an entry holds something (the group's "edited" dot), given its input. */
const isChecked = (input: HTMLInputElement | null) => input?.checked === true;
const hasText = (input: HTMLInputElement | null) => Boolean(input?.value);

function queryEntries(field: HotlineField, editField: EditField) {
  const common = { field, editField };
  const source = { id: "hotline-query-source", component: QuerySourceEntry, isEdited: hasText, ...common };
  if (querySource(field) === "dictionary") return [source, { id: "hotline-query-dictionary", component: DictionaryEntry, isEdited: hasText, ...common }];
  return [
    source,
    { id: "hotline-query-columns", component: ColumnsEntry, isEdited: hasText, ...common },
    { id: "hotline-query-conditions", component: ConditionsEntry, isEdited: hasText, ...common },
  ];
}

function entries(field: HotlineField, editField: EditField) {
  const common = { field, editField };
  return [
    ...(takesMultiple(field.type) ? [{ id: "hotline-multiple", component: MultipleEntry, isEdited: isChecked, ...common }] : []),
    ...(field.type === "hotline-hidden" ? [{ id: "hotline-hidden-value", component: HiddenValueEntry, isEdited: hasText, ...common }] : []),
    ...(field.type === "hotline-tree" ? [{ id: "hotline-tree", component: TreeEntry, isEdited: hasText, ...common }] : []),
    ...(field.type === "hotline-upload" ? [{ id: "hotline-accept", component: AcceptEntry, isEdited: hasText, ...common }] : []),
    ...(field.type === "hotline-query" ? queryEntries(field, editField) : []),
  ];
}

interface Group {
  id: string;
  entries?: unknown[];
}

interface PropertiesPanel {
  registerProvider: (provider: HotlinePropertiesProvider, priority: number) => void;
}

/** Runs after form-js's own provider (a lower priority), adding to its General group. */
class HotlinePropertiesProvider {
  static $inject = ["propertiesPanel"];
  constructor(propertiesPanel: PropertiesPanel) {
    propertiesPanel.registerProvider(this, 500);
  }

  getGroups(field: HotlineField | null, editField: EditField) {
    return (groups: Group[]) => {
      if (!field || !isHotlineFieldType(field.type)) return groups;
      const general = groups.find((group) => group.id === "general");
      if (general) general.entries = [...(general.entries ?? []), ...entries(field, editField)];
      return groups;
    };
  }
}

/** The designer's module for the properties (with `hotlineFieldsModule` for the types). */
export const hotlinePropertiesModule = {
  __init__: ["hotlinePropertiesProvider"],
  hotlinePropertiesProvider: ["type", HotlinePropertiesProvider],
};
