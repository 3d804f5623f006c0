/** Files the visitor sends: checked here first for a clear message, then `POST /chat/upload`. */
import type { MessageKey } from "./i18n";
import type { Attachment, WidgetConfig } from "./protocol";

/** Why a file cannot go, as a message key and its variables. */
export interface FileProblem {
  key: Extract<MessageKey, "fileTooLarge" | "fileTypeNotAllowed" | "uploadFailed">;
  variables: Record<string, string>;
}

/** `10 MB`, `512 KB`: sizes the way visitors read them. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}

/** `image/png` reads as PNG, `text/plain` as TXT. */
function typeLabel(contentType: string): string {
  return contentType === "text/plain" ? "TXT" : contentType.slice(contentType.indexOf("/") + 1).toUpperCase();
}

type UploadLimits = Pick<WidgetConfig, "maxUploadBytes" | "allowedUploadTypes">;

function tooLarge(name: string, limits: UploadLimits): FileProblem {
  return { key: "fileTooLarge", variables: { name, limit: formatSize(limits.maxUploadBytes) } };
}

function typeNotAllowed(name: string, limits: UploadLimits): FileProblem {
  return { key: "fileTypeNotAllowed", variables: { name, types: limits.allowedUploadTypes.map(typeLabel).join(", ") } };
}

export function checkFile(file: Pick<File, "name" | "size" | "type">, limits: UploadLimits): FileProblem | null {
  if (!limits.allowedUploadTypes.includes(file.type)) return typeNotAllowed(file.name, limits);
  if (file.size > limits.maxUploadBytes) return tooLarge(file.name, limits);
  return null;
}

export class UploadError extends Error {
  readonly problem: FileProblem;

  constructor(problem: FileProblem) {
    super(problem.key);
    this.problem = problem;
  }
}

/** Uploads `file` as docs/chat.md says; a refusal becomes an UploadError with the visitor's message. */
export async function uploadFile(
  serverOrigin: string,
  tenant: string,
  visitorToken: string,
  file: File,
  limits: UploadLimits,
): Promise<Attachment> {
  let response: Response;
  try {
    response = await fetch(`${serverOrigin}/chat/upload?tenant=${encodeURIComponent(tenant)}`, {
      method: "POST",
      headers: {
        Authorization: `Visitor ${visitorToken}`,
        "Content-Type": file.type,
        "X-File-Name": encodeURIComponent(file.name),
      },
      body: file,
    });
  } catch (error) {
    throw new UploadError({ key: "uploadFailed", variables: { name: file.name, reason: String(error) } });
  }
  if (response.ok) return (await response.json()) as Attachment;
  const problem = (await response.json().catch(() => null)) as { code?: string; detail?: string } | null;
  // The server's limits may have changed since the page loaded its config.
  if (problem?.code === "chat.upload_too_large") throw new UploadError(tooLarge(file.name, limits));
  if (problem?.code === "chat.upload_type_not_allowed") throw new UploadError(typeNotAllowed(file.name, limits));
  throw new UploadError({
    key: "uploadFailed",
    variables: { name: file.name, reason: problem?.detail ?? `${response.status} ${response.statusText}` },
  });
}
