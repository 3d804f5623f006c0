/**
 * An agent's attachment: `POST /chat/agent-upload?conversationId=<id>` with the session (the
 * HttpOnly cookie the log-in set, and the bearer token as the GraphQL client sends it), the
 * raw file as the body, its type as `Content-Type` and its name percent-encoded in
 * `X-File-Name`; `201` answers the attachment. Refusals are problem+json with a `code`.
 */
import { CLIENT_CODES, GraphqlError } from "../../api/client";
import { getSession } from "../../api/session";
import type { Attachment } from "./desk.graphql";

export const AGENT_UPLOAD_PATH = "/chat/agent-upload";

export async function uploadAttachment(conversationId: string, file: File): Promise<Attachment> {
  const headers: Record<string, string> = {
    "content-type": file.type || "application/octet-stream",
    "x-file-name": encodeURIComponent(file.name),
    accept: "application/json",
  };
  const session = getSession();
  if (session) headers.authorization = `Bearer ${session.token}`;
  let response: Response;
  try {
    response = await fetch(`${AGENT_UPLOAD_PATH}?conversationId=${encodeURIComponent(conversationId)}`, {
      method: "POST",
      headers,
      body: file,
      credentials: "same-origin",
    });
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
  return body as Attachment;
}
