/**
 * The Web Worker of `runRules`: one run each. It says it has started (the time limit counts
 * from then, not from loading), runs the rules and posts what they gave.
 */
import type { FormValues } from "./tickets.graphql";
import { evaluateRules, type RulesResult } from "./rulesCore";

export interface RulesRequest {
  script: string;
  values: FormValues;
  step: string;
}

export type RulesMessage = { started: true } | { result: RulesResult };

const post = self.postMessage.bind(self) as (message: RulesMessage) => void;

self.addEventListener("message", (event: MessageEvent<RulesRequest>) => {
  post({ started: true });
  post({ result: evaluateRules(event.data.script, event.data.values, event.data.step) });
});

// The server runs the rules in QuickJS, which has no host objects. Without the worker's, a
// script that reaches for the network, storage, timers or the console fails here as it will
// there (and cannot post results of its own).
const HOST_OBJECTS = [
  "fetch",
  "XMLHttpRequest",
  "WebSocket",
  "WebTransport",
  "EventSource",
  "importScripts",
  "indexedDB",
  "caches",
  "BroadcastChannel",
  "Worker",
  "SharedWorker",
  "setTimeout",
  "setInterval",
  "console",
  "navigator",
  "location",
  "postMessage",
];
for (let scope: object | null = globalThis; scope && scope !== Object.prototype; scope = Object.getPrototypeOf(scope) as object | null) {
  for (const name of HOST_OBJECTS) if (Object.hasOwn(scope, name)) Reflect.deleteProperty(scope, name);
}
