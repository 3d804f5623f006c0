/**
 * A call's recording: `GET /api/calls/recordings/{id}` answers audio/wav (stereo: the caller
 * left, the agent right) to holders of `call.recordings`. It is fetched with the session (the
 * cookie and the bearer token, as the GraphQL client sends it) into a Blob, since an <audio>
 * element would send the cookie only; refusals are problem+json, thrown as a `GraphqlError`.
 */
import { CLIENT_CODES, GraphqlError } from "../../api/client";
import { getSession } from "../../api/session";

export function recordingPath(recordingId: string): string {
  return `/api/calls/recordings/${encodeURIComponent(recordingId)}`;
}

export async function fetchRecording(recordingId: string, signal?: AbortSignal): Promise<Blob> {
  const headers: Record<string, string> = { accept: "audio/wav, application/problem+json" };
  const session = getSession();
  if (session) headers.authorization = `Bearer ${session.token}`;
  let response: Response;
  try {
    response = await fetch(recordingPath(recordingId), { method: "GET", headers, credentials: "same-origin", signal });
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

/** The file name a downloaded recording gets: the caller's number (if known) and the time. */
export function recordingFileName(call: { callerNumber: string | null; arrivedAt: string; id: string }): string {
  const stamp = call.arrivedAt.replace(/[:]/g, "").replace(/\.\d+/, "").replace(/Z$/, "");
  const who = (call.callerNumber ?? "").replace(/[^0-9+]/g, "") || call.id.split("-")[0];
  return `call-${stamp}-${who}.wav`;
}
