/** For component tests: a stand-in for the form-js viewer (which needs a real browser): one
 * input per keyed component, disabled / required as the schema says; a calculated value (`computed`)
 * goes into its input, read-only and marked, as `FormView` does. The directory the page
 * gave its form is kept in `formDirectory` for tests of what the page wires. */
import { useEffect, useRef, useState } from "react";
import { sameJson } from "../rulesCore";
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

export function FormView({ schema, data, onChange, onReady, readOnly, directory, computed, onCalculatedKeys }: FormViewProps) {
  const [values, setValues] = useState<Record<string, unknown>>(data);
  // The latest values, whichever comes first: a keystroke or a calculation's effect.
  const latest = useRef(values);
  const update = (next: Record<string, unknown>) => {
    latest.current = next;
    setValues(next);
    onChange?.(next);
  };
  useEffect(() => {
    formDirectory.current = directory;
  }, [directory]);
  const fields = keyed((schema as { components?: Component[] }).components);
  const calculated = fields.filter((field) => computed && Object.hasOwn(computed, field.key!)).map((field) => field.key!);
  const calculatedKey = JSON.stringify([calculated, calculated.map((key) => computed![key])]);
  const reported = useRef<string | null>(null);
  useEffect(() => {
    const [keys, shown] = JSON.parse(calculatedKey) as [string[], unknown[]];
    const sortedKeys = [...keys].sort();
    if (reported.current !== sortedKeys.join("\n")) {
      reported.current = sortedKeys.join("\n");
      onCalculatedKeys?.(sortedKeys);
    }
    // As form-js: a value set only when it differs, and reported as a change.
    const current = latest.current;
    const changed = keys.filter((key, index) => !sameJson(current[key], shown[index]));
    if (changed.length === 0) return;
    update({ ...current, ...Object.fromEntries(changed.map((key) => [key, shown[keys.indexOf(key)]])) });
    // Only the calculation's change counts (the latest callbacks are used).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [calculatedKey]);
  useEffect(() => {
    onReady?.({ validate: () => fields.every((field) => !field.validate?.required || (values[field.key!] ?? "") !== "") });
  });
  return (
    <div data-testid="ticket-form-view">
      {fields.map((field) => (
        <label key={field.key}>
          {field.label ?? field.key}
          {calculated.includes(field.key!) ? <span data-testid={`ticket-field-calculated-${field.key}`}>Calculated</span> : null}
          <input
            data-testid={`form-field-${field.key}`}
            disabled={readOnly || field.disabled}
            readOnly={field.readonly || calculated.includes(field.key!)}
            required={field.validate?.required ?? false}
            value={String(values[field.key!] ?? "")}
            onChange={(event) => {
              update({ ...latest.current, [field.key!]: event.target.value });
            }}
          />
        </label>
      ))}
    </div>
  );
}
