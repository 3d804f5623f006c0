/**
 * Knowledge to add (knowledge.edit): searches that found nothing, most missed first, with
 * how many times and by how many people. "Write an article" opens the editor with the
 * query as title and keyword (the page resolves the gap with the new article once saved);
 * "Dismiss" takes a query off the list without an article.
 */
import { CloseOutlined, FormOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Popconfirm, Space, Table, Tooltip, Typography } from "antd";
import { useEffect } from "react";
import { newCommandId } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useMutation, useQuery } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../i18n/format";
import {
  type KnowledgeGap,
  KNOWLEDGE_GAPS_QUERY,
  type KnowledgeGapsData,
  RESOLVE_KNOWLEDGE_GAP_MUTATION,
  type ResolveKnowledgeGapVariables,
} from "./knowledge.graphql";

const FIRST = 100;

interface Props {
  onWrite: (gap: KnowledgeGap) => void;
  /** Changes when the page resolved a gap, so the list loads again. */
  reloadKey: number;
}

export function GapsTab({ onWrite, reloadKey }: Props) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { data, error, loading, refetch } = useQuery<KnowledgeGapsData>(KNOWLEDGE_GAPS_QUERY, { first: FIRST });
  const resolve = useMutation<unknown, ResolveKnowledgeGapVariables>(RESOLVE_KNOWLEDGE_GAP_MUTATION);

  useEffect(() => {
    if (reloadKey > 0) void refetch();
  }, [reloadKey]); // eslint-disable-line react-hooks/exhaustive-deps

  const dismiss = async (gap: KnowledgeGap) => {
    try {
      await resolve.mutate({ commandId: newCommandId(), query: gap.query, articleId: null });
    } catch (caught) {
      void message.error(errorText(caught));
      return;
    }
    void message.success(t("knowledge.gaps.dismissed", { query: gap.query }));
    void refetch();
  };

  return (
    <Space orientation="vertical" size="small" style={{ width: "100%" }} data-testid="knowledge-gaps">
      <Space style={{ width: "100%", justifyContent: "space-between" }} wrap>
        <Typography.Text type="secondary">{t("knowledge.gaps.hint")}</Typography.Text>
        <Button icon={<ReloadOutlined />} onClick={() => void refetch()} aria-label={t("common.refresh")} />
      </Space>
      {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
      <Table<KnowledgeGap>
        rowKey="query"
        size="middle"
        loading={loading}
        dataSource={data?.knowledgeGaps ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: t("knowledge.gaps.none") }}
        onRow={(gap) => ({ "data-testid": "knowledge-gap-row", "data-query": gap.query }) as object}
        columns={[
          { key: "query", dataIndex: "query", title: t("knowledge.gaps.query"), render: (query: string) => <Typography.Text strong>{query}</Typography.Text> },
          { key: "misses", dataIndex: "misses", title: t("knowledge.gaps.misses"), align: "right" },
          { key: "users", dataIndex: "users", title: t("knowledge.gaps.users"), align: "right", responsive: ["sm"] },
          {
            key: "lastMissedAt",
            dataIndex: "lastMissedAt",
            title: t("knowledge.gaps.lastMissed"),
            responsive: ["md"],
            render: (value: string, gap: KnowledgeGap) => (
              <Tooltip title={t("knowledge.gaps.firstMissed", { time: formatDateTime(gap.firstMissedAt, locale) })}>
                {formatDateTime(value, locale)}
              </Tooltip>
            ),
          },
          {
            key: "actions",
            title: t("common.actions"),
            render: (_: unknown, gap: KnowledgeGap) => (
              <Space size={4}>
                <Button size="small" type="primary" icon={<FormOutlined />} onClick={() => onWrite(gap)} data-testid="knowledge-gap-write">
                  {t("knowledge.gaps.write")}
                </Button>
                <Popconfirm
                  title={t("knowledge.gaps.dismissTitle", { query: gap.query })}
                  okText={t("knowledge.gaps.dismiss")}
                  okButtonProps={{ "data-testid": "knowledge-gap-dismiss-confirm" }}
                  cancelText={t("common.cancel")}
                  onConfirm={() => dismiss(gap)}
                >
                  <Button size="small" icon={<CloseOutlined />} data-testid="knowledge-gap-dismiss">
                    {t("knowledge.gaps.dismiss")}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
    </Space>
  );
}
