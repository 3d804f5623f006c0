/**
 * Where the form-js viewer's Hotline fields (preact, `hotlineFields.ts`) meet their antd
 * controls (React, `FieldControl.tsx`): each field drawn puts a slot here, the element to draw
 * in and what it shows; `FormView` renders a React portal into every slot, so the controls
 * keep the app's theme, language and `App` context.
 */
import type { HotlineField } from "./fieldTypes";

/** What a field's control shows and reports, as form-js gives it to the field. */
export interface FieldControlState {
  field: HotlineField;
  value: unknown;
  /** The element's id, for the field's label. */
  domId: string;
  disabled: boolean;
  readonly: boolean;
  invalid: boolean;
  onChange: (value: unknown) => void;
  onBlur: () => void;
}

export interface FieldSlot {
  id: string;
  element: HTMLElement;
  state: FieldControlState;
}

/** An external store of slots (`useSyncExternalStore`). */
export class FieldPortals {
  private slots = new Map<string, FieldSlot>();
  private snapshot: readonly FieldSlot[] = [];
  private listeners = new Set<() => void>();

  set(slot: FieldSlot): void {
    this.slots.set(slot.id, slot);
    this.changed();
  }

  remove(id: string): void {
    if (this.slots.delete(id)) this.changed();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): readonly FieldSlot[] => this.snapshot;

  private changed(): void {
    this.snapshot = [...this.slots.values()];
    for (const listener of this.listeners) listener();
  }
}
