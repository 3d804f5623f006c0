/**
 * A call's recording: `GET /api/calls/recordings/{id}` answers audio/wav (stereo: the caller
 * left, the agent right) to holders of `call.recordings`. It is fetched with the session (the
 * cookie and the bearer token, as the GraphQL client sends it) into a Blob, since an <audio>
 * element would send the cookie only; refusals are problem+json, thrown as a `GraphqlError`.
 */
import { fetchFile } from "../../api/download";

export function recordingPath(recordingId: string): string {
  return `/api/calls/recordings/${encodeURIComponent(recordingId)}`;
}

export function fetchRecording(recordingId: string, signal?: AbortSignal): Promise<Blob> {
  return fetchFile(recordingPath(recordingId), "audio/wav", signal);
}

/** The file name a downloaded recording gets: the caller's number (if known) and the time. */
export function recordingFileName(call: { callerNumber: string | null; arrivedAt: string; id: string }): string {
  const stamp = call.arrivedAt.replace(/[:]/g, "").replace(/\.\d+/, "").replace(/Z$/, "");
  const who = (call.callerNumber ?? "").replace(/[^0-9+]/g, "") || call.id.split("-")[0];
  return `call-${stamp}-${who}.wav`;
}
