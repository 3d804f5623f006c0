/**
 * Form rules in the browser: `runRules` runs a ticket type's script in a Web Worker and stops
 * it after the server's time limit, so that a script that loops never freezes the tab. What
 * the browser computes is only shown: the server runs the rules again and decides.
 */
import type { RulesMessage, RulesRequest } from "./rulesWorker";
import type { RulesResult } from "./rulesCore";
import type { FormValues } from "./tickets.graphql";

export { RULES_AT_START, type RuleError, type RulesFailureKind, type RulesResult } from "./rulesCore";

/** As long as the server lets the rules run (infra/src/rules.rs). */
export const RULES_TIME_LIMIT_MS = 250;
/** How long the worker may take to load before the run is given up. */
const START_LIMIT_MS = 10_000;

/** Runs `script` on `values` at `step`. Rejects only when `signal` aborts. */
export function runRules(script: string, values: FormValues, step: string, signal?: AbortSignal): Promise<RulesResult> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let worker: Worker;
    try {
      worker = new Worker(new URL("./rulesWorker.ts", import.meta.url), { type: "module" });
    } catch (caught) {
      resolve({ ok: false, kind: "unavailable", message: String(caught) });
      return;
    }
    let started = false;
    let timer = setTimeout(() => finish({ ok: false, kind: "unavailable", message: "the worker did not start" }), START_LIMIT_MS);
    const stop = () => {
      clearTimeout(timer);
      worker.terminate();
      signal?.removeEventListener("abort", abort);
    };
    const finish = (result: RulesResult) => {
      stop();
      resolve(result);
    };
    const abort = () => {
      stop();
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", abort);
    worker.onmessage = (event: MessageEvent<RulesMessage>) => {
      if ("result" in event.data) {
        finish(event.data.result);
        return;
      }
      started = true;
      clearTimeout(timer);
      timer = setTimeout(() => finish({ ok: false, kind: "timeout", message: "" }), RULES_TIME_LIMIT_MS);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      finish({ ok: false, kind: started ? "threw" : "unavailable", message: event.message });
    };
    try {
      // Plain JSON, as the server hands the values over (and always cloneable).
      worker.postMessage({ script, values: JSON.parse(JSON.stringify(values)) as FormValues, step } satisfies RulesRequest);
    } catch (caught) {
      finish({ ok: false, kind: "unavailable", message: String(caught) });
    }
  });
}
