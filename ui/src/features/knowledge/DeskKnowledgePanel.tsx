/**
 * The knowledge base beside a conversation on the agent desk: a search box (Enter or the
 * button), the first hits, the reader on a click, and a button that puts the article's
 * summary into the reply box. Shown to holders of menu.knowledge only.
 */
import { EnterOutlined, SearchOutlined } from "@ant-design/icons";
import { App, Button, Card, Empty, Input, Space, Spin, theme, Typography } from "antd";
import { useState } from "react";
import { useErrorText } from "../../api/errors";
import { useQuery } from "../../api/hooks";
import { useT } from "../../i18n";
import { usePermission } from "../customers/access";
import { ArticleReader } from "./ArticleReader";
import { Highlighted, KnowledgeHtmlStyle } from "./html";
import { SEARCH_KNOWLEDGE_QUERY, type SearchKnowledgeData, type SearchKnowledgeVariables } from "./knowledge.graphql";
import { isInvalidQuery } from "./labels";
import { requestReplyInsert } from "./replyInsert";

const HITS = 5;

export function DeskKnowledgePanel() {
  const can = usePermission();
  return can("menu.knowledge") ? <Panel /> : null;
}

function Panel() {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { token } = theme.useToken();
  const [typed, setTyped] = useState("");
  const [search, setSearch] = useState<string | null>(null);
  const [readingId, setReadingId] = useState<string | null>(null);
  const variables: SearchKnowledgeVariables = { query: search ?? "", categoryId: null, includeDrafts: false, first: HITS, offset: 0 };
  const result = useQuery<SearchKnowledgeData>(SEARCH_KNOWLEDGE_QUERY, variables as unknown as Record<string, unknown>, { skip: search === null });
  const hits = result.data?.searchKnowledge.hits ?? [];

  const run = () => {
    const text = typed.trim();
    if (!text) return;
    if (text === search) void result.refetch();
    setSearch(text);
  };

  const insertSummary = (summary: string) => {
    if (requestReplyInsert(summary)) {
      void message.success(t("knowledge.desk.inserted"));
      setReadingId(null);
    } else {
      void message.warning(t("knowledge.desk.noReply"));
    }
  };

  return (
    <Card size="small" title={t("menu.knowledge")} data-testid="desk-knowledge">
      <KnowledgeHtmlStyle />
      <Space.Compact style={{ width: "100%" }}>
        <Input
          allowClear
          size="small"
          value={typed}
          status={isInvalidQuery(result.error) ? "error" : undefined}
          aria-label={t("knowledge.search.label")}
          placeholder={t("knowledge.desk.placeholder")}
          data-testid="desk-knowledge-search"
          onChange={(event) => setTyped(event.target.value)}
          onPressEnter={run}
        />
        <Button size="small" icon={<SearchOutlined />} aria-label={t("knowledge.search.button")} onClick={run} />
      </Space.Compact>
      {result.error ? (
        <Typography.Text type="danger" role="alert" style={{ display: "block", marginTop: token.marginXXS }}>
          {isInvalidQuery(result.error) ? result.error.serverMessage || errorText(result.error) : errorText(result.error)}
        </Typography.Text>
      ) : null}
      {result.loading ? <Spin size="small" style={{ display: "block", marginTop: token.marginXS }} /> : null}
      {search !== null && !result.loading && !result.error && hits.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("knowledge.search.noHits", { query: search })} />
      ) : null}
      <div role="list" style={{ marginTop: token.marginXXS }}>
        {hits.map((hit) => (
          <div
            key={hit.article.id}
            role="listitem"
            data-testid="desk-knowledge-hit"
            data-article-id={hit.article.id}
            style={{ padding: `${token.paddingXXS}px 0`, borderBottom: `1px solid ${token.colorBorderSecondary}` }}
          >
            <Button type="link" size="small" style={{ padding: 0, height: "auto", whiteSpace: "normal", textAlign: "start" }} onClick={() => setReadingId(hit.article.id)}>
              <Highlighted html={hit.titleHtml} />
            </Button>
            <Typography.Paragraph type="secondary" ellipsis={{ rows: 2 }} style={{ marginBottom: 0, fontSize: token.fontSizeSM }}>
              <Highlighted html={hit.snippetHtml} />
            </Typography.Paragraph>
          </div>
        ))}
      </div>
      <ArticleReader
        articleId={readingId}
        onClose={() => setReadingId(null)}
        actions={(article) =>
          article.summary ? (
            <Button icon={<EnterOutlined />} onClick={() => insertSummary(article.summary)} data-testid="desk-knowledge-insert">
              {t("knowledge.desk.insert")}
            </Button>
          ) : null
        }
      />
    </Card>
  );
}
