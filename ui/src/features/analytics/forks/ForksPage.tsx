/**
 * Projection forks for analysts (holders of `menu.admin`, who may fork): the forks in the
 * read-model database (`projectionForks`), a new one up to a position or a time
 * (`forkProjection`), and dropping one after a confirmation (`dropProjectionFork`).
 * docs/audit.md "Forks" says how to query them.
 */
import { DeleteOutlined, PlusOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Popconfirm, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { GraphqlError } from "../../../api/client";
import { useErrorText } from "../../../api/errors";
import { useMutation, useQuery } from "../../../api/hooks";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import { ForkModal } from "./ForkModal";
import { DROP_PROJECTION_FORK_MUTATION, type ProjectionFork, type ProjectionForksData, PROJECTION_FORKS_QUERY } from "./forks.graphql";

export function ForksPage() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { data, error, loading, refetch } = useQuery<ProjectionForksData>(PROJECTION_FORKS_QUERY);
  const drop = useMutation<unknown, { projection: string; name: string }>(DROP_PROJECTION_FORK_MUTATION);
  const [creating, setCreating] = useState(false);
  const forks = data?.projectionForks ?? [];

  const dropFork = async (fork: ProjectionFork) => {
    try {
      await drop.mutate({ projection: fork.projection, name: fork.name });
      void message.success(t("forks.dropped", { name: fork.name }));
    } catch (caught) {
      // The server answers `audit.invalid_fork` for a fork that is gone (dropped meanwhile).
      void message.error(caught instanceof GraphqlError && caught.code === "audit.invalid_fork" ? t("forks.unknown") : errorText(caught));
    }
    await refetch();
  };

  const bound = (fork: ProjectionFork) => {
    if (fork.toPosition != null) return t("forks.boundPosition", { position: fork.toPosition });
    if (fork.toTime) return t("forks.boundTime", { time: formatDateTime(fork.toTime, locale) });
    return "—";
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
      <Card
        title={t("menu.audit.forks")}
        extra={
          <Space>
            <Button icon={<ReloadOutlined />} onClick={() => void refetch()} aria-label={t("common.refresh")} />
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} disabled={!data} data-testid="fork-new">
              {t("forks.new")}
            </Button>
          </Space>
        }
      >
        <Typography.Paragraph type="secondary">{t("forks.intro")}</Typography.Paragraph>
        <Table<ProjectionFork>
          rowKey={(fork) => `${fork.projection}/${fork.name}`}
          size="middle"
          loading={loading}
          dataSource={forks}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          onRow={(fork) => ({ "data-testid": "fork-row", "data-fork": `${fork.projection}/${fork.name}` }) as object}
          locale={{ emptyText: t("forks.empty") }}
          columns={[
            { key: "projection", dataIndex: "projection", title: t("forks.projection") },
            { key: "name", dataIndex: "name", title: t("forks.name") },
            {
              key: "tables",
              title: t("forks.tables"),
              render: (_: unknown, fork) => (
                <Space size={[0, 4]} wrap>
                  {fork.tables.map((table) => (
                    <Tag key={table}>
                      <Typography.Text copyable={{ text: table }}>{table}</Typography.Text>
                    </Tag>
                  ))}
                </Space>
              ),
            },
            { key: "bound", title: t("forks.upTo"), render: (_: unknown, fork) => bound(fork) },
            {
              key: "position",
              title: t("forks.reached"),
              render: (_: unknown, fork) =>
                fork.position != null ? t("forks.reachedValue", { position: fork.position, events: fork.events ?? 0 }) : "—",
            },
            {
              key: "createdAt",
              title: t("forks.createdAt"),
              render: (_: unknown, fork) => (fork.createdAt ? formatDateTime(fork.createdAt, locale) : t("forks.notRecorded")),
            },
            {
              key: "actions",
              title: t("common.actions"),
              width: 110,
              render: (_: unknown, fork) => (
                <Popconfirm
                  title={t("forks.dropTitle", { name: fork.name })}
                  description={<div style={{ maxWidth: 320 }}>{t("forks.dropWarning", { tables: fork.tables.join(", ") })}</div>}
                  okText={t("forks.drop")}
                  cancelText={t("common.cancel")}
                  okButtonProps={{ danger: true, "data-testid": "fork-drop-confirm" }}
                  onConfirm={() => dropFork(fork)}
                >
                  <Button size="small" danger icon={<DeleteOutlined />} data-testid="fork-drop">
                    {t("forks.drop")}
                  </Button>
                </Popconfirm>
              ),
            },
          ]}
        />
      </Card>
      <ForkModal
        open={creating}
        projections={data?.projections ?? []}
        forks={forks}
        onClose={() => setCreating(false)}
        onForked={() => void refetch()}
      />
    </Space>
  );
}
