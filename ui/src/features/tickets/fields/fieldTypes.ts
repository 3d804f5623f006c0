/**
 * The schema contract of Hotline's own form-js field types (the server validates exactly
 * this): their type names, the option kind each picker lists, their empty values and how a
 * value read from a ticket is made to fit the field. Pure: no preact, no React.
 */
import type { QueryFieldCondition } from "./conditions";
import type { FieldOptionKind, FileValue } from "./directory";
import type { TreeNode } from "./tree";

export const HOTLINE_FIELD_TYPES = ["hotline-user", "hotline-group", "hotline-department", "hotline-tree", "hotline-relation", "hotline-query", "hotline-upload"] as const;
export type HotlineFieldType = (typeof HOTLINE_FIELD_TYPES)[number];

/** Where a `hotline-query` field's options come from: a tenant dictionary or the customer directory. */
export const QUERY_SOURCES = ["dictionary", "customers"] as const;
export type QuerySource = (typeof QUERY_SOURCES)[number];

/** At most this many values in a multiple `hotline-query` field. */
export const MAX_QUERY_VALUES = 100;

/** A Hotline field as the form-js schema holds it. */
export interface HotlineField {
  id: string;
  type: HotlineFieldType;
  key: string;
  label?: string;
  description?: string;
  disabled?: boolean;
  readonly?: boolean;
  validate?: { required?: boolean };
  /** Holds several values (an array); default false. */
  multiple?: boolean;
  /** `hotline-tree`: the nodes to choose from. */
  tree?: TreeNode[];
  /** `hotline-upload`: accepted files, as `<input accept>` (`.pdf,image/*`). */
  accept?: string;
  /** `hotline-query`: where its options come from. */
  source?: QuerySource;
  /** `hotline-query` of source `dictionary`: the dictionary's code. */
  dictionary?: string;
  /** `hotline-query` of source `customers`: the customers it offers (all without). */
  conditions?: QueryFieldCondition[];
  /** `hotline-query` of source `customers`: customer field keys shown beside each name. */
  columns?: string[];
}

/** The directory's option kind of each picker that lists them. */
export const OPTION_KINDS: Partial<Record<HotlineFieldType, FieldOptionKind>> = {
  "hotline-user": "USER",
  "hotline-group": "GROUP",
  "hotline-department": "DEPARTMENT",
  "hotline-relation": "TICKET",
};

export function isHotlineFieldType(type: unknown): type is HotlineFieldType {
  return (HOTLINE_FIELD_TYPES as readonly unknown[]).includes(type);
}

/** Upload fields and multiple pickers hold arrays; a single picker holds an id or nothing. */
function holdsArray(field: Pick<HotlineField, "type" | "multiple">): boolean {
  return field.type === "hotline-upload" || field.multiple === true;
}

/** What the field holds when nothing is chosen: `[]` for arrays, null otherwise. */
export function emptyValue(field: Pick<HotlineField, "type" | "multiple">): string[] | FileValue[] | null {
  return holdsArray(field) ? [] : null;
}

function isFileValue(value: unknown): value is FileValue {
  const file = value as Partial<FileValue> | null;
  return typeof file === "object" && file !== null && typeof file.blobId === "string" && file.blobId !== "" && typeof file.name === "string" && typeof file.size === "number" && typeof file.contentType === "string";
}

/**
 * A value made to fit the field: empty ones become its empty value, a single picker holding
 * an array keeps the first id and a multiple one holding an id holds it alone; files keep
 * the contract's four properties, one at most without `multiple`.
 */
export function sanitizeValue(field: Pick<HotlineField, "type" | "multiple">, value: unknown): string | string[] | FileValue[] | null {
  if (field.type === "hotline-upload") {
    const files = (Array.isArray(value) ? (value as unknown[]) : [value]).filter(isFileValue).map(({ blobId, name, size, contentType }) => ({ blobId, name, size, contentType }));
    return field.multiple ? files : files.slice(0, 1);
  }
  const ids = [...new Set(heldIds(value))];
  return field.multiple ? ids : (ids[0] ?? null);
}

/** The ids a picker's value holds, whichever shape it has. */
export function heldIds(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === "string" && item !== "");
}
