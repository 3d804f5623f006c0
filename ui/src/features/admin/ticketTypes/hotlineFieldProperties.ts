/**
 * The form designer's properties of Hotline's own fields (`tickets/fields`), added to
 * form-js's General group: "Multiple" for every one, "Tree" for `hotline-tree` (its nodes as
 * text, see `tickets/fields/tree.ts`), "Accepted files" for `hotline-upload`. Each change goes
 * through the editor's `modeling.editFormField` (the `editField` form-js hands providers), so
 * that it is undoable and `changed` reports the schema with it.
 *
 * The entries are drawn here with the panel's own classes: form-js's editor carries its own
 * copy of the panel's entry components and does not export them.
 */
import { usePropertiesPanelService } from "@bpmn-io/form-js";
import { h, type VNode } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { type HotlineField, isHotlineFieldType } from "../../tickets/fields/fieldTypes";
import { formatTree, parseTree } from "../../tickets/fields/tree";

type EditField = (field: HotlineField, property: string, value: unknown) => void;

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
}

/** A text or text-area entry: typed text is committed after the panel's usual pause. */
function TextEntry({ id, label, hint, value, normalize, commit, rows, placeholder }: TextEntryProps) {
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
  return h(
    "div",
    { class: "bio-properties-panel-entry", "data-entry-id": id },
    h("div", { class: rows ? "bio-properties-panel-textarea" : "bio-properties-panel-textfield" }, h("label", { for: inputId(id), class: "bio-properties-panel-label" }, label), input),
    description(hint),
  );
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

/** Whether an entry holds something (the group's "edited" dot), given its input. */
const isChecked = (input: HTMLInputElement | null) => input?.checked === true;
const hasText = (input: HTMLInputElement | null) => Boolean(input?.value);

function entries(field: HotlineField, editField: EditField) {
  const common = { field, editField };
  return [
    { id: "hotline-multiple", component: MultipleEntry, isEdited: isChecked, ...common },
    ...(field.type === "hotline-tree" ? [{ id: "hotline-tree", component: TreeEntry, isEdited: hasText, ...common }] : []),
    ...(field.type === "hotline-upload" ? [{ id: "hotline-accept", component: AcceptEntry, isEdited: hasText, ...common }] : []),
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
