/**
 * Form rules, the plain part: runs a ticket type's script on form values the way the server
 * does (infra/src/rules.rs), with no time limit: `rules.ts` runs this in a Web Worker and stops
 * it. The script is the body of a function of `values` (a JSON copy of the form's values),
 * `step` (the step being completed, or "start") and `error(field, message)`; it calculates by
 * setting fields of `values` and refuses input by calling `error`.
 */
import type { FormValues } from "./tickets.graphql";

export interface RuleError {
  field: string;
  message: string;
}

/** Why a run gave no outcome. `unavailable`: the browser could not start the worker. */
export type RulesFailureKind = "syntax" | "threw" | "timeout" | "values" | "unavailable";

export type RulesResult =
  | {
      ok: true;
      /** The fields whose value the rules set or changed, with their new value. */
      computed: Record<string, unknown>;
      /**
       * The keys of `computed` the rules set whatever the field held (a calculation, such as a
       * total, not a default or a correction of what was typed): a form shows these in their
       * fields, read-only. Absent: none known.
       */
      calculated?: string[];
      /** `error(field, message)` calls, in order. */
      errors: RuleError[];
    }
  | {
      ok: false;
      kind: RulesFailureKind;
      /** The script's own error (`TypeError: x is null (line 2)`); empty for a timeout. */
      message: string;
    };

/** The step the rules see when a ticket is opened. */
export const RULES_AT_START = "start";

type Script = (values: FormValues, step: string, error: (field: unknown, message: unknown) => void) => unknown;

/** Lines the `Function` constructor puts before the script's first. */
const LINES_BEFORE_SCRIPT = 2;

export function evaluateRules(script: string, values: FormValues, step: string): RulesResult {
  // Plain JSON in and out, as the server hands the script its values.
  const before = JSON.parse(JSON.stringify(values)) as FormValues;
  const copy = JSON.parse(JSON.stringify(values)) as FormValues;
  const errors: RuleError[] = [];
  const error = (field: unknown, message: unknown) => {
    errors.push({ field: String(field), message: String(message) });
  };
  const started = Date.now();
  let run: Script;
  try {
    run = new Function("values", "step", "error", script) as Script;
  } catch (caught) {
    return { ok: false, kind: "syntax", message: describe(caught) };
  }
  try {
    run(copy, step, error);
  } catch (caught) {
    return { ok: false, kind: "threw", message: describe(caught) };
  }
  let after: unknown;
  try {
    after = JSON.parse(JSON.stringify(copy) ?? "null");
  } catch (caught) {
    return { ok: false, kind: "values", message: describe(caught) };
  }
  if (!isObject(after)) return { ok: false, kind: "values", message: "`values` is no longer an object" };
  const computed = Object.fromEntries(Object.entries(after).filter(([key, value]) => !Object.hasOwn(before, key) || !sameJson(before[key], value)));
  return { ok: true, computed, calculated: calculatedKeys(run, values, step, computed, started), errors };
}

/** Stand-ins for what a user might type (a text and a number), to see whether the rules keep it. */
const PROBES: readonly unknown[] = ["\u0000probe", -987654.321];
/** How long the probes may take, all runs counted, so that the server's time limit still holds. */
const PROBE_BUDGET_MS = 80;

/**
 * The computed keys the rules set to the same value whatever the field holds: the script runs
 * again with each such field holding a probe (a text, then a number), and a key is calculated
 * when each run still gives its computed value. `values.total = price * quantity` is; a
 * default (`values.priority ||= "normal"`), a correction (`values.code = values.code.toUpperCase()`)
 * or a count (`values.n = (values.n || 0) + 1`) is not: it depends on what was typed. Keys not
 * probed in time are not calculated.
 */
function calculatedKeys(run: Script, values: FormValues, step: string, computed: Record<string, unknown>, started: number): string[] {
  const ignore = () => {};
  return Object.keys(computed).filter((key) =>
    PROBES.every((probe) => {
      if (Date.now() - started > PROBE_BUDGET_MS) return false;
      const copy = { ...(JSON.parse(JSON.stringify(values)) as FormValues), [key]: probe };
      try {
        run(copy, step, ignore);
        const after: unknown = JSON.parse(JSON.stringify(copy) ?? "null");
        return isObject(after) && Object.hasOwn(after, key) && sameJson(after[key], computed[key]);
      } catch {
        return false;
      }
    }),
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Equal as JSON values (objects whatever their key order, as the server compares them). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameJson(item, b[index]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
  }
  return a === b;
}

/** A thrown value as a person reads it: `TypeError: x is null (line 3)`, the line the script's. */
function describe(thrown: unknown): string {
  if (!(thrown instanceof Error)) return String(thrown);
  // V8: `at eval (eval at ..., <anonymous>:4:5)`; Firefox: `... > Function:4:5`.
  const frame = /(?:<anonymous>|> Function):(\d+):\d+/.exec(thrown.stack ?? "");
  const line = frame ? Number(frame[1]) - LINES_BEFORE_SCRIPT : 0;
  return line > 0 ? `${thrown.name}: ${thrown.message} (line ${line})` : `${thrown.name}: ${thrown.message}`;
}
