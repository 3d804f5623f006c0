/** Texts of the tickets' enums. */
import type { MessageKey } from "../../i18n";
import type { TicketCandidateKind, TicketFieldAccess, TicketStatus } from "./tickets.graphql";

export const STATUS_KEYS: Record<TicketStatus, MessageKey> = {
  OPEN: "tickets.status.open",
  FINISHED: "tickets.status.finished",
  CANCELLED: "tickets.status.cancelled",
};

export const STATUS_COLORS: Record<TicketStatus, string> = {
  OPEN: "processing",
  FINISHED: "success",
  CANCELLED: "default",
};

export const ACCESS_KEYS: Record<TicketFieldAccess, MessageKey> = {
  HIDDEN: "tickets.access.hidden",
  READ_ONLY: "tickets.access.readOnly",
  EDITABLE: "tickets.access.editable",
  REQUIRED: "tickets.access.required",
};

export const CANDIDATE_KEYS: Record<TicketCandidateKind, MessageKey> = {
  USER: "tickets.candidate.user",
  ROLE: "tickets.candidate.role",
  ORG_UNIT: "tickets.candidate.unit",
  EXTERNAL: "tickets.candidate.external",
};
