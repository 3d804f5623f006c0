/** Plays a call's recording (fetched with the session into a Blob URL) and offers it as a file. */
import { DownloadOutlined } from "@ant-design/icons";
import { Alert, Button, Modal, Space, Spin, Typography } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../api/errors";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../i18n/format";
import type { CallRecord } from "./calls.graphql";
import { formatDuration } from "./format";
import { fetchRecording, recordingFileName } from "./recording";

interface Props {
  call: CallRecord | null;
  onClose: () => void;
}

export function RecordingModal({ call, onClose }: Props) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const recordingId = call?.recordingId ?? null;
  const [url, setUrl] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>();

  useEffect(() => {
    if (!recordingId) return;
    const abort = new AbortController();
    let created: string | null = null;
    setUrl(null);
    setFailure(undefined);
    fetchRecording(recordingId, abort.signal).then(
      (blob) => {
        created = URL.createObjectURL(blob);
        setUrl(created);
      },
      (caught: unknown) => {
        if (!abort.signal.aborted) setFailure(caught);
      },
    );
    return () => {
      abort.abort();
      if (created) URL.revokeObjectURL(created);
    };
  }, [recordingId]);

  return (
    <Modal
      open={call !== null}
      title={t("calls.recording.title")}
      onCancel={onClose}
      destroyOnHidden
      footer={[
        url && call ? (
          <Button key="download" icon={<DownloadOutlined />} href={url} download={recordingFileName(call)} data-testid="calls-recording-download-file">
            {t("calls.recording.download")}
          </Button>
        ) : null,
        <Button key="close" onClick={onClose}>
          {t("common.close")}
        </Button>,
      ]}
    >
      {call ? (
        <Space orientation="vertical" style={{ width: "100%" }}>
          <Typography.Text type="secondary">
            {t("calls.recording.subtitle", {
              caller: call.callerNumber || t("softphone.unknownCaller"),
              time: formatDateTime(call.arrivedAt, locale),
              duration: formatDuration(call.recordingSeconds),
            })}
          </Typography.Text>
          <Typography.Text type="secondary">{t("calls.recording.channels")}</Typography.Text>
          {failure ? <Alert type="error" showIcon title={errorText(failure)} data-testid="calls-recording-error" /> : null}
          {!url && !failure ? <Spin /> : null}
          {url ? <audio controls autoPlay src={url} style={{ width: "100%" }} data-testid="calls-recording-audio" /> : null}
        </Space>
      ) : null}
    </Modal>
  );
}
