/**
 * What the form designer's properties of a query field list (`hotlineFieldProperties.ts`): the
 * tenant's dictionaries and the customer fields, loaded by `FormDesigner` (React) and read by
 * the properties panel (preact) through the editor's `hotlineDesignerLists` service. Null
 * while not loaded (or when loading failed): the entries then take typed codes and keys.
 */

export interface DesignerListsSnapshot {
  dictionaries: { code: string; name: string }[] | null;
  customerFields: { key: string; label: string }[] | null;
}

/** An external store of the lists. */
export class DesignerLists {
  private snapshot: DesignerListsSnapshot = { dictionaries: null, customerFields: null };
  private listeners = new Set<() => void>();

  set(lists: Partial<DesignerListsSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...lists };
    for (const listener of this.listeners) listener();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): DesignerListsSnapshot => this.snapshot;
}

/** The editor's module holding the lists (beside `hotlinePropertiesModule`). */
export function designerListsModule(lists: DesignerLists) {
  return { hotlineDesignerLists: ["value", lists] };
}
