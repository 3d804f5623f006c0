/**
 * Music for waiting and held callers over HTTP (graphql/src/music.rs): an upload is
 * `POST /api/telephony/music` with the WAV file as the body (see `postFile`) → 201
 * `{ id, name, durationMs }`; a file plays back from its `url` as audio/wav, read with the
 * session into a Blob. Refusals carry `telephony.*` codes (not a WAV file Hotline can play,
 * too short or too long, too many files).
 */
import { fetchFile } from "../../../api/download";
import { postFile } from "../../../api/upload";

export const MUSIC_UPLOAD_PATH = "/api/telephony/music";

/** What the upload file picker offers. */
export const MUSIC_ACCEPT = ".wav,audio/wav,audio/x-wav,audio/wave";

/** What an upload answers. */
export interface UploadedMusic {
  id: string;
  name: string;
  durationMs: number;
}

export function uploadMusic(file: File): Promise<UploadedMusic> {
  return postFile<UploadedMusic>(MUSIC_UPLOAD_PATH, file);
}

export function fetchMusic(url: string, signal?: AbortSignal): Promise<Blob> {
  return fetchFile(url, "audio/wav", signal);
}
