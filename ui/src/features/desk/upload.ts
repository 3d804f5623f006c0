/**
 * An agent's attachment: `POST /chat/agent-upload?conversationId=<id>` with the raw file (see
 * `postFile`); `201` answers the attachment.
 */
import { postFile } from "../../api/upload";
import type { Attachment } from "./desk.graphql";

export const AGENT_UPLOAD_PATH = "/chat/agent-upload";

export function uploadAttachment(conversationId: string, file: File): Promise<Attachment> {
  return postFile<Attachment>(`${AGENT_UPLOAD_PATH}?conversationId=${encodeURIComponent(conversationId)}`, file);
}
