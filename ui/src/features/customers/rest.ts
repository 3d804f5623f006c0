/**
 * The customers' Excel routes (docs/customers.md, "Excel"): the import template, the import
 * itself (the raw .xlsx as the body, answered by an `ImportReport`) and the export. They take
 * the session cookie or the bearer token; the token is sent as the GraphQL client sends it.
 * Refusals are problem+json with a `code`, turned into a `GraphqlError` like GraphQL's.
 */
import { CLIENT_CODES, GraphqlError } from "../../api/client";
import { getSession } from "../../api/session";
import type { ImportReport } from "./customers.graphql";

export const TEMPLATE_PATH = "/api/customers/template.xlsx";
export const IMPORT_PATH = "/api/customers/import";
export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

export function exportPath(queryId: string | null): string {
  return queryId ? `/api/customers/export.xlsx?query=${encodeURIComponent(queryId)}` : "/api/customers/export.xlsx";
}

function authorised(headers: Record<string, string>): Record<string, string> {
  const session = getSession();
  return session ? { ...headers, authorization: `Bearer ${session.token}` } : headers;
}

async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, { ...init, credentials: "same-origin" });
  } catch (cause) {
    throw new GraphqlError(CLIENT_CODES.network, String(cause));
  }
}

async function refusal(response: Response): Promise<GraphqlError> {
  let problem: { code?: unknown; detail?: unknown } = {};
  try {
    problem = ((await response.json()) ?? {}) as typeof problem;
  } catch {
    // Not problem+json (a proxy's page, say): the status says enough.
  }
  return new GraphqlError(
    typeof problem.code === "string" ? problem.code : CLIENT_CODES.badResponse,
    typeof problem.detail === "string" ? problem.detail : `HTTP ${response.status}`,
  );
}

/** `POST /api/customers/import` with the file; the report of what was imported and what not. */
export async function importCustomers(file: File): Promise<ImportReport> {
  const response = await send(IMPORT_PATH, {
    method: "POST",
    headers: authorised({ "content-type": XLSX_TYPE, accept: "application/json" }),
    body: file,
  });
  if (!response.ok) throw await refusal(response);
  try {
    return (await response.json()) as ImportReport;
  } catch {
    throw new GraphqlError(CLIENT_CODES.badResponse, `HTTP ${response.status}`);
  }
}

/** The file name a response suggests (`Content-Disposition`), else `fallback`. */
export function suggestedName(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (encoded) {
    try {
      return decodeURIComponent(encoded[1]!.trim());
    } catch {
      // A malformed name: use the plain one or the fallback.
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1]!.trim() : fallback;
}

/** Saves a blob as a file through a temporary link. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.style.display = "none";
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Some browsers read the URL after the click returns.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads a file of a REST route with the session, so that refusals can be shown. */
export async function download(path: string, fallbackName: string): Promise<void> {
  const response = await send(path, { method: "GET", headers: authorised({ accept: `${XLSX_TYPE}, application/problem+json` }) });
  if (!response.ok) throw await refusal(response);
  saveBlob(await response.blob(), suggestedName(response.headers.get("content-disposition"), fallbackName));
}
