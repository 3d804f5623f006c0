/** For component tests: a stand-in for the form-js viewer (which needs a real browser): one
 * input per keyed component, disabled / required as the schema says. The directory the page
 * gave its form is kept in `formDirectory` for tests of what the page wires. */
import { useEffect, useState } from "react";
import type { FieldDirectory } from "../fields/directory";
import type { FormViewProps } from "../FormView";

export const formDirectory: { current: FieldDirectory | undefined } = { current: undefined };

interface Component {
  key?: string;
  label?: string;
  disabled?: boolean;
  readonly?: boolean;
  validate?: { required?: boolean };
  components?: Component[];
}

function keyed(components: Component[] = []): Component[] {
  return components.flatMap((component) => [...(component.key ? [component] : []), ...keyed(component.components)]);
}

export function FormView({ schema, data, onChange, onReady, readOnly, directory }: FormViewProps) {
  const [values, setValues] = useState<Record<string, unknown>>(data);
  useEffect(() => {
    formDirectory.current = directory;
  }, [directory]);
  const fields = keyed((schema as { components?: Component[] }).components);
  useEffect(() => {
    onReady?.({ validate: () => fields.every((field) => !field.validate?.required || (values[field.key!] ?? "") !== "") });
  });
  return (
    <div data-testid="ticket-form-view">
      {fields.map((field) => (
        <label key={field.key}>
          {field.label ?? field.key}
          <input
            data-testid={`form-field-${field.key}`}
            disabled={readOnly || field.disabled}
            readOnly={field.readonly}
            required={field.validate?.required ?? false}
            value={String(values[field.key!] ?? "")}
            onChange={(event) => {
              const next = { ...values, [field.key!]: event.target.value };
              setValues(next);
              onChange?.(next);
            }}
          />
        </label>
      ))}
    </div>
  );
}
