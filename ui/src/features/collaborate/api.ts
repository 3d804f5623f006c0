/**
 * The public ticket-link routes an outside collaborator's page calls: plain fetch, no
 * session (no bearer token, no cookie), the link in the `X-Ticket-Link` header (never in a
 * URL, where logs would keep it). `GET /api/ticket-link` answers the step to fill in, `POST`
 * the same URL completes it; `POST /api/ticket-link/files` uploads a file for its upload
 * fields and `GET /api/ticket-link/files/<blob>` downloads one the ticket holds. Refusals are
 * problem+json, thrown as a `GraphqlError` with their `code` and `detail` as the other REST
 * calls do (api/upload.ts), the `fields` of `ticket.invalid_values` as `extensions.fields`
 * where `ticketFieldErrors` (tickets/workflow.ts) reads them.
 */
import { CLIENT_CODES, GraphqlError } from "../../api/client";
import { saveBlob } from "../../api/saveFile";
import type { FieldDirectory, FieldOption, FileValue, QueryLabel } from "../tickets/fields/directory";
import type { FormSchema, FormValues, TicketFieldRule } from "../tickets/tickets.graphql";

/** What a link opens: the ticket, the step and the form as this step shows it. */
export interface TicketLink {
  organisation: string;
  ticketNumber: string;
  title: string;
  stepName: string;
  /** The address the link was mailed to. */
  address: string;
  expiresAt: string;
  /** The form-js schema, with only the fields this step shows. */
  form: FormSchema;
  /** Each field's access at this step: READ_ONLY, EDITABLE or REQUIRED. */
  fields: TicketFieldRule[];
  values: FormValues;
  /** The names of the users, groups, departments and tickets the values hold. */
  references: FieldOption[];
  /** The labels of the values its query fields hold (absent from a server before query fields). */
  queryLabels?: QueryLabel[];
}

export interface TicketLinkCompleted {
  completed: boolean;
}

export const TICKET_LINK_URL = "/api/ticket-link";
/** The header the link travels in. */
export const LINK_HEADER = "x-ticket-link";
const ACCEPT_JSON = "application/json, application/problem+json";

export function ticketLinkFileUrl(blobId: string): string {
  return `${TICKET_LINK_URL}/files/${encodeURIComponent(blobId)}`;
}

interface Problem {
  type?: unknown;
  title?: unknown;
  status?: unknown;
  detail?: unknown;
  code?: unknown;
  fields?: unknown;
}

function problemError(body: unknown, status: number): GraphqlError {
  const problem = (body ?? {}) as Problem;
  const extensions: Record<string, unknown> = { status };
  if (Array.isArray(problem.fields)) extensions.fields = problem.fields;
  if (typeof problem.title === "string") extensions.title = problem.title;
  return new GraphqlError(
    typeof problem.code === "string" ? problem.code : CLIENT_CODES.badResponse,
    typeof problem.detail === "string" ? problem.detail : `HTTP ${status}`,
    undefined,
    extensions,
  );
}

/** Sends a request with the link (and no session); a network failure is a `GraphqlError`. */
async function send(url: string, link: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), [LINK_HEADER]: link }, credentials: "omit" });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new GraphqlError(CLIENT_CODES.network, String(cause));
  }
}

async function call<T>(url: string, link: string, init: RequestInit): Promise<T> {
  const response = await send(url, link, init);
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    if (!response.ok) throw problemError(null, response.status);
    throw new GraphqlError(CLIENT_CODES.badResponse, `HTTP ${response.status}`);
  }
  if (!response.ok) throw problemError(body, response.status);
  return body as T;
}

export function fetchTicketLink(link: string, signal?: AbortSignal): Promise<TicketLink> {
  return call<TicketLink>(TICKET_LINK_URL, link, { method: "GET", headers: { accept: ACCEPT_JSON }, signal });
}

/** Completes the step with `values` (those of its editable fields only). */
export function submitTicketLink(link: string, values: FormValues): Promise<TicketLinkCompleted> {
  return call<TicketLinkCompleted>(TICKET_LINK_URL, link, {
    method: "POST",
    headers: { "content-type": "application/json", accept: ACCEPT_JSON },
    body: JSON.stringify({ values }),
  });
}

/** Uploads one file for the step's upload fields: the raw file as the body, its name percent-encoded. */
export function uploadTicketLinkFile(link: string, file: File): Promise<FileValue> {
  return call<FileValue>(`${TICKET_LINK_URL}/files`, link, {
    method: "POST",
    headers: {
      "content-type": file.type || "application/octet-stream",
      "x-file-name": encodeURIComponent(file.name),
      accept: ACCEPT_JSON,
    },
    body: file,
  });
}

/** Downloads a file the step's fields hold and saves it under its name. */
export async function downloadTicketLinkFile(link: string, file: FileValue): Promise<void> {
  const response = await send(ticketLinkFileUrl(file.blobId), link, { method: "GET" });
  if (!response.ok) throw problemError(await response.json().catch(() => null), response.status);
  saveBlob(await response.blob(), file.name);
}

/** The form's directory on the collaborator's page: no searching (pickers and query fields
 * show what the values hold, named by the link's references and query labels), files through the link's routes (fetched
 * with the link's header, so held files download on click rather than through a plain link). */
export function ticketLinkDirectory(link: string, references: FieldOption[], queryLabels: QueryLabel[] = []): FieldDirectory {
  return {
    references,
    queryLabels,
    upload: (file) => uploadTicketLinkFile(link, file),
    download: (file) => downloadTicketLinkFile(link, file),
  };
}
