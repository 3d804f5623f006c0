/** What the server checks on a webhook (domain/src/webhook), checked again in the form. */
import type { WebhookInput } from "./webhooks.graphql";

export const URL_MAX = 2000;
export const DESCRIPTION_MAX = 500;
export const EVENT_TYPES_MAX = 100;
const PATTERN_MAX = 200;

/** An absolute `http://` or `https://` address with a host and an optional port, without
 * spaces, control characters, or a user name or password. */
export function isWebhookUrl(url: string): boolean {
  if (url.length === 0 || [...url].length > URL_MAX) return false;
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return false;
  const match = /^https?:\/\/(.*)$/i.exec(url);
  if (!match) return false;
  const authority = match[1]!.split(/[/?#]/)[0]!;
  if (authority.includes("@")) return false;
  let host: string;
  if (authority.startsWith("[")) {
    host = authority.slice(1).split("]")[0]!;
  } else {
    const colon = authority.lastIndexOf(":");
    host = colon >= 0 ? authority.slice(0, colon) : authority;
  }
  if (host.length === 0 || /[<>"\\{}|^`]/.test(host)) return false;
  const colon = authority.lastIndexOf(":");
  if (colon >= 0 && !authority.endsWith("]")) {
    const port = authority.slice(colon + 1);
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return false;
  }
  return true;
}

/** `hotline.<context>.<event>` or `hotline.<context>.*`: lower-case letters, digits and `_`. */
export function isEventTypePattern(pattern: string): boolean {
  return pattern.length <= PATTERN_MAX && /^hotline\.[a-z0-9_]+\.([a-z0-9_]+|\*)$/.test(pattern);
}

/** The first problem of a list of patterns, or null: its i18n key and the pattern. */
export function eventTypesProblem(patterns: readonly string[]): { key: string; pattern?: string } | null {
  if (patterns.length > EVENT_TYPES_MAX) return { key: "webhooks.rule.tooManyTypes" };
  const seen = new Set<string>();
  for (const pattern of patterns) {
    if (!isEventTypePattern(pattern)) return { key: "webhooks.rule.eventType", pattern };
    if (seen.has(pattern)) return { key: "webhooks.rule.duplicateType", pattern };
    seen.add(pattern);
  }
  return null;
}

export interface EndpointValues {
  url: string;
  eventTypes: string[];
  description: string;
}

/** The form's values as `WebhookInput`, trimmed. */
export function webhookInput(values: EndpointValues): WebhookInput {
  return {
    url: values.url.trim(),
    eventTypes: (values.eventTypes ?? []).map((pattern) => pattern.trim()).filter(Boolean),
    description: (values.description ?? "").trim(),
  };
}

