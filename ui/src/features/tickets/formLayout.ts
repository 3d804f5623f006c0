/**
 * A ticket form's two layouts (white paper SP5: PC and mobile form designs of one ticket type).
 * A form-js schema may carry, at its top level, `mobileLayout: { components }`: what phones show
 * instead of the desktop `components`. It holds a subset of the desktop form's fields (same
 * `key`/`path`, same `type`) and every field the desktop form requires; the values are the same
 * data, checked against the desktop form. form-js never sees `mobileLayout`: it gets one layout.
 */
import type { FormSchema } from "./tickets.graphql";

export type FormLayout = "desktop" | "mobile";

interface Component {
  key?: unknown;
  path?: unknown;
  type?: unknown;
  components?: unknown;
  validate?: { required?: unknown } & Record<string, unknown>;
  disabled?: unknown;
  readonly?: unknown;
  [other: string]: unknown;
}

function componentsOf(container: unknown): Component[] {
  const list = (container as { components?: unknown } | null | undefined)?.components;
  return Array.isArray(list) ? (list as Component[]) : [];
}

/** The key a component's value lives under: its `key`, or a dynamic list's `path`; null for layout only. */
function valueKey(component: Component): string | null {
  if (typeof component.key === "string" && component.key) return component.key;
  if (component.type === "dynamiclist" && typeof component.path === "string" && component.path) return component.path;
  return null;
}

function walk(components: Component[], visit: (component: Component) => void) {
  for (const component of components) {
    visit(component);
    walk(componentsOf(component), visit);
  }
}

/** The value keys of a schema's components (groups and lists entered), in order. */
export function fieldKeys(schema: FormSchema | { components?: unknown } | null | undefined): string[] {
  const keys: string[] = [];
  walk(componentsOf(schema), (component) => {
    const key = valueKey(component);
    if (key) keys.push(key);
  });
  return keys;
}

/**
 * The keys a schema requires of whoever fills it in: fields with `validate.required` that are
 * not disabled or read-only (a step's REQUIRED fields, see `schemaForStep`, and the designer's).
 */
export function requiredFieldKeys(schema: FormSchema | null | undefined): string[] {
  const keys: string[] = [];
  walk(componentsOf(schema), (component) => {
    const key = valueKey(component);
    if (key && component.validate?.required === true && component.disabled !== true && component.readonly !== true) keys.push(key);
  });
  return keys;
}

/** The mobile layout's components, or null when the form has none. */
export function mobileComponents(form: FormSchema | null | undefined): unknown[] | null {
  const layout = form?.mobileLayout as { components?: unknown } | null | undefined;
  return layout && typeof layout === "object" && Array.isArray(layout.components) ? layout.components : null;
}

/** The schema without the mobile layout: what the desktop form-js viewer and editor get. */
export function desktopSchema(form: FormSchema): FormSchema {
  const { mobileLayout: _mobileLayout, ...desktop } = form;
  return desktop;
}

/** The mobile layout as a schema of its own (the desktop one's settings, the mobile components), or null. */
export function mobileSchema(form: FormSchema): FormSchema | null {
  const components = mobileComponents(form);
  return components ? { ...desktopSchema(form), components } : null;
}

export interface LayoutChoice {
  /** The viewport is a phone's (antd: below the `md` breakpoint). */
  narrow: boolean;
  /** The keys the current step requires: the mobile layout is shown only when it holds them all. */
  requiredKeys: readonly string[];
}

/** Which layout to show: the mobile one when narrow and it exists and holds every required key. */
export function pickLayout(form: FormSchema, { narrow, requiredKeys }: LayoutChoice): FormLayout {
  if (!narrow) return "desktop";
  const mobile = mobileSchema(form);
  if (!mobile) return "desktop";
  const held = new Set(fieldKeys(mobile));
  return requiredKeys.every((key) => held.has(key)) ? "mobile" : "desktop";
}

/** The schema to render (see `pickLayout`); never with `mobileLayout`. */
export function chooseLayout(form: FormSchema, choice: LayoutChoice): FormSchema {
  return pickLayout(form, choice) === "mobile" ? (mobileSchema(form) as FormSchema) : desktopSchema(form);
}

/** The schema to save: the desktop schema and, when there is one, `mobileLayout: { components }`. */
export function withMobileLayout(desktop: FormSchema, mobile: FormSchema | { components?: unknown } | null): FormSchema {
  const base = desktopSchema(desktop);
  return mobile ? { ...base, mobileLayout: { components: componentsOf(mobile) } } : base;
}

/** A mobile layout to start from: a deep copy of the desktop form's components. */
export function mobileFromDesktop(desktop: FormSchema): FormSchema {
  return { ...desktopSchema(desktop), components: JSON.parse(JSON.stringify(componentsOf(desktop))) as Component[] };
}
