/**
 * The permission matrix's rules, apart from React: one row per menu (in the catalogue's
 * order, nested by `parentKey`), each with the buttons, exports, imports and downloads of
 * that menu; permissions that belong to no menu form a last row.
 *
 * Ticking a permission ticks the menus above it (a button is of no use without its page, a
 * page is not shown without its group); unticking a menu unticks everything below it.
 */
import type { CataloguePermission, PermissionKind } from "./roles.graphql";

export type ActionKind = Exclude<PermissionKind, "MENU">;
export const ACTION_KINDS: readonly ActionKind[] = ["BUTTON", "EXPORT", "IMPORT", "DOWNLOAD"];

export interface MatrixRow {
  /** The menu's key, or `OTHER_ROW` for the permissions of no menu. */
  key: string;
  menu: CataloguePermission | null;
  depth: number;
  actions: Record<ActionKind, CataloguePermission[]>;
}

export const OTHER_ROW = "(other)";

const noActions = (): Record<ActionKind, CataloguePermission[]> => ({ BUTTON: [], EXPORT: [], IMPORT: [], DOWNLOAD: [] });

export function matrixRows(catalogue: readonly CataloguePermission[]): MatrixRow[] {
  const byKey = new Map(catalogue.map((permission) => [permission.key, permission]));
  const menus = catalogue.filter((permission) => permission.kind === "MENU");
  const childrenOf = (parent: string | null) =>
    menus.filter((menu) => (menu.parentKey && byKey.has(menu.parentKey) ? menu.parentKey : null) === parent);
  const rows: MatrixRow[] = [];
  const rowByMenu = new Map<string, MatrixRow>();
  const visit = (parent: string | null, depth: number) => {
    for (const menu of childrenOf(parent)) {
      const row: MatrixRow = { key: menu.key, menu, depth, actions: noActions() };
      rows.push(row);
      rowByMenu.set(menu.key, row);
      visit(menu.key, depth + 1);
    }
  };
  visit(null, 0);
  const other: MatrixRow = { key: OTHER_ROW, menu: null, depth: 0, actions: noActions() };
  for (const permission of catalogue) {
    if (permission.kind === "MENU") continue;
    const row = (permission.parentKey && rowByMenu.get(permission.parentKey)) || other;
    row.actions[permission.kind].push(permission);
  }
  if (ACTION_KINDS.some((kind) => other.actions[kind].length > 0)) rows.push(other);
  return rows;
}

/** The permissions above `key`, nearest first. */
export function ancestors(catalogue: readonly CataloguePermission[], key: string): string[] {
  const byKey = new Map(catalogue.map((permission) => [permission.key, permission]));
  const found: string[] = [];
  let parent = byKey.get(key)?.parentKey ?? null;
  while (parent && byKey.has(parent) && !found.includes(parent)) {
    found.push(parent);
    parent = byKey.get(parent)?.parentKey ?? null;
  }
  return found;
}

/** The permissions below `key`, at any depth. */
export function descendants(catalogue: readonly CataloguePermission[], key: string): string[] {
  return catalogue.filter((permission) => ancestors(catalogue, permission.key).includes(key)).map((permission) => permission.key);
}

/** `selected` with `key` ticked (and the menus above it) or unticked (and all below it),
 * in the catalogue's order. */
export function toggle(catalogue: readonly CataloguePermission[], selected: readonly string[], key: string, on: boolean): string[] {
  const next = new Set(selected);
  if (on) {
    next.add(key);
    for (const parent of ancestors(catalogue, key)) next.add(parent);
  } else {
    next.delete(key);
    for (const child of descendants(catalogue, key)) next.delete(child);
  }
  return inCatalogueOrder(catalogue, next);
}

/** Known keys of `selected`, in the catalogue's order (unknown ones are dropped: the
 * server would refuse them with `role.unknown_permission`). */
export function inCatalogueOrder(catalogue: readonly CataloguePermission[], selected: Iterable<string>): string[] {
  const chosen = new Set(selected);
  return catalogue.filter((permission) => chosen.has(permission.key)).map((permission) => permission.key);
}

/** The i18n key of a permission's label. */
export function permissionLabelKey(key: string): string {
  return `permission.${key}`;
}
