/**
 * The rules of customer fields on the client: which fields a form and the table show, the
 * operators each field type takes in a query, and how a profile's `{ key, value }` pairs
 * become form values and back. The server checks everything again (domain/src/customer).
 */
import { GraphqlError } from "../../api/client";
import type { MessageKey } from "../../i18n";
import type { ConditionOp, Customer, CustomerField, CustomerFieldType, FieldValue, QueryCondition } from "./customers.graphql";

export const FIELD_TYPES: readonly CustomerFieldType[] = ["TEXT", "NUMBER", "MONEY", "DATE", "TIME", "PHONE", "ID_CARD", "GENDER"];

/** The types a tenant gives its own fields (GENDER is the built-in field's alone). */
export const TENANT_FIELD_TYPES: readonly CustomerFieldType[] = ["TEXT", "NUMBER", "MONEY", "DATE", "TIME", "PHONE", "ID_CARD"];

export const FIELD_TYPE_KEYS: Record<CustomerFieldType, MessageKey> = {
  TEXT: "customers.type.text",
  NUMBER: "customers.type.number",
  MONEY: "customers.type.money",
  DATE: "customers.type.date",
  TIME: "customers.type.time",
  PHONE: "customers.type.phone",
  ID_CARD: "customers.type.idCard",
  GENDER: "customers.type.gender",
};

export const GENDERS = ["male", "female", "unknown"] as const;

export const GENDER_KEYS: Record<(typeof GENDERS)[number], MessageKey> = {
  male: "customers.gender.male",
  female: "customers.gender.female",
  unknown: "customers.gender.unknown",
};

const TEXTUAL: readonly ConditionOp[] = ["EQUALS", "CONTAINS", "STARTS_WITH", "IS_EMPTY", "NOT_EMPTY"];
const ORDERED: readonly ConditionOp[] = ["EQUALS", "GREATER_THAN", "LESS_THAN", "BETWEEN", "IS_EMPTY", "NOT_EMPTY"];

/** The operators a field of each type takes: text-like fields match text, ordered ones
 * (numbers, amounts, dates, times) compare, a gender is one value or none. */
export const OPERATORS_BY_TYPE: Record<CustomerFieldType, readonly ConditionOp[]> = {
  TEXT: TEXTUAL,
  PHONE: TEXTUAL,
  ID_CARD: ["EQUALS", "STARTS_WITH", "IS_EMPTY", "NOT_EMPTY"],
  NUMBER: ORDERED,
  MONEY: ORDERED,
  DATE: ORDERED,
  TIME: ORDERED,
  GENDER: ["EQUALS", "IS_EMPTY", "NOT_EMPTY"],
};

export const OPERATOR_KEYS: Record<ConditionOp, MessageKey> = {
  EQUALS: "customers.op.equals",
  CONTAINS: "customers.op.contains",
  STARTS_WITH: "customers.op.startsWith",
  GREATER_THAN: "customers.op.greaterThan",
  LESS_THAN: "customers.op.lessThan",
  BETWEEN: "customers.op.between",
  IS_EMPTY: "customers.op.isEmpty",
  NOT_EMPTY: "customers.op.notEmpty",
};

/** How many values an operator takes. */
export function operandCount(op: ConditionOp): 0 | 1 | 2 {
  if (op === "IS_EMPTY" || op === "NOT_EMPTY") return 0;
  return op === "BETWEEN" ? 2 : 1;
}

/** The fields a form, the table and the screen pop show: the enabled ones, in order. */
export function enabledFields(fields: readonly CustomerField[]): CustomerField[] {
  return fields.filter((field) => field.enabled).sort((a, b) => a.sortOrder - b.sortOrder || a.key.localeCompare(b.key));
}

export function valueOf(customer: Pick<Customer, "values">, key: string): string | undefined {
  return customer.values.find((entry) => entry.key === key)?.value;
}

/** A condition is complete when it names a field the type allows and has its values. */
export function isCompleteCondition(condition: QueryCondition, fields: readonly CustomerField[]): boolean {
  const field = fields.find((candidate) => candidate.key === condition.field);
  if (!field || !OPERATORS_BY_TYPE[field.fieldType].includes(condition.op)) return false;
  const count = operandCount(condition.op);
  if (count >= 1 && !condition.value?.trim()) return false;
  if (count === 2 && !condition.valueTo?.trim()) return false;
  return true;
}

/** A condition as the server takes it: no values an operator does not use. */
export function conditionInput(condition: QueryCondition): QueryCondition {
  const count = operandCount(condition.op);
  return {
    field: condition.field,
    op: condition.op,
    value: count >= 1 ? (condition.value ?? "").trim() : null,
    valueTo: count === 2 ? (condition.valueTo ?? "").trim() : null,
  };
}

/** The profile as it is sent: an update replaces the whole profile, so the values of fields
 * the form does not show (disabled ones) are kept, and an emptied field is left out. */
export function mergeValues(
  shown: readonly CustomerField[],
  formValues: Readonly<Record<string, string | null | undefined>>,
  previous: readonly FieldValue[] = [],
): FieldValue[] {
  const shownKeys = new Set(shown.map((field) => field.key));
  const kept = previous.filter((entry) => !shownKeys.has(entry.key));
  const entered = shown
    .map((field) => ({ key: field.key, value: (formValues[field.key] ?? "").trim() }))
    .filter((entry) => entry.value !== "");
  return [...kept, ...entered];
}

/** The per-field problems of a `customer.invalid_values` refusal: `extensions.fields`, or
 * else the message's `field: problem; ...` list. */
export function fieldErrors(error: unknown): { field: string; message: string }[] {
  if (!(error instanceof GraphqlError) || error.code !== "customer.invalid_values") return [];
  const listed = error.extensions.fields;
  if (Array.isArray(listed)) {
    return listed.flatMap((entry: unknown) => {
      const candidate = entry as { field?: unknown; message?: unknown } | null;
      return typeof candidate?.field === "string" && typeof candidate.message === "string"
        ? [{ field: candidate.field, message: candidate.message }]
        : [];
    });
  }
  return error.serverMessage
    .split(";")
    .map((part) => part.trim())
    .flatMap((part) => {
      const colon = part.indexOf(":");
      return colon > 0 ? [{ field: part.slice(0, colon).trim(), message: part.slice(colon + 1).trim() }] : [];
    });
}

/** The ID-card number of the PRC (GB 11643-1999): 17 digits and a check character (mod 11,
 * `X` for 10), with a real birth date; as the server checks it. */
export function isIdCardNumber(text: string): boolean {
  const value = text.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(value)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((total, weight, index) => total + Number(value[index]) * weight, 0);
  if (value[17] !== "10X98765432"[sum % 11]) return false;
  const [year, month, day] = [Number(value.slice(6, 10)), Number(value.slice(10, 12)), Number(value.slice(12, 14))];
  const birth = new Date(Date.UTC(year, month - 1, day));
  return birth.getUTCFullYear() === year && birth.getUTCMonth() === month - 1 && birth.getUTCDate() === day;
}

/** 5 to 20 digits, with `+` (first only), `-`, `(`, `)` and spaces: as the server checks it. */
export function isPhoneNumber(text: string): boolean {
  const value = text.trim();
  const digits = value.replace(/\D/g, "").length;
  return /^\+?[\d\-() ]+$/.test(value) && digits >= 5 && digits <= 20;
}

/** Field keys: a lowercase letter, then lowercase letters, digits and `_`, at most 40. */
export const FIELD_KEY_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
export const FIELD_LABEL_MAX = 60;
export const TEXT_MAX_LENGTH = 2000;
export const MAX_TENANT_FIELDS = 200;
