/** Music on hold: the tenant's music files (upload, play, remove) and the music each queue's
 * waiting and held callers hear (a file or the built-in chime). */
import { CaretRightOutlined, DeleteOutlined, UploadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Popconfirm, Select, Space, Table, Tag, Tooltip, Typography, Upload } from "antd";
import { useEffect, useMemo, useState } from "react";
import { useErrorText } from "../../../api/errors";
import type { GraphqlError } from "../../../api/client";
import { useMutation } from "../../../api/hooks";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import type { QueueChoice } from "./AccessNumberModal";
import { fetchMusic, MUSIC_ACCEPT, uploadMusic } from "./music";
import { musicLength } from "./rules";
import { type MusicFile, REMOVE_MUSIC_MUTATION, SET_QUEUE_MUSIC_MUTATION } from "./telephony.graphql";

/** The select's value for the built-in chime (`musicId: null`). */
const CHIME = "";

interface Props {
  musicFiles: readonly MusicFile[];
  /** Null: the queues cannot be listed (no routing administration), so none can be given music here. */
  queues: readonly QueueChoice[] | null;
  loading: boolean;
  queuesLoading: boolean;
  /** Why the files cannot be listed, if they cannot. */
  error: GraphqlError | undefined;
  canAdmin: boolean;
  onChanged: () => void;
}

export function MusicTab({ musicFiles, queues, loading, queuesLoading, error, canAdmin, onChanged }: Props) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [uploading, setUploading] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const remove = useMutation<{ removeMusic: boolean }, { id: string }>(REMOVE_MUSIC_MUTATION);
  const setMusic = useMutation<{ setQueueMusic: boolean }, { queueId: string; musicId: string | null }>(SET_QUEUE_MUSIC_MUTATION);
  const queueNames = useMemo(() => new Map((queues ?? []).map((queue) => [queue.id, queue.name])), [queues]);
  /** The file each queue plays; a queue no file names plays the chime. */
  const musicOfQueue = useMemo(() => {
    const byQueue = new Map<string, string>();
    for (const file of musicFiles) for (const queueId of file.queueIds) byQueue.set(queueId, file.id);
    return byQueue;
  }, [musicFiles]);
  const musicOptions = useMemo(
    () => [
      { value: CHIME, label: t("telephony.music.chime") },
      ...musicFiles.map((file) => ({ value: file.id, label: `${file.name} (${musicLength(file.durationMs)})` })),
    ],
    [musicFiles, t],
  );

  const upload = async (file: File) => {
    setUploading(true);
    try {
      const uploaded = await uploadMusic(file);
      void message.success(t("telephony.music.uploaded", { name: uploaded.name }));
    } catch (caught) {
      void message.error(t("telephony.music.uploadRefused", { name: file.name, reason: errorText(caught) }));
    } finally {
      setUploading(false);
    }
    onChanged();
  };

  const removeFile = async (file: MusicFile) => {
    setBusy(file.id);
    try {
      await remove.mutate({ id: file.id });
      void message.success(t("telephony.music.removed", { name: file.name }));
    } catch (caught) {
      void message.error(errorText(caught));
    } finally {
      setBusy(null);
    }
    onChanged();
  };

  const chooseMusic = async (queue: QueueChoice, musicId: string) => {
    setBusy(queue.id);
    try {
      await setMusic.mutate({ queueId: queue.id, musicId: musicId === CHIME ? null : musicId });
      const music = musicId === CHIME ? t("telephony.music.chime") : (musicFiles.find((file) => file.id === musicId)?.name ?? musicId);
      void message.success(t("telephony.music.queueSet", { queue: queue.name, music }));
    } catch (caught) {
      void message.error(errorText(caught));
    } finally {
      setBusy(null);
    }
    onChanged();
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        {t("telephony.music.intro")}
      </Typography.Paragraph>
      {error ? <Alert type="error" showIcon title={errorText(error)} data-testid="telephony-music-error" /> : null}
      {canAdmin ? (
        <Space orientation="vertical" size={4}>
          <Upload
            accept={MUSIC_ACCEPT}
            showUploadList={false}
            disabled={uploading}
            customRequest={({ file, onSuccess }) => {
              void upload(file as File).finally(() => onSuccess?.(null));
            }}
          >
            <Button type="primary" icon={<UploadOutlined />} loading={uploading} data-testid="telephony-music-upload">
              {t("telephony.music.upload")}
            </Button>
          </Upload>
          <Typography.Text type="secondary">{t("telephony.music.uploadHint")}</Typography.Text>
        </Space>
      ) : null}
      <Table<MusicFile>
        rowKey="id"
        size="middle"
        loading={loading}
        dataSource={[...musicFiles]}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        onRow={(file) => ({ "data-testid": "telephony-music-row", "data-music-id": file.id }) as object}
        locale={{ emptyText: t("telephony.music.empty") }}
        columns={[
          {
            key: "name",
            dataIndex: "name",
            title: t("telephony.music.name"),
            sorter: (a, b) => a.name.localeCompare(b.name),
            defaultSortOrder: "ascend",
          },
          {
            key: "length",
            dataIndex: "durationMs",
            title: t("telephony.music.length"),
            width: 100,
            render: (durationMs: number) => <span data-testid="telephony-music-length">{musicLength(durationMs)}</span>,
          },
          {
            key: "added",
            dataIndex: "addedAt",
            title: t("telephony.music.added"),
            width: 180,
            render: (addedAt: string) => formatDateTime(addedAt, locale),
          },
          {
            key: "queues",
            title: t("telephony.music.queues"),
            render: (_: unknown, file) =>
              file.queueIds.length === 0 ? (
                <Typography.Text type="secondary">{t("telephony.music.noQueue")}</Typography.Text>
              ) : (
                <Space size={[4, 4]} wrap>
                  {file.queueIds.map((queueId) => (
                    <Tag key={queueId} color="blue">
                      {queueNames.get(queueId) ?? queueId.slice(0, 8)}
                    </Tag>
                  ))}
                </Space>
              ),
          },
          {
            key: "play",
            title: t("telephony.music.listen"),
            width: 320,
            render: (_: unknown, file) => <MusicPlayer file={file} />,
          },
          ...(canAdmin
            ? [
                {
                  key: "actions",
                  title: t("common.actions"),
                  width: 100,
                  render: (_: unknown, file: MusicFile) => (
                    <Popconfirm
                      title={t("telephony.music.removeTitle", { name: file.name })}
                      description={<div style={{ maxWidth: 320 }}>{t("telephony.music.removeWarning")}</div>}
                      okText={t("telephony.remove")}
                      cancelText={t("common.cancel")}
                      okButtonProps={{ danger: true, "data-testid": "telephony-music-remove-confirm" }}
                      onConfirm={() => removeFile(file)}
                    >
                      <Tooltip title={t("telephony.remove")}>
                        <Button
                          size="small"
                          danger
                          icon={<DeleteOutlined />}
                          loading={busy === file.id && remove.loading}
                          aria-label={t("telephony.remove")}
                          data-testid="telephony-music-remove"
                        />
                      </Tooltip>
                    </Popconfirm>
                  ),
                },
              ]
            : []),
        ]}
      />
      {queues === null ? (
        <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }} data-testid="telephony-queue-music-unavailable">
          {t("telephony.music.queuesUnavailable")}
        </Typography.Paragraph>
      ) : (
        <section data-testid="telephony-queue-music">
          <Typography.Title level={5}>{t("telephony.music.queueMusic")}</Typography.Title>
          <Typography.Paragraph type="secondary">{t("telephony.music.queueMusicHint")}</Typography.Paragraph>
          <Table<QueueChoice>
            rowKey="id"
            size="small"
            loading={loading || queuesLoading}
            dataSource={[...queues].sort((a, b) => a.name.localeCompare(b.name))}
            pagination={false}
            onRow={(queue) => ({ "data-testid": "telephony-queue-music-row", "data-queue-id": queue.id }) as object}
            locale={{ emptyText: t("telephony.music.noQueues") }}
            columns={[
              { key: "queue", dataIndex: "name", title: t("telephony.music.queue") },
              {
                key: "music",
                title: t("telephony.music.music"),
                render: (_: unknown, queue) => (
                  <Select
                    style={{ width: "100%", maxWidth: 360 }}
                    value={musicOfQueue.get(queue.id) ?? CHIME}
                    options={musicOptions}
                    disabled={!canAdmin || (busy !== null && busy !== queue.id)}
                    loading={busy === queue.id && setMusic.loading}
                    onChange={(musicId: string) => void chooseMusic(queue, musicId)}
                    aria-label={t("telephony.music.queueSelect", { queue: queue.name })}
                    data-testid="telephony-queue-music-select"
                  />
                ),
              },
            ]}
          />
        </section>
      )}
    </Space>
  );
}

/** A file's play control: read with the session on the first click (again after a failure),
 * then an <audio> player. */
function MusicPlayer({ file }: { file: MusicFile }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [attempt, setAttempt] = useState(0);
  const [source, setSource] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>();

  useEffect(() => {
    if (attempt === 0) return;
    const abort = new AbortController();
    let created: string | null = null;
    setFailure(undefined);
    fetchMusic(file.url, abort.signal).then(
      (blob) => {
        created = URL.createObjectURL(blob);
        setSource(created);
      },
      (caught: unknown) => {
        if (!abort.signal.aborted) setFailure(caught);
      },
    );
    return () => {
      abort.abort();
      if (created) URL.revokeObjectURL(created);
      setSource(null);
    };
  }, [attempt, file.url]);

  if (source) {
    return <audio controls autoPlay src={source} style={{ width: "100%", height: 32 }} data-testid="telephony-music-audio" />;
  }
  return (
    <Space size={4} wrap>
      <Button
        size="small"
        icon={<CaretRightOutlined />}
        loading={attempt > 0 && !failure}
        onClick={() => setAttempt((count) => count + 1)}
        data-testid="telephony-music-play"
      >
        {t("telephony.music.play")}
      </Button>
      {failure ? (
        <Typography.Text type="danger" data-testid="telephony-music-play-error">
          {errorText(failure)}
        </Typography.Text>
      ) : null}
    </Space>
  );
}
