/**
 * Saves a Blob (read with the session through `fetchFile`) as a download named `fileName`:
 * an object URL and a temporary `<a download>` clicked once.
 */
import { fetchFile } from "./download";

export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  try {
    const link = document.createElement("a");
    link.href = url;
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Reads `url` with the session and saves it as `fileName`; a refusal is thrown as a `GraphqlError`. */
export async function downloadFile(url: string, accept: string, fileName: string): Promise<void> {
  saveBlob(await fetchFile(url, accept), fileName);
}
