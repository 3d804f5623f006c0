/**
 * An article's attachment: `POST /api/knowledge/attachments` with the session (the HttpOnly
 * cookie the log-in set, and the bearer token as the GraphQL client sends it), the raw file
 * as the body, its type as `Content-Type` and its name percent-encoded in `X-File-Name`, as
 * the desk's chat upload does; `201` answers the stored blob. Refusals are problem+json with
 * a `code` and a `detail` to show (a type not allowed, over 20 MB, an unreadable document).
 */
import { CLIENT_CODES, GraphqlError } from "../../api/client";
import { getSession } from "../../api/session";
import type { KnowledgeAttachment, KnowledgeAttachmentKind } from "./knowledge.graphql";

export const KNOWLEDGE_ATTACHMENTS_PATH = "/api/knowledge/attachments";

/** What the upload answers: the attachment, its blob id named `id`. */
interface UploadedBlob {
  id: string;
  name: string;
  contentType: string;
  size: number;
  kind: KnowledgeAttachmentKind;
  url: string;
  textChars: number;
}

export async function uploadKnowledgeAttachment(file: File): Promise<KnowledgeAttachment> {
  const headers: Record<string, string> = {
    "content-type": file.type || "application/octet-stream",
    "x-file-name": encodeURIComponent(file.name),
    accept: "application/json",
  };
  const session = getSession();
  if (session) headers.authorization = `Bearer ${session.token}`;
  let response: Response;
  try {
    response = await fetch(KNOWLEDGE_ATTACHMENTS_PATH, { method: "POST", headers, body: file, credentials: "same-origin" });
  } catch (cause) {
    throw new GraphqlError(CLIENT_CODES.network, String(cause));
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new GraphqlError(CLIENT_CODES.badResponse, `HTTP ${response.status}`);
  }
  if (!response.ok) {
    const problem = (body ?? {}) as { code?: unknown; detail?: unknown };
    throw new GraphqlError(
      typeof problem.code === "string" ? problem.code : CLIENT_CODES.badResponse,
      typeof problem.detail === "string" ? problem.detail : `HTTP ${response.status}`,
    );
  }
  const blob = body as UploadedBlob;
  return {
    blobId: blob.id,
    name: blob.name,
    contentType: blob.contentType,
    size: blob.size,
    kind: blob.kind,
    url: blob.url,
    textChars: blob.textChars,
  };
}
