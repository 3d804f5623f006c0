/**
 * A ticket's form, drawn by bpmn.io's form-js viewer (loaded lazily: see `LazyFormView`).
 * Reports each change; `onReady` hands over `validate` (the form's own checks, required
 * fields first, then the server's checks of phone numbers and rich text) for the button that
 * sends the values. Hotline's own fields (users, groups, departments, trees, related tickets,
 * queries, files, months, phone numbers, rich text, hidden values, approvals: `fields/`) are
 * form-js fields whose antd controls render here, through portals, from the page's
 * `directory`. On a phone (below antd's `md` breakpoint) a form with a mobile layout shows
 * that instead (`formLayout.ts`), when it holds every field the step requires; the root's
 * `data-layout` says which is shown. What the form rules calculate (`computed`) goes into its
 * fields as the user types, read-only and marked "Calculated" (`calculatedFields.ts`).
 */
import "@bpmn-io/form-js/dist/assets/form-js.css";
import { Form } from "@bpmn-io/form-js";
import { CalculatorOutlined } from "@ant-design/icons";
import { Grid, Tag } from "antd";
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { createPortal } from "react-dom";
import { useT } from "../../i18n";
import { type FieldDirectory, NO_DIRECTORY } from "./fields/directory";
import { FieldControl, useProblemText } from "./fields/FieldControl";
import { FieldPortals } from "./fields/fieldPortals";
import { hotlineViewerModule } from "./fields/hotlineFields";
import { chooseLayout, desktopSchema, pickLayout, requiredFieldKeys } from "./formLayout";
import { CalculatedFields, type CalculatedSlots } from "./calculatedFields";
import type { FormSchema, FormValues } from "./tickets.graphql";

export interface FormViewApi {
  /** Runs the form's checks; true when every field is fine. */
  validate: () => boolean;
}

export interface FormViewProps {
  /** The form as the step shows it (`schemaForStep`), its mobile layout (if any) included. */
  schema: FormSchema;
  data: FormValues;
  onChange?: (data: FormValues) => void;
  onReady?: (api: FormViewApi) => void;
  /** Shows the whole form read-only. */
  readOnly?: boolean;
  /** What Hotline's own fields search, name, upload and link; absent: they show the ids they hold and add no files. */
  directory?: FieldDirectory;
  /** Whether the viewport is a phone's; absent: below antd's `md` breakpoint. */
  narrow?: boolean;
  /**
   * What the form rules calculated (field key → value): each value of a field shown goes into
   * it as the user types (the form is not imported again), read-only and marked "Calculated"
   * while calculated. Never through `data`, which starts the form again.
   */
  computed?: FormValues;
  /** The calculated keys shown in their fields (sorted), each time they change; the others are the page's to list. */
  onCalculatedKeys?: (keys: string[]) => void;
}

export function FormView({ schema: form, data, onChange, onReady, readOnly, directory = NO_DIRECTORY, narrow, computed, onCalculatedKeys }: FormViewProps) {
  const screens = Grid.useBreakpoint();
  // Until antd has measured (`md` unknown): the desktop layout.
  const isNarrow = narrow ?? screens.md === false;
  // The fields the step requires (enabled and `validate.required`) must be fillable on the layout shown.
  const choice = { narrow: isNarrow, requiredKeys: requiredFieldKeys(desktopSchema(form)) };
  const layout = pickLayout(form, choice);
  const schema = chooseLayout(form, choice);
  const container = useRef<HTMLDivElement>(null);
  const problemText = useProblemText();
  const latest = useRef({ onChange, onReady, problemText, onCalculatedKeys });
  useEffect(() => {
    latest.current = { onChange, onReady, problemText, onCalculatedKeys };
  }, [onChange, onReady, problemText, onCalculatedKeys]);
  // The calculated values (by content), handed to the running form as they change.
  const computedKey = JSON.stringify(computed ?? {});
  const calculated = useRef<{ fields: CalculatedFields | null; computed: string }>({ fields: null, computed: computedKey });
  const [hints, setHints] = useState<CalculatedSlots>(() => new Map());
  // The Hotline fields' slots, filled below: a new directory re-renders the controls only.
  const [portals] = useState(() => new FieldPortals());
  const slots = useSyncExternalStore(portals.subscribe, portals.getSnapshot);
  // The form starts again for another schema or other starting values (by content).
  const schemaKey = JSON.stringify(schema);
  const dataKey = JSON.stringify(data);

  useEffect(() => {
    if (!container.current) return;
    // `debounce: false` (form-js's own option): each keystroke reaches the form's data at once.
    // Its default (300 ms) keeps what is being typed out of the data meanwhile, and a calculated
    // value set then would draw the field being typed in from the data, losing the keystrokes.
    // The rules wait for a pause themselves (`useFormRules`). (It is read from the options as
    // form-js's `config` service; its typings leave it out.)
    const options = { container: container.current, debounce: false, additionalModules: [hotlineViewerModule(portals, (problem) => latest.current.problemText(problem))] };
    const form = new Form(options);
    let live = true;
    form.on("changed", (event: { data?: FormValues }) => {
      if (live && event.data) latest.current.onChange?.({ ...event.data });
    });
    const fields = new CalculatedFields(form, container.current, (shown) => {
      if (!live) return;
      setHints(shown);
      latest.current.onCalculatedKeys?.([...shown.keys()]);
    });
    fields.set(JSON.parse(calculated.current.computed) as FormValues);
    calculated.current.fields = fields;
    void form.importSchema(JSON.parse(schemaKey) as FormSchema, JSON.parse(dataKey) as FormValues).then(() => {
      if (!live) return;
      if (readOnly) form.setProperty("readOnly", true);
      latest.current.onReady?.({ validate: () => Object.keys(form.validate()).length === 0 });
    });
    return () => {
      live = false;
      fields.destroy();
      if (calculated.current.fields === fields) calculated.current.fields = null;
      form.destroy();
    };
  }, [schemaKey, dataKey, readOnly, portals]);

  useEffect(() => {
    calculated.current.computed = computedKey;
    calculated.current.fields?.set(JSON.parse(computedKey) as FormValues);
  }, [computedKey]);

  return (
    <>
      <div ref={container} data-testid="ticket-form-view" data-layout={layout} className="hotline-ticket-form" />
      {slots.map((slot) => createPortal(<FieldControl state={slot.state} directory={directory} />, slot.element, slot.id))}
      {[...hints].map(([key, element]) => createPortal(<CalculatedHint fieldKey={key} />, element, `calculated-${key}`))}
    </>
  );
}

/** The mark after a calculated field's label: part of the label's name, its title says why it is read-only. */
function CalculatedHint({ fieldKey }: { fieldKey: string }) {
  const t = useT();
  return (
    <Tag color="processing" variant="filled" icon={<CalculatorOutlined />} title={t("tickets.rules.calculatedFieldHint")} data-testid={`ticket-field-calculated-${fieldKey}`} style={{ marginInlineStart: 6, marginInlineEnd: 0, fontWeight: "normal" }}>
      {t("tickets.rules.calculatedField")}
    </Tag>
  );
}
