/**
 * One article, as an agent reads it: title, category path, keywords, summary, the body, the
 * attachments (download, or play audio), the "check yourself" quiz, who changed it last. A
 * star makes it a favourite; writers edit it; holders of knowledge.push push it to agents.
 */
import { EditOutlined, SendOutlined, StarFilled, StarOutlined } from "@ant-design/icons";
import { Alert, App, Breadcrumb, Button, Drawer, Empty, Space, Spin, Tag, theme, Tooltip, Typography } from "antd";
import { type ReactNode, useEffect, useState } from "react";
import { newCommandId } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useMutation, useQuery } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../i18n/format";
import { usePermission } from "../customers/access";
import { AttachmentList } from "./Attachments";
import { ArticleBody, KnowledgeHtmlStyle } from "./html";
import {
  type KnowledgeArticle,
  KNOWLEDGE_ARTICLE_QUERY,
  type KnowledgeArticleData,
  SET_KNOWLEDGE_FAVOURITE_MUTATION,
  type SetKnowledgeFavouriteVariables,
} from "./knowledge.graphql";
import { PushModal } from "./PushModal";
import { QuizView } from "./QuizView";

interface Props {
  articleId: string | null;
  onClose: () => void;
  /** Shown as an Edit button for writers. */
  onEdit?: (article: KnowledgeArticle) => void;
  /** The favourite changed (lists showing stars reload). */
  onChanged?: () => void;
  /** Extra buttons, e.g. the desk's "Copy summary into the reply". */
  actions?: (article: KnowledgeArticle) => ReactNode;
}

export function ArticleReader({ articleId, onClose, onEdit, onChanged, actions }: Props) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { token } = theme.useToken();
  const can = usePermission();
  const { data, error, loading, refetch } = useQuery<KnowledgeArticleData>(KNOWLEDGE_ARTICLE_QUERY, { id: articleId }, { skip: !articleId });
  const article = data?.knowledgeArticle?.id === articleId ? data.knowledgeArticle : null;
  const setFavourite = useMutation<unknown, SetKnowledgeFavouriteVariables>(SET_KNOWLEDGE_FAVOURITE_MUTATION);
  /** The star as last set here, before the article reloads. */
  const [favourite, setFavouriteShown] = useState<boolean | null>(null);
  const [pushing, setPushing] = useState(false);

  useEffect(() => {
    setFavouriteShown(null);
    setPushing(false);
  }, [articleId]);

  const starred = favourite ?? article?.favourite ?? false;

  const toggleFavourite = async () => {
    if (!article) return;
    const next = !starred;
    setFavouriteShown(next);
    try {
      await setFavourite.mutate({ commandId: newCommandId(), articleId: article.id, favourite: next });
      void message.success(next ? t("knowledge.favourites.added") : t("knowledge.favourites.removed"));
      onChanged?.();
      await refetch();
      setFavouriteShown(null);
    } catch (caught) {
      setFavouriteShown(null);
      void message.error(errorText(caught));
    }
  };

  return (
    <Drawer
      open={articleId !== null}
      onClose={onClose}
      size="min(736px, 100vw)"
      title={article?.title ?? t("knowledge.reader.title")}
      data-testid="knowledge-reader"
      extra={
        article ? (
          <Space wrap>
            <Tooltip title={starred ? t("knowledge.favourites.remove") : t("knowledge.favourites.add")}>
              <Button
                icon={starred ? <StarFilled style={{ color: token.colorWarning }} /> : <StarOutlined />}
                aria-label={starred ? t("knowledge.favourites.remove") : t("knowledge.favourites.add")}
                aria-pressed={starred}
                data-testid="knowledge-favourite"
                data-favourite={String(starred)}
                loading={setFavourite.loading}
                onClick={() => void toggleFavourite()}
              />
            </Tooltip>
            {can("knowledge.push") && article.published ? (
              <Button icon={<SendOutlined />} onClick={() => setPushing(true)} data-testid="knowledge-push">
                {t("knowledge.push.button")}
              </Button>
            ) : null}
            {onEdit && can("knowledge.edit") ? (
              <Button icon={<EditOutlined />} onClick={() => onEdit(article)} data-testid="knowledge-reader-edit">
                {t("common.edit")}
              </Button>
            ) : null}
            {actions?.(article)}
          </Space>
        ) : null
      }
    >
      <KnowledgeHtmlStyle />
      {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
      {loading && !article ? <Spin style={{ display: "block", marginBlock: 32 }} /> : null}
      {!loading && !error && articleId && !article ? <Empty description={t("knowledge.reader.notFound")} /> : null}
      {article ? (
        <Space orientation="vertical" size="middle" style={{ width: "100%" }} data-testid="knowledge-article" data-article-id={article.id}>
          <Space orientation="vertical" size={4} style={{ width: "100%" }}>
            {article.categoryPath.length > 0 ? (
              <Breadcrumb items={article.categoryPath.map((name, index) => ({ key: `${index}`, title: name }))} />
            ) : (
              <Typography.Text type="secondary">{t("knowledge.uncategorised")}</Typography.Text>
            )}
            <Typography.Title level={4} style={{ margin: 0 }} data-testid="knowledge-article-title">
              {article.title}
              {article.published ? null : (
                <Tag color="orange" style={{ marginInlineStart: token.marginXS, verticalAlign: "middle" }}>
                  {t("knowledge.draft")}
                </Tag>
              )}
            </Typography.Title>
            {article.keywords.length > 0 ? (
              <Space size={[4, 4]} wrap data-testid="knowledge-article-keywords">
                {article.keywords.map((keyword) => (
                  <Tag key={keyword}>{keyword}</Tag>
                ))}
              </Space>
            ) : null}
            <Typography.Text type="secondary" data-testid="knowledge-article-revision">
              {t("knowledge.reader.revision", {
                revision: article.revision,
                name: article.updatedByName || "—",
                time: formatDateTime(article.updatedAt, locale),
              })}
            </Typography.Text>
          </Space>
          {article.summary ? (
            <Alert type="info" title={t("knowledge.summary")} description={article.summary} data-testid="knowledge-article-summary" />
          ) : null}
          <ArticleBody html={article.bodyHtml} />
          <AttachmentList attachments={article.attachments} />
          <QuizView questions={article.quiz} />
          <Typography.Text type="secondary">{t("knowledge.reader.created", { time: formatDateTime(article.createdAt, locale) })}</Typography.Text>
        </Space>
      ) : null}
      <PushModal article={pushing && article ? article : null} onClose={() => setPushing(false)} />
    </Drawer>
  );
}
