/** Runs a ticket type's form rules on a form's values as the user types (debounced). */
import { useEffect, useState } from "react";
import { type RulesResult, runRules } from "./rules";
import type { FormValues } from "./tickets.graphql";

/** Quiet time after the last change before the rules run. */
export const RULES_DEBOUNCE_MS = 300;

/** The rules' latest result for these values; null without rules or before their first run. */
export function useFormRules(script: string | null | undefined, values: FormValues, step: string): RulesResult | null {
  const [outcome, setOutcome] = useState<{ script: string; step: string; result: RulesResult } | null>(null);
  // By content: the forms hand over a new object on every change.
  const valuesKey = JSON.stringify(values);

  useEffect(() => {
    if (!script?.trim()) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      runRules(script, JSON.parse(valuesKey) as FormValues, step, controller.signal).then(
        (result) => setOutcome({ script, step, result }),
        // Aborted: newer values are on their way.
        () => {},
      );
    }, RULES_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [script, valuesKey, step]);

  // Another type's or step's result is no result; the previous values' stays until the next.
  return script?.trim() && outcome?.script === script && outcome.step === step ? outcome.result : null;
}

/**
 * What a form shows in its fields, read-only (`FormView`'s `computed`): the values the rules
 * calculated whatever the field held (`calculated`); defaults and corrections of what was typed
 * stay the user's to change, listed under the form. Nothing while the rules fail.
 */
export function calculatedValues(result: RulesResult | null): FormValues | undefined {
  if (!result?.ok || !result.calculated?.length) return undefined;
  return Object.fromEntries(result.calculated.filter((key) => Object.hasOwn(result.computed, key)).map((key) => [key, result.computed[key]]));
}
