/**
 * A ticket's form, drawn by bpmn.io's form-js viewer (loaded lazily: see `LazyFormView`).
 * Reports each change; `onReady` hands over `validate` (the form's own checks, required
 * fields first) for the button that sends the values. Hotline's own fields (users, groups,
 * departments, trees, related tickets, queries, files: `fields/`) are form-js fields whose antd
 * controls render here, through portals, from the page's `directory`. On a phone (below antd's
 * `md` breakpoint) a form with a mobile layout shows that instead (`formLayout.ts`), when it
 * holds every field the step requires; the root's `data-layout` says which is shown.
 */
import "@bpmn-io/form-js/dist/assets/form-js.css";
import { Form } from "@bpmn-io/form-js";
import { Grid } from "antd";
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { createPortal } from "react-dom";
import { type FieldDirectory, NO_DIRECTORY } from "./fields/directory";
import { FieldControl } from "./fields/FieldControl";
import { FieldPortals } from "./fields/fieldPortals";
import { hotlineViewerModule } from "./fields/hotlineFields";
import { chooseLayout, desktopSchema, pickLayout, requiredFieldKeys } from "./formLayout";
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
}

export function FormView({ schema: form, data, onChange, onReady, readOnly, directory = NO_DIRECTORY, narrow }: FormViewProps) {
  const screens = Grid.useBreakpoint();
  // Until antd has measured (`md` unknown): the desktop layout.
  const isNarrow = narrow ?? screens.md === false;
  // The fields the step requires (enabled and `validate.required`) must be fillable on the layout shown.
  const choice = { narrow: isNarrow, requiredKeys: requiredFieldKeys(desktopSchema(form)) };
  const layout = pickLayout(form, choice);
  const schema = chooseLayout(form, choice);
  const container = useRef<HTMLDivElement>(null);
  const latest = useRef({ onChange, onReady });
  useEffect(() => {
    latest.current = { onChange, onReady };
  }, [onChange, onReady]);
  // The Hotline fields' slots, filled below: a new directory re-renders the controls only.
  const [portals] = useState(() => new FieldPortals());
  const slots = useSyncExternalStore(portals.subscribe, portals.getSnapshot);
  // The form starts again for another schema or other starting values (by content).
  const schemaKey = JSON.stringify(schema);
  const dataKey = JSON.stringify(data);

  useEffect(() => {
    if (!container.current) return;
    const form = new Form({ container: container.current, additionalModules: [hotlineViewerModule(portals)] });
    let live = true;
    form.on("changed", (event: { data?: FormValues }) => {
      if (live && event.data) latest.current.onChange?.({ ...event.data });
    });
    void form.importSchema(JSON.parse(schemaKey) as FormSchema, JSON.parse(dataKey) as FormValues).then(() => {
      if (!live) return;
      if (readOnly) form.setProperty("readOnly", true);
      latest.current.onReady?.({ validate: () => Object.keys(form.validate()).length === 0 });
    });
    return () => {
      live = false;
      form.destroy();
    };
  }, [schemaKey, dataKey, readOnly, portals]);

  return (
    <>
      <div ref={container} data-testid="ticket-form-view" data-layout={layout} className="hotline-ticket-form" />
      {slots.map((slot) => createPortal(<FieldControl state={slot.state} directory={directory} />, slot.element, slot.id))}
    </>
  );
}
