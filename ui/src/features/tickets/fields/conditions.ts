/**
 * The customer conditions and shown columns of a `hotline-query` field (source `customers`)
 * and the text the form designer edits them as. Conditions: one a line, `field op value`,
 * `field between low high`, `field is_empty`; a value with spaces (or none) is written as a
 * JSON string (`city equals "New York"`). Columns: comma-separated customer field keys.
 * Values are never empty (the server trims them, and an empty one is no value). Pure, shared
 * by the designer and its tests.
 */

export const QUERY_CONDITION_OPS = ["equals", "contains", "starts_with", "greater_than", "less_than", "between", "is_empty", "not_empty"] as const;
export type QueryConditionOp = (typeof QUERY_CONDITION_OPS)[number];

/** One condition as the schema holds it: `value` except for is_empty/not_empty, `valueTo` only for between. */
export interface QueryFieldCondition {
  field: string;
  op: QueryConditionOp;
  value?: string;
  valueTo?: string;
}

/** The contract's limits. */
export const MAX_CONDITIONS = 20;
export const MAX_COLUMNS = 8;

const NO_VALUE: readonly QueryConditionOp[] = ["is_empty", "not_empty"];

export function isQueryConditionOp(op: unknown): op is QueryConditionOp {
  return (QUERY_CONDITION_OPS as readonly unknown[]).includes(op);
}

/** A value as one token: bare when it has no spaces and reads back as itself, else a JSON string. */
function token(value: string): string {
  return value === "" || /\s/.test(value) || value.startsWith('"') ? JSON.stringify(value) : value;
}

/** The text of conditions (the inverse of `parseConditions` for what it produces). */
export function formatConditions(conditions: readonly QueryFieldCondition[] | null | undefined): string {
  return (conditions ?? [])
    .map((condition) => {
      const parts = [condition.field, condition.op];
      if (condition.op === "between") parts.push(token(condition.value ?? ""), token(condition.valueTo ?? ""));
      else if (!NO_VALUE.includes(condition.op)) parts.push(token(condition.value ?? ""));
      return parts.join(" ");
    })
    .join("\n");
}

/** A line that does not read as a condition: its number (from 1) and why. */
export interface ConditionError {
  line: number;
  message: string;
}

export interface ParsedConditions {
  /** The lines that read as conditions (at most `MAX_CONDITIONS`). */
  conditions: QueryFieldCondition[];
  errors: ConditionError[];
}

/**
 * The tokens of a line's rest: bare words split at whitespace, JSON strings whole. Null when
 * a quoted token does not close.
 */
function tokens(text: string): string[] | null {
  const found: string[] = [];
  let rest = text.trim();
  while (rest) {
    if (rest.startsWith('"')) {
      const match = /^"(?:[^"\\]|\\.)*"/.exec(rest);
      if (!match) return null;
      try {
        found.push(JSON.parse(match[0]) as string);
      } catch {
        return null;
      }
      rest = rest.slice(match[0].length);
      if (rest && !/^\s/.test(rest)) return null;
    } else {
      const word = /^\S+/.exec(rest)![0];
      found.push(word);
      rest = rest.slice(word.length);
    }
    rest = rest.trimStart();
  }
  return found;
}

/** One line's condition, or why it is not one. */
function parseLine(content: string): QueryFieldCondition | string {
  const match = /^(\S+)(?:\s+(\S+))?(?:\s+(.*))?$/.exec(content);
  const field = match?.[1];
  const op = match?.[2]?.toLowerCase();
  if (!field || !op) return "expected: field op value";
  if (!isQueryConditionOp(op)) return `unknown operator "${match[2]}" (one of ${QUERY_CONDITION_OPS.join(", ")})`;
  const rest = match[3]?.trim() ?? "";
  if (NO_VALUE.includes(op)) return rest ? `${op} takes no value` : { field, op };
  if (op === "between") {
    const values = tokens(rest);
    if (!values) return "unclosed quote";
    if (values.length !== 2 || values.some((value) => !value.trim())) return "between takes two values: field between low high";
    return { field, op, value: values[0]!, valueTo: values[1]! };
  }
  if (!rest) return `${op} needs a value`;
  // The rest of the line is the value, unless it is one JSON string.
  if (rest.startsWith('"')) {
    const values = tokens(rest);
    if (!values) return "unclosed quote";
    if (values.length !== 1) return "one value only (quote a value with spaces)";
    if (!values[0]!.trim()) return `${op} needs a value`;
    return { field, op, value: values[0]! };
  }
  return { field, op, value: rest };
}

/** The conditions of a text; blank lines are skipped, lines that do not read are errors (and left out). */
export function parseConditions(text: string): ParsedConditions {
  const conditions: QueryFieldCondition[] = [];
  const errors: ConditionError[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const content = raw.trim();
    if (!content) return;
    const parsed = parseLine(content);
    if (typeof parsed === "string") errors.push({ line: index + 1, message: parsed });
    else if (conditions.length >= MAX_CONDITIONS) errors.push({ line: index + 1, message: `at most ${MAX_CONDITIONS} conditions` });
    else conditions.push(parsed);
  });
  return { conditions, errors };
}

/** The text of shown columns. */
export function formatColumns(columns: readonly string[] | null | undefined): string {
  return (columns ?? []).join(", ");
}

/** The columns of a text: trimmed, distinct, empty ones skipped, at most `MAX_COLUMNS`. */
export function parseColumns(text: string): string[] {
  const keys = text
    .split(",")
    .map((key) => key.trim())
    .filter(Boolean);
  return [...new Set(keys)].slice(0, MAX_COLUMNS);
}
