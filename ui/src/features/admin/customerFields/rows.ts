/**
 * The fields page's editable list: the tenant's own fields as rows, checked as the server
 * checks them (domain/src/customer/fields.rs) and sent back whole with `defineCustomerFields`.
 * A saved field's key never changes (it names stored values), nor does its type.
 */
import type { CustomerField, CustomerFieldType } from "../../customers/customers.graphql";
import { FIELD_KEY_PATTERN, FIELD_LABEL_MAX, MAX_TENANT_FIELDS, TEXT_MAX_LENGTH } from "../../customers/fields";
import type { CustomerFieldInput } from "./customerFields.graphql";

export interface FieldRow {
  /** Stable while editing (a new row has no key yet). */
  rowId: string;
  key: string;
  label: string;
  fieldType: CustomerFieldType;
  required: boolean;
  maxLength: number | null;
  enabled: boolean;
  /** Saved before: its key and type are fixed. */
  saved: boolean;
}

export type RowColumn = "key" | "label" | "maxLength";

/** The problems of each row, as message keys with their values. */
export type RowProblems = Record<string, Partial<Record<RowColumn, { key: string; values?: Record<string, string | number> }>>>;

let nextRowId = 0;

export function toRows(fields: readonly CustomerField[]): FieldRow[] {
  return fields
    .filter((field) => !field.builtIn)
    .sort((a, b) => a.sortOrder - b.sortOrder || a.key.localeCompare(b.key))
    .map((field) => ({
      rowId: `saved:${field.key}`,
      key: field.key,
      label: field.label,
      fieldType: field.fieldType,
      required: field.required,
      maxLength: field.maxLength,
      enabled: field.enabled,
      saved: true,
    }));
}

export function newRow(): FieldRow {
  nextRowId += 1;
  return { rowId: `new:${nextRowId}`, key: "", label: "", fieldType: "TEXT", required: false, maxLength: 100, enabled: true, saved: false };
}

/** A change to a row; a saved row keeps its key and type whatever is asked. */
export function changeRow(row: FieldRow, change: Partial<Omit<FieldRow, "rowId" | "saved">>): FieldRow {
  const next = { ...row, ...change };
  if (row.saved) {
    next.key = row.key;
    next.fieldType = row.fieldType;
  }
  if (next.fieldType !== "TEXT") next.maxLength = null;
  return next;
}

/** Moves the row at `index` one place up (-1) or down (+1). */
export function move(rows: readonly FieldRow[], index: number, by: -1 | 1): FieldRow[] {
  const target = index + by;
  if (target < 0 || target >= rows.length) return [...rows];
  const next = [...rows];
  [next[index], next[target]] = [next[target]!, next[index]!];
  return next;
}

export function checkRows(rows: readonly FieldRow[], builtInKeys: readonly string[]): RowProblems {
  const problems: RowProblems = {};
  const seen = new Map<string, number>();
  for (const row of rows) seen.set(row.key, (seen.get(row.key) ?? 0) + 1);
  for (const row of rows) {
    const rowProblems: RowProblems[string] = {};
    if (!row.saved) {
      if (!FIELD_KEY_PATTERN.test(row.key)) rowProblems.key = { key: "customerFields.keyRule" };
      else if (builtInKeys.includes(row.key)) rowProblems.key = { key: "customerFields.keyBuiltIn" };
      else if ((seen.get(row.key) ?? 0) > 1) rowProblems.key = { key: "customerFields.keyTwice" };
    }
    const label = row.label;
    if (!label.trim() || label.trim() !== label || [...label].length > FIELD_LABEL_MAX) {
      rowProblems.label = { key: "validation.cleanText", values: { max: FIELD_LABEL_MAX } };
    }
    if (row.fieldType === "TEXT" && row.maxLength != null && (!Number.isInteger(row.maxLength) || row.maxLength < 1 || row.maxLength > TEXT_MAX_LENGTH)) {
      rowProblems.maxLength = { key: "customerFields.maxLengthRule", values: { max: TEXT_MAX_LENGTH } };
    }
    if (Object.keys(rowProblems).length > 0) problems[row.rowId] = rowProblems;
  }
  return problems;
}

export function tooMany(rows: readonly FieldRow[]): boolean {
  return rows.length > MAX_TENANT_FIELDS;
}

/** The whole list as the server takes it, in the order shown. */
export function toInput(rows: readonly FieldRow[]): CustomerFieldInput[] {
  return rows.map((row, index) => ({
    key: row.key,
    label: row.label,
    fieldType: row.fieldType,
    required: row.required,
    maxLength: row.fieldType === "TEXT" ? row.maxLength : null,
    enabled: row.enabled,
    sortOrder: index,
  }));
}

/** The key a `customer_fields.type_changed` refusal names ("field {key} was ..."). */
export function keyOfTypeChange(message: string): string | null {
  return /field (\w+) was/.exec(message)?.[1] ?? null;
}
