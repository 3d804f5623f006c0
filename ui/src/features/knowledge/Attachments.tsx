/**
 * An article's attachments: documents (.docx, .pdf, .txt, whose text the search reads),
 * audio for agents to play on a call, and other files. The reader lists them with download
 * links and a player for audio; the editor uploads new ones and removes them.
 */
import { DeleteOutlined, FileOutlined, FileTextOutlined, LoadingOutlined, PaperClipOutlined, SoundOutlined, UploadOutlined } from "@ant-design/icons";
import { App, Button, Space, Tag, theme, Tooltip, Typography, Upload } from "antd";
import { type ReactNode, useRef, useState } from "react";
import { useErrorText } from "../../api/errors";
import { useI18n, useT } from "../../i18n";
import type { KnowledgeAttachment, KnowledgeAttachmentKind } from "./knowledge.graphql";
import { formatSize, KIND_KEYS, uploadRefusal } from "./labels";
import { uploadKnowledgeAttachment } from "./rest";

/** What the file picker offers; the server decides (and says why it refuses). */
export const ACCEPTED_FILES = ".docx,.pdf,.txt,audio/*,.mp3,.wav,.ogg,.m4a,.aac,image/*,.xlsx,.pptx,.zip";

function KindIcon({ kind }: { kind: KnowledgeAttachmentKind }) {
  if (kind === "DOCUMENT") return <FileTextOutlined />;
  if (kind === "AUDIO") return <SoundOutlined />;
  return <FileOutlined />;
}

function AttachmentLine({ attachment, extra }: { attachment: KnowledgeAttachment; extra?: ReactNode }) {
  const { t, locale } = useI18n();
  return (
    <Space size={6} wrap>
      <KindIcon kind={attachment.kind} />
      <a href={attachment.url} download={attachment.name} data-testid="knowledge-attachment-link">
        {attachment.name}
      </a>
      <Tag bordered={false}>{t(KIND_KEYS[attachment.kind])}</Tag>
      <Typography.Text type="secondary">{formatSize(attachment.size, locale)}</Typography.Text>
      {attachment.kind === "DOCUMENT" ? (
        <Typography.Text type="secondary" data-testid="knowledge-attachment-text-chars">
          {t("knowledge.attachments.textChars", { count: attachment.textChars })}
        </Typography.Text>
      ) : null}
      {extra}
    </Space>
  );
}

/** The reader's list: download links, and a player for audio. */
export function AttachmentList({ attachments }: { attachments: readonly KnowledgeAttachment[] }) {
  const t = useT();
  const { token } = theme.useToken();
  if (attachments.length === 0) return null;
  return (
    <section data-testid="knowledge-attachments">
      <Typography.Title level={5}>
        <PaperClipOutlined /> {t("knowledge.attachments.title")}
      </Typography.Title>
      <div role="list" style={{ display: "flex", flexDirection: "column", gap: token.marginXS }}>
        {attachments.map((attachment) => (
          <div key={attachment.blobId} role="listitem" data-testid="knowledge-attachment" data-kind={attachment.kind}>
            <AttachmentLine attachment={attachment} />
            {attachment.kind === "AUDIO" ? (
              <audio controls preload="none" src={attachment.url} style={{ display: "block", width: "100%", marginTop: token.marginXXS }} data-testid="knowledge-audio">
                <a href={attachment.url}>{attachment.name}</a>
              </audio>
            ) : null}
          </div>
        ))}
      </div>
    </section>
  );
}

interface FieldProps {
  value?: KnowledgeAttachment[];
  onChange?: (attachments: KnowledgeAttachment[]) => void;
  id?: string;
}

/** The editor's control: upload (one request per file, straight to the server), remove. */
export function AttachmentsField({ value = [], onChange, id }: FieldProps) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { token } = theme.useToken();
  const [uploading, setUploading] = useState<{ uid: string; name: string }[]>([]);
  /** The list as the latest upload left it (several uploads finish one after another). */
  const latest = useRef(value);
  latest.current = value;

  return (
    <div id={id} data-testid="knowledge-attachments-field">
      <Upload
        multiple
        accept={ACCEPTED_FILES}
        showUploadList={false}
        customRequest={({ file, onSuccess, onError }) => {
          const upload = file as File & { uid?: string };
          const uid = upload.uid ?? `${upload.name}-${Date.now()}`;
          setUploading((current) => [...current, { uid, name: upload.name }]);
          uploadKnowledgeAttachment(upload)
            .then((attachment) => {
              const next = [...latest.current, attachment];
              latest.current = next;
              onChange?.(next);
              onSuccess?.(attachment);
            })
            .catch((caught: unknown) => {
              void message.error(t("knowledge.attachments.refused", { name: upload.name, reason: uploadRefusal(caught, errorText) }));
              onError?.(caught instanceof Error ? caught : new Error(String(caught)));
            })
            .finally(() => setUploading((current) => current.filter((entry) => entry.uid !== uid)));
        }}
      >
        <Button icon={<UploadOutlined />} data-testid="knowledge-attachment-upload">
          {t("knowledge.attachments.upload")}
        </Button>
      </Upload>
      <Typography.Paragraph type="secondary" style={{ marginBlock: token.marginXXS }}>
        {t("knowledge.attachments.hint")}
      </Typography.Paragraph>
      <div role="list" style={{ display: "flex", flexDirection: "column", gap: token.marginXXS }}>
        {value.map((attachment) => (
          <div key={attachment.blobId} role="listitem" data-testid="knowledge-attachment" data-kind={attachment.kind} data-blob-id={attachment.blobId}>
            <AttachmentLine
              attachment={attachment}
              extra={
                <Tooltip title={t("knowledge.attachments.remove")}>
                  <Button
                    size="small"
                    type="text"
                    danger
                    icon={<DeleteOutlined />}
                    aria-label={t("knowledge.attachments.remove")}
                    data-testid="knowledge-attachment-remove"
                    onClick={() => onChange?.(value.filter((entry) => entry.blobId !== attachment.blobId))}
                  />
                </Tooltip>
              }
            />
          </div>
        ))}
        {uploading.map((entry) => (
          <Space key={entry.uid} size={6} data-testid="knowledge-attachment-uploading">
            <LoadingOutlined />
            <Typography.Text type="secondary">{t("knowledge.attachments.uploading", { name: entry.name })}</Typography.Text>
          </Space>
        ))}
      </div>
    </div>
  );
}
