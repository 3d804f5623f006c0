/**
 * What the form rules calculate, shown in a running form-js viewer (`FormView`): each value
 * goes into its field as the user types, without importing the form again (which would lose
 * focus and what is being typed), and the field is read-only while calculated, with a slot
 * after its label for the page's "Calculated" hint. A field the rules stop calculating gets
 * its own read-only setting back (it keeps the last value).
 *
 * form-js 1.23 has no public call to set a field's value. Its own fields change a value
 * through `Form._update({ fieldInstance, value })` (the renderer's `onChange`): the value is
 * set at the instance's path, that field alone is validated again (a calculated value clears
 * its "required" error) and `changed` fires as for typing, so the page hears the value. That
 * is the least internal route; `_setState({ data })` would skip the field's validation. A
 * value is only set when it differs (as JSON), so the `changed` it causes can make the rules
 * run once more at most, which then calculate the same value and stop. Read-only is the
 * field's own `readonly` (what form-js draws from on every render), set on the viewer's copy
 * of the field in `formFieldRegistry`, never on the page's schema.
 */
import type { Form } from "@bpmn-io/form-js";
import { sameJson } from "./rulesCore";
import type { FormValues } from "./tickets.graphql";

/** Types that cannot show a value: form-js's own calculations and files, Hotline's hidden values. */
const NOT_SHOWN = new Set(["expression", "filepicker", "hotline-hidden"]);

interface ViewerField {
  id: string;
  type: string;
  key?: string;
  readonly?: unknown;
}

interface FieldInstance {
  id: string;
  valuePath?: readonly (string | number)[];
  indexes?: Record<string, number>;
}

/** The internals of form-js 1.23's `Form` used here (see above). */
interface ViewerInternals {
  _id: string;
  _getState: () => { data?: FormValues | null };
  _setState: (state: object) => void;
  _update: (update: { field: ViewerField; fieldInstance: FieldInstance; value: unknown }) => void;
}

/** A calculated field shown: its key and the element after its label for the hint. */
export type CalculatedSlots = ReadonlyMap<string, HTMLElement>;

export class CalculatedFields {
  private computed: FormValues = {};
  /** The field's own `readonly`, by field id, while calculated. */
  private own = new Map<string, unknown>();
  /** The hint's element, by key (kept, so that the page's portals stay put). */
  private slots = new Map<string, HTMLElement>();
  /** The keys shown in their fields, as last reported. */
  private reported: string | null = null;
  private scheduled = false;
  private live = true;
  private readonly observer: MutationObserver;

  constructor(
    private readonly form: Form,
    private readonly container: HTMLElement,
    private readonly onShown: (slots: CalculatedSlots) => void,
  ) {
    // A field drawn, hidden or shown again (a condition, a layout): apply again, after the
    // render that told (a value set during form-js's render would be set too early).
    const later = () => this.schedule();
    form.on("formFieldInstance.added", later);
    form.on("formFieldInstance.removed", later);
    form.on("import.done", later);
    // Labels are drawn again by preact: the hints go back after them.
    this.observer = new MutationObserver(() => this.placeHints());
    this.observer.observe(container, { childList: true, subtree: true });
  }

  /** The rules' latest calculation (field key → value); `{}`: nothing calculated. */
  set(computed: FormValues): void {
    this.computed = computed;
    this.apply();
  }

  destroy(): void {
    this.live = false;
    this.observer.disconnect();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.apply();
    });
  }

  private apply(): void {
    if (!this.live) return;
    const viewer = this.form as unknown as ViewerInternals;
    const registry = this.form.get("formFieldRegistry") as { get: (id: string) => ViewerField | undefined };
    const instances = this.form.get("formFieldInstanceRegistry") as { getAllKeyed: () => FieldInstance[] };
    const data = viewer._getState().data ?? {};
    const calculated = new Map<string, { field: ViewerField; instance: FieldInstance }>();
    for (const instance of instances.getAllKeyed()) {
      const field = registry.get(instance.id);
      const path = instance.valuePath ?? [];
      // A value of the form's top level (not one of a repeated group's rows).
      if (!field || NOT_SHOWN.has(field.type) || path.length !== 1 || Object.keys(instance.indexes ?? {}).length > 0) continue;
      const key = String(path[0]);
      if (Object.hasOwn(this.computed, key)) calculated.set(field.id, { field, instance });
    }
    let redraw = false;
    // Fields no longer calculated: their own setting back.
    for (const [id, readonly] of [...this.own]) {
      if (calculated.has(id)) continue;
      const field = registry.get(id);
      if (field) field.readonly = readonly;
      this.own.delete(id);
      redraw = true;
    }
    const updates: { field: ViewerField; fieldInstance: FieldInstance; value: unknown }[] = [];
    for (const [id, { field, instance }] of calculated) {
      if (!this.own.has(id)) {
        this.own.set(id, field.readonly);
        field.readonly = true;
        redraw = true;
      }
      const key = String(instance.valuePath![0]);
      const value = this.computed[key];
      if (!sameJson(data[key], value)) updates.push({ field, fieldInstance: instance, value });
    }
    // Each update draws the form again (and tells the page); a changed `readonly` alone needs one.
    for (const update of updates) viewer._update(update);
    if (redraw && updates.length === 0) viewer._setState({});
    this.report([...calculated.values()].map(({ instance }) => String(instance.valuePath![0])));
  }

  private report(keys: string[]): void {
    keys.sort();
    for (const key of keys) {
      if (this.slots.has(key)) continue;
      const slot = document.createElement("span");
      slot.className = "hotline-calculated-hint";
      this.slots.set(key, slot);
    }
    for (const [key, slot] of [...this.slots]) {
      if (keys.includes(key)) continue;
      slot.remove();
      this.slots.delete(key);
    }
    this.placeHints();
    const now = keys.join("\n");
    if (now === this.reported) return;
    this.reported = now;
    this.onShown(new Map(this.slots));
  }

  /** Each hint at the end of its field's label (form-js's `Label`, Hotline's fields' too). */
  private placeHints(): void {
    if (!this.live || this.slots.size === 0) return;
    const registry = this.form.get("formFieldRegistry") as { getAll: () => ViewerField[] };
    const formId = (this.form as unknown as ViewerInternals)._id;
    for (const field of registry.getAll()) {
      const slot = field.key ? this.slots.get(field.key) : undefined;
      if (!slot || !this.own.has(field.id)) continue;
      // form-js's element ids (`prefixId`): `fjs-form-<form id>-<field id>`.
      const domId = `fjs-form-${formId}-${field.id}`.replace(/["\\]/g, "\\$&");
      const label = this.container.querySelector(`label[for="${domId}"], label[id="${domId}"]`);
      if (label && slot.parentElement !== label) label.appendChild(slot);
    }
  }
}
