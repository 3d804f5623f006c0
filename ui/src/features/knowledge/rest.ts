/**
 * An article's attachment: `POST /api/knowledge/attachments` with the raw file (see
 * `postFile`); `201` answers the stored blob. Refusals carry a `code` and a `detail` to show
 * (a type not allowed, over 20 MB, an unreadable document).
 */
import { postFile } from "../../api/upload";
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
  const blob = await postFile<UploadedBlob>(KNOWLEDGE_ATTACHMENTS_PATH, file);
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
