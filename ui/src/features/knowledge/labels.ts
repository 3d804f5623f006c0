/** Texts of the knowledge base: attachment kinds and sizes, and the server's refusals. */
import { GraphqlError } from "../../api/client";
import type { Locale, MessageKey, Translate } from "../../i18n";
import type { KnowledgeAttachmentKind } from "./knowledge.graphql";

export const KIND_KEYS: Record<KnowledgeAttachmentKind, MessageKey> = {
  DOCUMENT: "knowledge.attachments.document",
  AUDIO: "knowledge.attachments.audio",
  FILE: "knowledge.attachments.file",
};

/** "512 B", "20 KB", "3.4 MB". */
export function formatSize(bytes: number, locale: Locale): string {
  const number = (value: number, digits: number) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
  if (bytes < 1024) return `${number(bytes, 0)} B`;
  if (bytes < 1024 * 1024) return `${number(bytes / 1024, 0)} KB`;
  return `${number(bytes / (1024 * 1024), 1)} MB`;
}

/** The server's own words for a query it cannot parse (an unbalanced quote, say): they say
 * what to fix, which a generic translation cannot. */
export function isInvalidQuery(error: unknown): error is GraphqlError {
  return error instanceof GraphqlError && error.code === "knowledge.invalid_query";
}

/** A refused upload's `detail` (the type not allowed, the size limit, an unreadable file). */
export function uploadRefusal(error: unknown, fallback: (error: unknown) => string): string {
  return error instanceof GraphqlError && error.serverMessage ? error.serverMessage : fallback(error);
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** `extensions.fields` of a validation error: `[{ field, message }]`. */
export function fieldProblems(error: unknown): FieldProblem[] {
  if (!(error instanceof GraphqlError)) return [];
  const listed = error.extensions.fields;
  if (!Array.isArray(listed)) return [];
  return listed.flatMap((entry: unknown) => {
    const candidate = entry as { field?: unknown; message?: unknown } | null;
    return typeof candidate?.field === "string" && typeof candidate.message === "string" ? [{ field: candidate.field, message: candidate.message }] : [];
  });
}

/** A server's word on one field ("is required", "is longer than 200 characters") in the
 * user's language where we know it, else as the server put it. */
export function fieldProblemText(message: string, t: Translate): string {
  if (message === "is required" || message === "required") return t("validation.required");
  const longest = /^(?:is longer than|at most) (\d+) characters$/.exec(message);
  if (longest) return t("validation.maxChars", { max: Number(longest[1]) });
  return message;
}

/** The form field a server's field name is about (`quiz[0].options` → `quiz`), if any. */
export function formFieldOf(serverField: string, formFields: readonly string[], aliases: Readonly<Record<string, string>> = {}): string | null {
  const base = serverField.split(/[.[]/)[0] ?? serverField;
  const named = aliases[base] ?? base;
  return formFields.includes(named) ? named : null;
}
