/**
 * A server error as a sentence in the user's language: `error.<code>` when we have it,
 * else the server's own message, else a generic line.
 */
import { useCallback } from "react";
import { hasMessage, type Locale, type Translate, useI18n } from "../i18n";
import { formatDateTime } from "../i18n/format";
import { GraphqlError } from "./client";

/** When a locked-out account opens again: `extensions.lockedUntil` if the server sends it,
 * else the time in its message ("... locked until 2025-01-31 14:05 UTC"). */
export function lockedUntil(error: GraphqlError): Date | null {
  const fromExtensions = error.extensions.lockedUntil;
  if (typeof fromExtensions === "string" && !Number.isNaN(Date.parse(fromExtensions))) return new Date(fromExtensions);
  const match = /(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC/.exec(error.serverMessage);
  return match ? new Date(`${match[1]}T${match[2]}:00Z`) : null;
}

export function errorText(error: unknown, t: Translate, locale: Locale): string {
  if (error instanceof GraphqlError) {
    if (error.code === "auth.locked_out") {
      const until = lockedUntil(error);
      if (until) return t("error.auth.locked_out_until", { time: formatDateTime(until, locale) });
    }
    const key = `error.${error.code}`;
    if (hasMessage(key)) return t(key);
    if (error.serverMessage) return error.serverMessage;
    return t("error.unknown", { code: error.code });
  }
  if (error instanceof Error) return t("error.unknown", { code: error.message });
  return t("error.unknown", { code: String(error) });
}

export function useErrorText(): (error: unknown) => string {
  const { t, locale } = useI18n();
  return useCallback((error: unknown) => errorText(error, t, locale), [t, locale]);
}
