/**
 * The public ticket-link routes an outside collaborator's page calls: plain fetch, no
 * session (no bearer token, no cookie). `GET /api/ticket-links/<link>` answers the step to
 * fill in, `POST` the same URL completes it; `POST <link>/files` uploads a file for its
 * upload fields and `GET <link>/files/<blob>` downloads one the ticket holds. Refusals are
 * problem+json, thrown as a `GraphqlError` with their `code` and `detail` as the other REST
 * calls do (api/upload.ts), the `fields` of `ticket.invalid_values` as `extensions.fields`
 * where `ticketFieldErrors` (tickets/workflow.ts) reads them.
 */
import { CLIENT_CODES, GraphqlError } from "../../api/client";
import type { FieldDirectory, FieldOption, FileValue } from "../tickets/fields/directory";
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
}

export interface TicketLinkCompleted {
  completed: boolean;
}

export function ticketLinkUrl(link: string): string {
  return `/api/ticket-links/${encodeURIComponent(link)}`;
}

export function ticketLinkFileUrl(link: string, blobId: string): string {
  return `${ticketLinkUrl(link)}/files/${encodeURIComponent(blobId)}`;
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

async function call<T>(url: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, credentials: "omit" });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new GraphqlError(CLIENT_CODES.network, String(cause));
  }
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
  return call<TicketLink>(ticketLinkUrl(link), { method: "GET", headers: { accept: "application/json, application/problem+json" }, signal });
}

/** Completes the step with `values` (those of its editable fields only). */
export function submitTicketLink(link: string, values: FormValues): Promise<TicketLinkCompleted> {
  return call<TicketLinkCompleted>(ticketLinkUrl(link), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, application/problem+json" },
    body: JSON.stringify({ values }),
  });
}

/** Uploads one file for the step's upload fields: the raw file as the body, its name percent-encoded. */
export function uploadTicketLinkFile(link: string, file: File): Promise<FileValue> {
  return call<FileValue>(`${ticketLinkUrl(link)}/files`, {
    method: "POST",
    headers: {
      "content-type": file.type || "application/octet-stream",
      "x-file-name": encodeURIComponent(file.name),
      accept: "application/json, application/problem+json",
    },
    body: file,
  });
}

/** The form's directory on the collaborator's page: no searching (pickers show what the
 * values hold, named by the link's references), files through the link's routes. */
export function ticketLinkDirectory(link: string, references: FieldOption[]): FieldDirectory {
  return {
    references,
    upload: (file) => uploadTicketLinkFile(link, file),
    fileUrl: (file) => ticketLinkFileUrl(link, file.blobId),
  };
}
