/**
 * Routing (ACD) administration: the queues (strategy, skill, priority, sticky agent,
 * overflow, offer timeout) and each agent's capacity, skills and queues.
 */
import { EditOutlined, PlusOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Space, Table, Tag, Typography } from "antd";
import { useMemo, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useQuery } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { CHANNEL_KEYS, PRESENCE_COLORS, PRESENCE_KEYS } from "../../desk/presence";
import { type AcdAgent, type AcdPageData, ACD_PAGE_QUERY, type AcdQueue } from "./acd.graphql";
import { AgentRoutingModal } from "./AgentRoutingModal";
import { STRATEGY_KEYS } from "./labels";
import { QueueModal } from "./QueueModal";

export function AcdPage() {
  const t = useT();
  const errorText = useErrorText();
  const { data, error, loading, refetch } = useQuery<AcdPageData>(ACD_PAGE_QUERY);
  const [editingQueue, setEditingQueue] = useState<AcdQueue | null | undefined>(undefined);
  const [editingAgent, setEditingAgent] = useState<AcdAgent | null>(null);
  const queues = useMemo(() => data?.acdQueues ?? [], [data]);
  const agents = data?.acdAgents ?? [];
  const queueNames = useMemo(() => new Map(queues.map((queue) => [queue.id, queue.name])), [queues]);
  const skills = useMemo(() => {
    const names = new Set<string>();
    for (const agent of data?.acdAgents ?? []) for (const entry of agent.skills) names.add(entry.skill);
    for (const queue of queues) if (queue.requiredSkill) names.add(queue.requiredSkill);
    return [...names].sort((a, b) => a.localeCompare(b));
  }, [data, queues]);
  const seconds = (value: number | null) => (value == null ? "—" : t("acd.secondsValue", { seconds: value }));

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
      <Card
        title={t("acd.queues")}
        extra={
          <Space>
            <Button icon={<ReloadOutlined />} onClick={() => void refetch()} aria-label={t("common.refresh")} />
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditingQueue(null)} data-testid="acd-new-queue">
              {t("acd.newQueue")}
            </Button>
          </Space>
        }
      >
        <Table<AcdQueue>
          rowKey="id"
          size="middle"
          loading={loading}
          dataSource={queues}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          onRow={(queue) => ({ "data-testid": "acd-queue-row", "data-queue-id": queue.id }) as object}
          locale={{ emptyText: t("acd.noQueues") }}
          columns={[
            { key: "name", dataIndex: "name", title: t("acd.queueName"), sorter: (a, b) => a.name.localeCompare(b.name) },
            { key: "strategy", dataIndex: "strategy", title: t("acd.strategy"), render: (strategy: AcdQueue["strategy"]) => t(STRATEGY_KEYS[strategy]) },
            {
              key: "skill",
              title: t("acd.requiredSkill"),
              render: (_: unknown, queue) =>
                queue.requiredSkill ? (
                  <Tag>{queue.minimumSkillLevel != null ? `${queue.requiredSkill} ≥ ${queue.minimumSkillLevel}` : queue.requiredSkill}</Tag>
                ) : (
                  "—"
                ),
            },
            {
              key: "priority",
              dataIndex: "customerPriority",
              title: t("acd.customerPriority"),
              render: (on: boolean) => (on ? <Tag color="blue">{t("acd.on")}</Tag> : <Tag>{t("acd.off")}</Tag>),
            },
            { key: "sticky", dataIndex: "stickyAgentSeconds", title: t("acd.stickyAgent"), render: seconds },
            {
              key: "overflow",
              title: t("acd.overflow"),
              render: (_: unknown, queue) =>
                queue.overflowQueueId && queue.overflowAfterSeconds != null
                  ? t("acd.overflowValue", {
                      seconds: queue.overflowAfterSeconds,
                      queue: queueNames.get(queue.overflowQueueId) ?? queue.overflowQueueId.slice(0, 8),
                    })
                  : "—",
            },
            { key: "offer", dataIndex: "offerTimeoutSeconds", title: t("acd.offerTimeout"), render: seconds },
            {
              key: "actions",
              title: t("common.actions"),
              width: 100,
              render: (_: unknown, queue) => (
                <Button size="small" icon={<EditOutlined />} onClick={() => setEditingQueue(queue)} data-testid="acd-edit-queue">
                  {t("common.edit")}
                </Button>
              ),
            },
          ]}
        />
      </Card>
      <Card title={t("acd.agents")}>
        <Table<AcdAgent>
          rowKey="agentId"
          size="middle"
          loading={loading}
          dataSource={agents}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          onRow={(agent) => ({ "data-testid": "acd-agent-row", "data-agent-id": agent.agentId }) as object}
          locale={{ emptyText: t("acd.noAgents") }}
          columns={[
            {
              key: "name",
              title: t("acd.agent"),
              sorter: (a, b) => a.name.localeCompare(b.name),
              render: (_: unknown, agent) => (
                <Space orientation="vertical" size={0}>
                  <Typography.Text>{agent.name}</Typography.Text>
                  <Typography.Text type="secondary">{agent.username}</Typography.Text>
                </Space>
              ),
            },
            {
              key: "presence",
              title: t("acd.presence"),
              render: (_: unknown, agent) =>
                agent.registered ? (
                  <Tag color={PRESENCE_COLORS[agent.presence.state]}>{t(PRESENCE_KEYS[agent.presence.state])}</Tag>
                ) : (
                  <Tag>{t("acd.notRegistered")}</Tag>
                ),
            },
            {
              key: "capacity",
              title: t("acd.capacity"),
              render: (_: unknown, agent) =>
                agent.capacity
                  .filter((entry) => entry.capacity > 0)
                  .map((entry) => <Tag key={entry.channel}>{`${t(CHANNEL_KEYS[entry.channel])} ${entry.capacity}`}</Tag>),
            },
            {
              key: "skills",
              title: t("acd.skills"),
              render: (_: unknown, agent) =>
                agent.skills.map((entry) => <Tag key={entry.skill}>{`${entry.skill} · ${entry.level}`}</Tag>),
            },
            {
              key: "queues",
              title: t("acd.agentQueues"),
              render: (_: unknown, agent) =>
                agent.queueIds.map((id) => (
                  <Tag key={id} color="blue">
                    {queueNames.get(id) ?? id.slice(0, 8)}
                  </Tag>
                )),
            },
            {
              key: "actions",
              title: t("common.actions"),
              width: 140,
              render: (_: unknown, agent) => (
                <Button size="small" icon={<EditOutlined />} onClick={() => setEditingAgent(agent)} data-testid="acd-edit-routing">
                  {t("acd.editRouting")}
                </Button>
              ),
            },
          ]}
        />
      </Card>
      <QueueModal queue={editingQueue} queues={queues} skills={skills} onClose={() => setEditingQueue(undefined)} onSaved={() => void refetch()} />
      <AgentRoutingModal agent={editingAgent} queues={queues} skills={skills} onClose={() => setEditingAgent(null)} onSaved={() => void refetch()} />
    </Space>
  );
}
