/** For component tests (jsdom has no Web Worker): `rules.ts` with the rules run at once, in
 * the test's own thread. */
import { evaluateRules, type RulesResult } from "../rulesCore";
import type { FormValues } from "../tickets.graphql";

export { RULES_AT_START } from "../rulesCore";
export const RULES_TIME_LIMIT_MS = 250;

export async function runRules(script: string, values: FormValues, step: string): Promise<RulesResult> {
  return evaluateRules(script, values, step);
}
