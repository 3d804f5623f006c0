/**
 * The field directory of the logged-in pages (the ticket drawer, a new ticket): options
 * searched through GraphQL `ticketFieldOptions` (query fields' through `ticketQueryOptions`,
 * of the ticket type's version the form belongs to), files uploaded to `/api/ticket-files` and
 * downloaded from the ticket's own file route (cookie session). The collaborator page builds
 * its own (collaborate/api.ts).
 */
import { useMemo } from "react";
import { request } from "../../../api/client";
import { postFile } from "../../../api/upload";
import { TICKET_FIELD_OPTIONS_QUERY, TICKET_QUERY_OPTIONS_QUERY, type TicketFieldOptionsData, type TicketQueryOptionsData, type TicketQueryOptionsVariables } from "../tickets.graphql";
import type { FieldDirectory, FieldOption, FieldOptionKind, FileValue, QueryLabel, QueryOption } from "./directory";

/** Where a logged-in user uploads a file for a form (the answer is its `FileValue`). */
const TICKET_FILES_URL = "/api/ticket-files";

/** Where a file a ticket holds downloads from. */
export function ticketFileUrl(ticketId: string, blobId: string): string {
  return `/api/tickets/${encodeURIComponent(ticketId)}/files/${encodeURIComponent(blobId)}`;
}

/** A picker's options matching `text` (all of them, up to the server's page, for none). */
export async function searchFieldOptions(kind: FieldOptionKind, text: string): Promise<FieldOption[]> {
  const search = text.trim();
  return (await request<TicketFieldOptionsData>(TICKET_FIELD_OPTIONS_QUERY, { kind, search: search || null })).ticketFieldOptions;
}

/** The options of query field `field` of a type's published `version` matching `text` (the first page for none). */
export async function searchQueryOptions(typeId: string, version: number, field: string, text: string): Promise<QueryOption[]> {
  const search = text.trim();
  const variables: TicketQueryOptionsVariables = { typeId, version, field, search: search || null };
  return (await request<TicketQueryOptionsData>(TICKET_QUERY_OPTIONS_QUERY, { ...variables })).ticketQueryOptions;
}

export function uploadTicketFile(file: File): Promise<FileValue> {
  return postFile<FileValue>(TICKET_FILES_URL, file);
}

/** What the directory of an existing ticket reads from it. */
export interface DirectoryTicket {
  id: string;
  typeId: string;
  version: number;
  references: FieldOption[];
  queryLabels: QueryLabel[];
}

/** The type version a new ticket's form belongs to (its query fields search its options). */
export interface DirectoryType {
  id: string;
  /** The published version (0: none, no query options). */
  version: number;
}

/** The directory of an existing ticket (its references and query labels, its files'
 * downloads, its version's query options) or, without one, of a ticket of `type` being
 * opened (nothing held yet, nothing to download). */
export function useFieldDirectory(ticket?: DirectoryTicket | null, type?: DirectoryType | null): FieldDirectory {
  const ticketId = ticket?.id ?? null;
  const references = ticket?.references;
  const queryLabels = ticket?.queryLabels;
  const typeId = ticket?.typeId ?? type?.id ?? null;
  const version = ticket?.version ?? type?.version ?? 0;
  return useMemo(
    () => ({
      search: searchFieldOptions,
      references: references ?? [],
      queryOptions: typeId && version > 0 ? (field: string, text: string) => searchQueryOptions(typeId, version, field, text) : undefined,
      queryLabels: queryLabels ?? [],
      upload: uploadTicketFile,
      fileUrl: (file: FileValue) => (ticketId ? ticketFileUrl(ticketId, file.blobId) : null),
    }),
    [ticketId, references, queryLabels, typeId, version],
  );
}
