/**
 * Reads one file from a server route with the session (the HttpOnly cookie and the bearer
 * token, as the GraphQL client sends it) into a Blob: an <audio> or <a> element would send
 * the cookie only. Refusals are problem+json, thrown as a `GraphqlError` with their `code`
 * and `detail`; an abort is rethrown as it came.
 */
import { CLIENT_CODES, GraphqlError } from "./client";
import { getSession } from "./session";

export async function fetchFile(url: string, accept: string, signal?: AbortSignal): Promise<Blob> {
  const headers: Record<string, string> = { accept: `${accept}, application/problem+json` };
  const session = getSession();
  if (session) headers.authorization = `Bearer ${session.token}`;
  let response: Response;
  try {
    response = await fetch(url, { method: "GET", headers, credentials: "same-origin", signal });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new GraphqlError(CLIENT_CODES.network, String(cause));
  }
  if (!response.ok) {
    let problem: { code?: unknown; detail?: unknown } = {};
    try {
      problem = ((await response.json()) ?? {}) as typeof problem;
    } catch {
      // Not problem+json: the status says enough.
    }
    throw new GraphqlError(
      typeof problem.code === "string" ? problem.code : CLIENT_CODES.badResponse,
      typeof problem.detail === "string" ? problem.detail : `HTTP ${response.status}`,
    );
  }
  return response.blob();
}
