/**
 * A ticket's form, drawn by bpmn.io's form-js viewer (loaded lazily: see `LazyFormView`).
 * Reports each change; `onReady` hands over `validate` (the form's own checks, required
 * fields first) for the button that sends the values.
 */
import "@bpmn-io/form-js/dist/assets/form-js.css";
import { Form } from "@bpmn-io/form-js";
import { useEffect, useRef } from "react";
import type { FormSchema, FormValues } from "./tickets.graphql";

export interface FormViewApi {
  /** Runs the form's checks; true when every field is fine. */
  validate: () => boolean;
}

export interface FormViewProps {
  schema: FormSchema;
  data: FormValues;
  onChange?: (data: FormValues) => void;
  onReady?: (api: FormViewApi) => void;
  /** Shows the whole form read-only. */
  readOnly?: boolean;
}

export function FormView({ schema, data, onChange, onReady, readOnly }: FormViewProps) {
  const container = useRef<HTMLDivElement>(null);
  const latest = useRef({ onChange, onReady });
  useEffect(() => {
    latest.current = { onChange, onReady };
  }, [onChange, onReady]);
  // The form starts again for another schema or other starting values (by content).
  const schemaKey = JSON.stringify(schema);
  const dataKey = JSON.stringify(data);

  useEffect(() => {
    if (!container.current) return;
    const form = new Form({ container: container.current });
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
  }, [schemaKey, dataKey, readOnly]);

  return <div ref={container} data-testid="ticket-form-view" className="hotline-ticket-form" />;
}
