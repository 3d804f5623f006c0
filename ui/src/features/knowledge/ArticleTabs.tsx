/** The page's lists besides browsing: the user's favourites and the articles pushed to them. */
import { Alert, Badge, Empty, Space, Spin, theme, Typography } from "antd";
import { useEffect } from "react";
import type { GraphqlError } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useQuery } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../i18n/format";
import { ArticleItem } from "./ArticleItems";
import { KNOWLEDGE_FAVOURITES_QUERY, type KnowledgeFavouritesData, type KnowledgePush } from "./knowledge.graphql";

export function FavouritesTab({ onOpen, reloadKey }: { onOpen: (articleId: string) => void; reloadKey: number }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const { data, error, loading, refetch } = useQuery<KnowledgeFavouritesData>(KNOWLEDGE_FAVOURITES_QUERY);
  useEffect(() => {
    if (reloadKey > 0) void refetch();
  }, [reloadKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const favourites = data?.knowledgeFavourites ?? [];
  return (
    <div data-testid="knowledge-favourites">
      {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
      {loading && !data ? <Spin style={{ display: "block", marginBlock: 24 }} /> : null}
      {!loading && !error && favourites.length === 0 ? <Empty description={t("knowledge.favourites.none")} /> : null}
      <div role="list">
        {favourites.map((article) => (
          <ArticleItem key={article.id} article={article} onOpen={() => onOpen(article.id)} testId="knowledge-favourite-item" />
        ))}
      </div>
    </div>
  );
}

interface InboxProps {
  pushes: readonly KnowledgePush[];
  loading: boolean;
  error: GraphqlError | undefined;
  onOpen: (push: KnowledgePush) => void;
}

export function InboxTab({ pushes, loading, error, onOpen }: InboxProps) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { token } = theme.useToken();
  return (
    <div data-testid="knowledge-inbox">
      {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
      {loading && pushes.length === 0 ? <Spin style={{ display: "block", marginBlock: 24 }} /> : null}
      {!loading && !error && pushes.length === 0 ? <Empty description={t("knowledge.inbox.none")} /> : null}
      <div role="list">
        {pushes.map((push) => (
          <ArticleItem
            key={`${push.article.id}:${push.pushedAt}`}
            article={push.article}
            testId={push.read ? "knowledge-inbox-item" : "knowledge-inbox-item-unread"}
            onOpen={() => onOpen(push)}
            extra={
              <Space orientation="vertical" size={0} style={{ width: "100%" }}>
                <Space size={6}>
                  {push.read ? null : <Badge status="processing" text={t("knowledge.inbox.unread")} />}
                  <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                    {t("knowledge.inbox.pushedBy", { name: push.pushedByName || "—", time: formatDateTime(push.pushedAt, locale) })}
                  </Typography.Text>
                </Space>
                {push.note ? (
                  <Typography.Text italic data-testid="knowledge-inbox-note">
                    “{push.note}”
                  </Typography.Text>
                ) : null}
              </Space>
            }
          />
        ))}
      </div>
    </div>
  );
}
