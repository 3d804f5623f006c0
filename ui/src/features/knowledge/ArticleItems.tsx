/**
 * Rows of article lists: a search hit (highlighted title and snippet from the server, a
 * paperclip when the match was in an attachment) and an article of a category, a favourite
 * or a pushed one (its summary). A click opens the reader.
 */
import { PaperClipOutlined, StarFilled } from "@ant-design/icons";
import { Space, Tag, theme, Tooltip, Typography } from "antd";
import type { ReactNode } from "react";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../i18n/format";
import { Highlighted } from "./html";
import type { KnowledgeArticleSummary, KnowledgeSearchHit } from "./knowledge.graphql";

/** The row opens the article on a click anywhere; its title is the button keyboards reach
 * (its click bubbles up to the row). */
function ItemFrame({ testId, articleId, onOpen, children }: { testId: string; articleId: string; onOpen: () => void; children: ReactNode }) {
  const { token } = theme.useToken();
  return (
    <div
      role="listitem"
      data-testid={testId}
      data-article-id={articleId}
      onClick={onOpen}
      style={{ padding: `${token.paddingSM}px 0`, borderBottom: `1px solid ${token.colorBorderSecondary}`, minWidth: 0, cursor: "pointer" }}
    >
      {children}
    </div>
  );
}

function TitleButton({ children, testId }: { children: ReactNode; testId?: string }) {
  const { token } = theme.useToken();
  return (
    <button
      type="button"
      data-testid={testId ?? "knowledge-open"}
      style={{
        all: "unset",
        cursor: "pointer",
        color: token.colorLink,
        fontSize: token.fontSizeLG,
        fontWeight: token.fontWeightStrong,
        overflowWrap: "anywhere",
      }}
    >
      {children}
    </button>
  );
}

function Meta({ article, extra }: { article: KnowledgeArticleSummary; extra?: ReactNode }) {
  const { t, locale } = useI18n();
  const { token } = theme.useToken();
  return (
    <Space size={[8, 4]} wrap style={{ marginTop: token.marginXXS }}>
      <Typography.Text type="secondary" data-testid="knowledge-item-path">
        {article.categoryPath.length > 0 ? article.categoryPath.join(" / ") : t("knowledge.uncategorised")}
      </Typography.Text>
      {article.keywords.map((keyword) => (
        <Tag key={keyword} bordered={false} style={{ marginInlineEnd: 0 }}>
          {keyword}
        </Tag>
      ))}
      <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
        {t("knowledge.updatedBy", { name: article.updatedByName || "—", time: formatDateTime(article.updatedAt, locale) })}
      </Typography.Text>
      {extra}
    </Space>
  );
}

function TitleMarks({ article }: { article: KnowledgeArticleSummary }) {
  const { t } = useI18n();
  const { token } = theme.useToken();
  return (
    <>
      {article.published ? null : (
        <Tag color="orange" style={{ marginInlineStart: token.marginXS }} data-testid="knowledge-draft-tag">
          {t("knowledge.draft")}
        </Tag>
      )}
      {article.favourite ? (
        <StarFilled style={{ color: token.colorWarning, marginInlineStart: token.marginXS }} aria-label={t("knowledge.favourites.is")} />
      ) : null}
    </>
  );
}

export function SearchHitItem({ hit, onOpen }: { hit: KnowledgeSearchHit; onOpen: () => void }) {
  const { t } = useI18n();
  const { token } = theme.useToken();
  return (
    <ItemFrame testId="knowledge-hit" articleId={hit.article.id} onOpen={onOpen}>
      <TitleButton>
        <Highlighted html={hit.titleHtml} testId="knowledge-hit-title" />
      </TitleButton>
      <TitleMarks article={hit.article} />
      {hit.matchedInAttachment ? (
        <Tooltip title={t("knowledge.search.inAttachment")}>
          <PaperClipOutlined style={{ marginInlineStart: token.marginXS }} aria-label={t("knowledge.search.inAttachment")} data-testid="knowledge-hit-attachment" />
        </Tooltip>
      ) : null}
      <div style={{ marginTop: token.marginXXS }}>
        <Typography.Text>
          <Highlighted html={hit.snippetHtml} testId="knowledge-hit-snippet" />
        </Typography.Text>
      </div>
      <Meta article={hit.article} />
    </ItemFrame>
  );
}

export function ArticleItem({ article, onOpen, testId = "knowledge-article-item", extra }: { article: KnowledgeArticleSummary; onOpen: () => void; testId?: string; extra?: ReactNode }) {
  const { t } = useI18n();
  const { token } = theme.useToken();
  return (
    <ItemFrame testId={testId} articleId={article.id} onOpen={onOpen}>
      <TitleButton>
        <span data-testid="knowledge-item-title">{article.title}</span>
      </TitleButton>
      <TitleMarks article={article} />
      {article.attachments.length > 0 ? (
        <Tooltip title={t("knowledge.attachments.count", { count: article.attachments.length })}>
          <PaperClipOutlined style={{ marginInlineStart: token.marginXS }} aria-label={t("knowledge.attachments.count", { count: article.attachments.length })} />
        </Tooltip>
      ) : null}
      {article.summary ? (
        <Typography.Paragraph type="secondary" ellipsis={{ rows: 2 }} style={{ margin: `${token.marginXXS}px 0 0` }}>
          {article.summary}
        </Typography.Paragraph>
      ) : null}
      <Meta article={article} extra={extra} />
    </ItemFrame>
  );
}
