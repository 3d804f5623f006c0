/**
 * The schema contract of Hotline's own form-js field types (the server validates exactly
 * this): their type names, the option kind each picker lists, their empty values, how a
 * value read from a ticket is made to fit the field and what the server would refuse of a
 * value typed in. Pure: no preact, no React.
 */
import type { QueryFieldCondition } from "./conditions";
import type { FieldOptionKind, FileValue } from "./directory";
import type { TreeNode } from "./tree";

export const HOTLINE_FIELD_TYPES = [
  "hotline-user",
  "hotline-group",
  "hotline-department",
  "hotline-tree",
  "hotline-relation",
  "hotline-query",
  "hotline-upload",
  "hotline-month",
  "hotline-phone",
  "hotline-richtext",
  "hotline-hidden",
  "hotline-approval",
] as const;
export type HotlineFieldType = (typeof HOTLINE_FIELD_TYPES)[number];

/** The types a designer may make `multiple`: the pickers and files. The others hold one value. */
const MULTIPLE_TYPES: readonly HotlineFieldType[] = ["hotline-user", "hotline-group", "hotline-department", "hotline-tree", "hotline-relation", "hotline-query", "hotline-upload"];

/** Where a `hotline-query` field's options come from: a tenant dictionary or the customer directory. */
export const QUERY_SOURCES = ["dictionary", "customers"] as const;
export type QuerySource = (typeof QUERY_SOURCES)[number];

/** At most this many values in a multiple `hotline-query` field. */
export const MAX_QUERY_VALUES = 100;

/** The longest HTML a `hotline-richtext` field holds, in characters (code points, as the server counts). */
export const MAX_RICH_TEXT_CHARS = 20_000;

/** The longest opinion of a `hotline-approval` decision. */
export const MAX_APPROVAL_COMMENT_CHARS = 2_000;

/** The longest text of a `hotline-hidden` field. */
export const MAX_HIDDEN_CHARS = 2_000;

/**
 * What a `hotline-approval` field holds: the browser sends `decision` and `comment`; the
 * server adds who decided (`by`, a user's id, or `collaborator`, a mail address) and `at`
 * (RFC 3339), and keeps them while the same decision and comment come back.
 */
export interface ApprovalValue {
  decision: "approved" | "rejected";
  comment: string;
  by?: string;
  collaborator?: string;
  at?: string;
}

/** A value of any Hotline field, in its field's shape. */
export type HotlineValue = string | string[] | FileValue[] | ApprovalValue | null;

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
  /** `hotline-hidden`: the value new tickets start with (the designer's "Value"). */
  defaultValue?: string;
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

/** Whether the designer's "Multiple" applies to fields of `type`. */
export function takesMultiple(type: HotlineFieldType): boolean {
  return MULTIPLE_TYPES.includes(type);
}

/** Upload fields and multiple pickers hold arrays; a single picker holds an id or nothing. */
function holdsArray(field: Pick<HotlineField, "type" | "multiple">): boolean {
  return field.type === "hotline-upload" || (field.multiple === true && takesMultiple(field.type));
}

/** What the field holds when nothing is chosen: `[]` for arrays, null otherwise. */
export function emptyValue(field: Pick<HotlineField, "type" | "multiple">): string[] | FileValue[] | null {
  return holdsArray(field) ? [] : null;
}

function isFileValue(value: unknown): value is FileValue {
  const file = value as Partial<FileValue> | null;
  return typeof file === "object" && file !== null && typeof file.blobId === "string" && file.blobId !== "" && typeof file.name === "string" && typeof file.size === "number" && typeof file.contentType === "string";
}

/** `YYYY-MM`, months 01 to 12. */
export function isMonth(text: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(text);
}

/**
 * A telephone number as the server takes it: an optional leading `+`, then 3 to 20 digits
 * with spaces, hyphens, dots and parentheses between them as people write them (spaces at
 * either end do not count).
 */
export function isPhoneNumber(text: string): boolean {
  const number = text.trim();
  const digits = number.replace(/\D/g, "").length;
  return /^\+?[\d .()-]*$/.test(number) && digits >= 3 && digits <= 20;
}

/** A held approval: a decision of the two, its comment ("" without one) and the server's stamp parts that are text. */
function approvalValue(value: unknown): ApprovalValue | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const held = value as Record<string, unknown>;
  if (held.decision !== "approved" && held.decision !== "rejected") return null;
  const approval: ApprovalValue = { decision: held.decision, comment: typeof held.comment === "string" ? held.comment : "" };
  for (const part of ["by", "collaborator", "at"] as const) {
    const text = held[part];
    if (typeof text === "string") approval[part] = text;
  }
  return approval;
}

/**
 * A value made to fit the field: empty ones become its empty value, a single picker holding
 * an array keeps the first id and a multiple one holding an id holds it alone; files keep
 * the contract's four properties, one at most without `multiple`; a month is `YYYY-MM`, a
 * phone number or rich text is non-empty text, a hidden value any text, an approval a
 * decision (anything else: null).
 */
export function sanitizeValue(field: Pick<HotlineField, "type" | "multiple">, value: unknown): HotlineValue {
  switch (field.type) {
    case "hotline-upload": {
      const files = (Array.isArray(value) ? (value as unknown[]) : [value]).filter(isFileValue).map(({ blobId, name, size, contentType }) => ({ blobId, name, size, contentType }));
      return field.multiple ? files : files.slice(0, 1);
    }
    case "hotline-month":
      return typeof value === "string" && isMonth(value) ? value : null;
    case "hotline-phone":
    case "hotline-richtext":
      return typeof value === "string" && value !== "" ? value : null;
    case "hotline-hidden":
      return typeof value === "string" ? value : null;
    case "hotline-approval":
      return approvalValue(value);
    default: {
      const ids = [...new Set(heldIds(value))];
      return field.multiple ? ids : (ids[0] ?? null);
    }
  }
}

/** What the server would refuse of a value typed into a field (beyond `validate.required`). */
export type ValueProblem = "phone" | "richTextLength";

/** The problem of a phone number or rich text, or null (also for empty values: `required` checks those). */
export function valueProblem(field: Pick<HotlineField, "type">, value: unknown): ValueProblem | null {
  if (typeof value !== "string" || value === "") return null;
  if (field.type === "hotline-phone" && !isPhoneNumber(value)) return "phone";
  // Code points, as the server counts: an emoji is one character, not two.
  if (field.type === "hotline-richtext" && [...value].length > MAX_RICH_TEXT_CHARS) return "richTextLength";
  return null;
}

/** The ids a picker's value holds, whichever shape it has. */
export function heldIds(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === "string" && item !== "");
}
