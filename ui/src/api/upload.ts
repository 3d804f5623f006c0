/**
 * Uploads one file to a server route: `POST url` with the session (the HttpOnly cookie the
 * log-in set, and the bearer token as the GraphQL client sends it), the raw file as the body,
 * its type as `Content-Type` and its name percent-encoded in `X-File-Name`. A `2xx` answers
 * JSON; refusals are problem+json, thrown as a `GraphqlError` with their `code` and `detail`
 * so that pages show them like any other API error.
 */
import { CLIENT_CODES, GraphqlError } from "./client";
import { getSession } from "./session";

export async function postFile<T>(url: string, file: File): Promise<T> {
  const headers: Record<string, string> = {
    "content-type": file.type || "application/octet-stream",
    "x-file-name": encodeURIComponent(file.name),
    accept: "application/json",
  };
  const session = getSession();
  if (session) headers.authorization = `Bearer ${session.token}`;
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers, body: file, credentials: "same-origin" });
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
  return body as T;
}
