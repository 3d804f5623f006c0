/**
 * The call log (`menu.calls`): calls newest first (your own, or everyone's with `calls.all`),
 * fifty at a time with "Load more" before the last one shown. Holders of `call.recordings`
 * play a call's recording and download it. Holders of `softphone` call a row's customer back
 * (the caller of an inbound call, the number called of an outbound one) through the bar.
 */
import { DownloadOutlined, PhoneOutlined, PlayCircleOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Space, Table, Tag, Tooltip, Typography } from "antd";
import { useCallback, useContext, useEffect, useRef, useState } from "react";
import { GraphqlError, request } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../i18n/format";
import { usePermission } from "../customers/access";
import { saveBlob } from "../customers/rest";
import { ShellContext } from "../shell/ShellContext";
import { useAgentNames } from "./agentNames";
import { type CallRecord, CALLS_QUERY, type CallsData, type CallsVariables, customerNumber } from "./calls.graphql";
import { useDial } from "./dial";
import { END_CAUSE_KEYS, formatDuration, shortId, STATUS_KEYS } from "./format";
import { fetchRecording, recordingFileName } from "./recording";
import { RecordingModal } from "./RecordingModal";

export const CALLS_PAGE_SIZE = 50;

const STATUS_COLORS: Record<string, string> = {
  WAITING: "gold",
  RINGING: "processing",
  DIALING: "processing",
  CONNECTED: "success",
  HELD: "warning",
  ENDED: "default",
};

const END_CAUSE_COLORS: Record<string, string> = {
  abandoned: "warning",
  failed: "error",
  unanswered: "warning",
};


/** The call with its customer's number as the caller's, for the recording's file name and title. */
const withCustomerNumber = (call: CallRecord): CallRecord => ({ ...call, callerNumber: customerNumber(call) });

export function CallsPage() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const can = usePermission();
  const me = useContext(ShellContext)?.me ?? null;
  const names = useAgentNames(can, me);
  const canListen = can("call.recordings");
  const dial = useDial();
  const [rows, setRows] = useState<CallRecord[]>([]);
  const [loading, setLoading] = useState(true);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<unknown>();
  const [playing, setPlaying] = useState<CallRecord | null>(null);
  const [downloading, setDownloading] = useState<string | null>(null);
  const ticket = useRef(0);

  /** The first page (before = null) or the page before the last row shown. */
  const load = useCallback(async (before: string | null) => {
    const mine = ++ticket.current;
    setLoading(true);
    setError(undefined);
    try {
      const variables: CallsVariables = { first: CALLS_PAGE_SIZE, before };
      const data = await request<CallsData>(CALLS_QUERY, variables as unknown as Record<string, unknown>);
      if (mine !== ticket.current) return;
      setRows((shown) => {
        if (!before) return data.calls;
        const known = new Set(shown.map((call) => call.id));
        return [...shown, ...data.calls.filter((call) => !known.has(call.id))];
      });
      setMore(data.calls.length >= CALLS_PAGE_SIZE);
    } catch (caught) {
      if (mine !== ticket.current) return;
      setError(caught instanceof GraphqlError ? caught : new GraphqlError("internal", String(caught)));
    } finally {
      if (mine === ticket.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load(null);
    return () => {
      ticket.current++;
    };
  }, [load]);

  const download = async (call: CallRecord) => {
    if (!call.recordingId) return;
    setDownloading(call.id);
    try {
      saveBlob(await fetchRecording(call.recordingId), recordingFileName(withCustomerNumber(call)));
    } catch (caught) {
      void message.error(errorText(caught));
    } finally {
      setDownloading(null);
    }
  };

  const agentName = (id: string | null) => {
    if (!id) return <Typography.Text type="secondary">—</Typography.Text>;
    const name = names.get(id);
    return name ? name : <Typography.Text type="secondary" title={id}>{shortId(id)}</Typography.Text>;
  };

  const last = rows[rows.length - 1];

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      {error ? <Alert type="error" showIcon title={errorText(error)} data-testid="calls-error" /> : null}
      <Card
        title={t("menu.calls")}
        extra={<Button icon={<ReloadOutlined />} onClick={() => void load(null)} aria-label={t("common.refresh")} data-testid="calls-refresh" />}
      >
        <Table<CallRecord>
          rowKey="id"
          size="middle"
          loading={loading}
          dataSource={rows}
          pagination={false}
          scroll={{ x: 1200 }}
          onRow={(call) => ({ "data-testid": "calls-row", "data-call-id": call.id }) as object}
          locale={{ emptyText: t("calls.empty") }}
          columns={[
            {
              key: "arrivedAt",
              title: t("calls.arrivedAt"),
              width: 190,
              render: (_: unknown, call) => formatDateTime(call.arrivedAt, locale),
            },
            {
              key: "direction",
              title: t("calls.direction.column"),
              width: 100,
              render: (_: unknown, call) => (
                <Tag color={call.direction === "OUTBOUND" ? "purple" : "blue"} data-testid="calls-direction">
                  {t(call.direction === "OUTBOUND" ? "calls.direction.OUTBOUND" : "calls.direction.INBOUND")}
                </Tag>
              ),
            },
            {
              key: "customerNumber",
              title: t("calls.customerNumber"),
              render: (_: unknown, call) => {
                const number = customerNumber(call);
                if (!number) {
                  return (
                    <Typography.Text type="secondary">
                      {t(call.direction === "OUTBOUND" ? "softphone.unknownNumber" : "softphone.unknownCaller")}
                    </Typography.Text>
                  );
                }
                return (
                  <Space size={4}>
                    {number}
                    {dial ? (
                      <Tooltip title={t("calls.callBack")}>
                        <Button
                          size="small"
                          type="link"
                          icon={<PhoneOutlined />}
                          onClick={() => dial(number)}
                          aria-label={t("calls.callBack")}
                          data-testid="calls-call-back"
                        />
                      </Tooltip>
                    ) : null}
                  </Space>
                );
              },
            },
            { key: "accessNumber", dataIndex: "accessNumber", title: t("calls.accessNumber") },
            { key: "agent", title: t("calls.agent"), render: (_: unknown, call) => agentName(call.agentId) },
            {
              key: "status",
              title: t("calls.state"),
              render: (_: unknown, call) =>
                call.status === "ENDED" && call.endCause ? (
                  <Tag color={END_CAUSE_COLORS[call.endCause] ?? "default"} data-testid="calls-end-cause">
                    {END_CAUSE_KEYS[call.endCause] ? t(END_CAUSE_KEYS[call.endCause]!) : call.endCause}
                  </Tag>
                ) : (
                  <Tag color={STATUS_COLORS[call.status] ?? "default"} data-testid="calls-status">
                    {STATUS_KEYS[call.status] ? t(STATUS_KEYS[call.status]!) : call.status}
                  </Tag>
                ),
            },
            { key: "wait", title: t("calls.wait"), width: 80, render: (_: unknown, call) => formatDuration(call.waitSeconds) },
            { key: "talk", title: t("calls.talk"), width: 80, render: (_: unknown, call) => formatDuration(call.talkSeconds) },
            { key: "hold", title: t("calls.hold"), width: 80, render: (_: unknown, call) => formatDuration(call.holdSeconds) },
            {
              key: "recording",
              title: t("calls.recording.column"),
              width: 200,
              render: (_: unknown, call) =>
                call.recordingId ? (
                  canListen ? (
                    <Space size={4}>
                      <Button size="small" icon={<PlayCircleOutlined />} onClick={() => setPlaying(withCustomerNumber(call))} data-testid="calls-play">
                        {t("calls.recording.play")}
                      </Button>
                      <Tooltip title={t("calls.recording.download")}>
                        <Button
                          size="small"
                          type="link"
                          icon={<DownloadOutlined />}
                          loading={downloading === call.id}
                          onClick={() => void download(call)}
                          aria-label={t("calls.recording.download")}
                          data-testid="calls-download"
                        />
                      </Tooltip>
                    </Space>
                  ) : (
                    <Typography.Text type="secondary">{formatDuration(call.recordingSeconds)}</Typography.Text>
                  )
                ) : null,
            },
          ]}
        />
        {more && last ? (
          <div style={{ textAlign: "center", marginTop: 16 }}>
            <Button onClick={() => void load(last.arrivedAt)} loading={loading} data-testid="calls-load-more">
              {t("common.loadMore")}
            </Button>
          </div>
        ) : null}
      </Card>
      <RecordingModal call={playing} onClose={() => setPlaying(null)} />
    </Space>
  );
}
