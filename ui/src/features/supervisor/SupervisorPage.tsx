/**
 * The supervisor's live view: per queue who waits and for how long, who is available and
 * today's figures; the agents grouped by presence, with their reason, time in state and
 * load per channel. The board comes once by query, then each push replaces it; times tick
 * locally in between. Nothing polls.
 */
import { ReloadOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Col, Empty, Row, Space, Table, Tag, theme, Typography } from "antd";
import { type HTMLAttributes, useEffect, useState } from "react";
import { GraphqlError, request } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { subscribe } from "../../api/subscriptions";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../i18n/format";
import { CHANNEL_KEYS, PRESENCE_COLORS, PRESENCE_KEYS, reasonText } from "../desk/presence";
import { formatDuration, secondsSince, useNow } from "../desk/time";
import { agentsByState, longestWaitNow, type ReceivedBoard, serverNow } from "./board";
import { type LiveAgent, LIVE_BOARD_QUERY, LIVE_BOARD_SUBSCRIPTION, type LiveBoardData, type LiveQueue } from "./supervisor.graphql";

export function SupervisorPage() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { token } = theme.useToken();
  const [received, setReceived] = useState<ReceivedBoard>();
  const [error, setError] = useState<GraphqlError>();
  const [attempt, setAttempt] = useState(0);
  const now = useNow(1000, received !== undefined);

  useEffect(() => {
    let live = true;
    // A push that arrives before the query's answer is newer: the answer is then dropped.
    let pushed = false;
    setError(undefined);
    request<LiveBoardData>(LIVE_BOARD_QUERY).then(
      (data) => {
        if (live && !pushed) setReceived({ board: data.liveBoard, receivedAt: Date.now() });
      },
      (caught: unknown) => live && setError(caught instanceof GraphqlError ? caught : new GraphqlError("internal", String(caught))),
    );
    const stop = subscribe<LiveBoardData>(LIVE_BOARD_SUBSCRIPTION, {}, {
      next: (data) => {
        if (!live) return;
        pushed = true;
        setReceived({ board: data.liveBoard, receivedAt: Date.now() });
      },
      error: (caught) => live && setError(caught),
    });
    return () => {
      live = false;
      stop();
    };
  }, [attempt]);

  const board = received?.board;
  const serverTime = received ? serverNow(received, now) : now;

  const queueColumns = [
    { key: "name", title: t("supervisor.queue"), render: (_: unknown, row: LiveQueue) => <Typography.Text strong>{row.queue.name}</Typography.Text> },
    { key: "waiting", title: t("supervisor.waiting"), dataIndex: "waiting", align: "right" as const },
    { key: "offered", title: t("supervisor.offered"), dataIndex: "offered", align: "right" as const },
    {
      key: "longestWait",
      title: t("supervisor.longestWait"),
      align: "right" as const,
      render: (_: unknown, row: LiveQueue) => (
        <span data-testid="live-longest-wait">
          {received && row.waiting > 0 ? formatDuration(longestWaitNow(row.longestWaitSeconds, row.waiting, received, now)) : "—"}
        </span>
      ),
    },
    {
      key: "agents",
      title: t("supervisor.agentsAvailable"),
      align: "right" as const,
      render: (_: unknown, row: LiveQueue) => `${row.agentsAvailable} / ${row.agentsLoggedIn}`,
    },
    { key: "answered", title: t("supervisor.answered"), dataIndex: "answeredToday", align: "right" as const },
    { key: "abandoned", title: t("supervisor.abandoned"), dataIndex: "abandonedToday", align: "right" as const },
    {
      key: "serviceLevel",
      title: t("supervisor.serviceLevel"),
      align: "right" as const,
      render: (_: unknown, row: LiveQueue) => (row.serviceLevel == null ? "—" : `${Math.round(row.serviceLevel * 100)}%`),
    },
  ];

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }} data-testid="live-board">
      {error ? (
        <Alert
          type="warning"
          showIcon
          title={t("supervisor.liveLost")}
          description={errorText(error)}
          action={
            <Button size="small" icon={<ReloadOutlined />} onClick={() => setAttempt((count) => count + 1)}>
              {t("common.retry")}
            </Button>
          }
        />
      ) : null}
      <Card
        size="small"
        title={t("supervisor.queues")}
        extra={
          board ? (
            <Typography.Text type="secondary" data-testid="live-board-at">
              {t("supervisor.updatedAt", { time: formatDateTime(board.at, locale) })}
            </Typography.Text>
          ) : null
        }
      >
        <Table<LiveQueue>
          rowKey={(row) => row.queue.id}
          size="small"
          loading={!board && !error}
          pagination={false}
          dataSource={board?.queues ?? []}
          columns={queueColumns}
          onRow={(row) => ({ "data-testid": "live-queue-row", "data-queue-id": row.queue.id }) as HTMLAttributes<HTMLElement>}
          locale={{ emptyText: t("supervisor.noQueues") }}
        />
      </Card>
      <Card size="small" title={t("supervisor.agents")}>
        {board && board.agents.length === 0 ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("supervisor.noAgents")} /> : null}
        <Row gutter={[12, 12]}>
          {agentsByState(board?.agents ?? []).map(([state, agents]) => (
            <Col key={state} xs={24} md={12} xl={8}>
              <Card
                size="small"
                type="inner"
                data-testid="live-agent-group"
                data-state={state}
                title={
                  <Space size={4}>
                    <Tag color={PRESENCE_COLORS[state]}>{t(PRESENCE_KEYS[state])}</Tag>
                    <Typography.Text type="secondary">{agents.length}</Typography.Text>
                  </Space>
                }
              >
                <Space orientation="vertical" size={token.marginXS} style={{ width: "100%" }}>
                  {agents.map((agent) => (
                    <AgentLine key={agent.agentId} agent={agent} serverTime={serverTime} />
                  ))}
                </Space>
              </Card>
            </Col>
          ))}
        </Row>
      </Card>
    </Space>
  );
}

function AgentLine({ agent, serverTime }: { agent: LiveAgent; serverTime: number }) {
  const { t } = useI18n();
  const inState = secondsSince(agent.presence.since, serverTime);
  const load = agent.load.filter((channel) => channel.capacity > 0 || channel.load > 0);
  return (
    <div data-testid="live-agent" data-agent-id={agent.agentId} data-state={agent.presence.state}>
      <Space size={4} wrap>
        <Typography.Text strong>{agent.name}</Typography.Text>
        {agent.presence.reason ? <Typography.Text type="secondary">{reasonText(agent.presence.reason, t)}</Typography.Text> : null}
        {inState != null ? <Typography.Text type="secondary">{formatDuration(inState)}</Typography.Text> : null}
      </Space>
      <div>
        {load.map((channel) => (
          <Tag key={channel.channel} color={channel.load >= channel.capacity && channel.capacity > 0 ? "orange" : undefined}>
            {t("supervisor.load", { channel: t(CHANNEL_KEYS[channel.channel]), load: channel.load, capacity: channel.capacity })}
          </Tag>
        ))}
      </div>
    </div>
  );
}
