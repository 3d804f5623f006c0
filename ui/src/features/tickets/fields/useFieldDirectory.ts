/**
 * The field directory of the logged-in pages (the ticket drawer, a new ticket): options
 * searched through GraphQL `ticketFieldOptions`, files uploaded to `/api/ticket-files` and
 * downloaded from the ticket's own file route (cookie session). The collaborator page builds
 * its own (collaborate/api.ts).
 */
import { useMemo } from "react";
import { request } from "../../../api/client";
import { postFile } from "../../../api/upload";
import { TICKET_FIELD_OPTIONS_QUERY, type TicketFieldOptionsData } from "../tickets.graphql";
import type { FieldDirectory, FieldOption, FieldOptionKind, FileValue } from "./directory";

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

export function uploadTicketFile(file: File): Promise<FileValue> {
  return postFile<FileValue>(TICKET_FILES_URL, file);
}

/** The directory of an existing ticket (its references, its files' downloads) or, without
 * one, of a ticket being opened (nothing held yet, nothing to download). */
export function useFieldDirectory(ticket?: { id: string; references: FieldOption[] } | null): FieldDirectory {
  const ticketId = ticket?.id ?? null;
  const references = ticket?.references;
  return useMemo(
    () => ({
      search: searchFieldOptions,
      references: references ?? [],
      upload: uploadTicketFile,
      fileUrl: (file: FileValue) => (ticketId ? ticketFileUrl(ticketId, file.blobId) : null),
    }),
    [ticketId, references],
  );
}
