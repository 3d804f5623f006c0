/**
 * The knowledge base (SP11): a category tree beside a search box and the articles. A search
 * runs when the user presses Enter or the button, never on each key (the server notes every
 * search that finds nothing as knowledge to add); without one, the selected category's
 * articles show, newest first. Tabs hold the user's favourites and the articles pushed to
 * them, and for writers (knowledge.edit) the templates and the knowledge to add.
 */
import { PlusOutlined, ReloadOutlined, SearchOutlined } from "@ant-design/icons";
import { Alert, App, Badge, Button, Card, Checkbox, Col, Collapse, Empty, Grid, Input, Pagination, Row, Segmented, Space, Spin, Typography } from "antd";
import { type ReactNode, useEffect, useMemo, useState } from "react";
import { newCommandId } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useMutation, useQuery } from "../../api/hooks";
import { useT } from "../../i18n";
import { usePermission } from "../customers/access";
import { type ArticleEditing, ArticleEditor } from "./ArticleEditor";
import { ArticleItem, SearchHitItem } from "./ArticleItems";
import { ArticleReader } from "./ArticleReader";
import { FavouritesTab, InboxTab } from "./ArticleTabs";
import { categoryPath } from "./categories";
import { CategoryTree } from "./CategoryTree";
import { GapsTab } from "./GapsTab";
import { KnowledgeHtmlStyle } from "./html";
import {
  type KnowledgeArticle,
  KNOWLEDGE_ARTICLES_QUERY,
  KNOWLEDGE_CATEGORIES_QUERY,
  KNOWLEDGE_INBOX_QUERY,
  type KnowledgeArticlesData,
  type KnowledgeArticlesVariables,
  type KnowledgeCategoriesData,
  type KnowledgeCategory,
  type KnowledgeInboxData,
  type KnowledgePush,
  MARK_KNOWLEDGE_PUSH_READ_MUTATION,
  type MarkKnowledgePushReadVariables,
  RESOLVE_KNOWLEDGE_GAP_MUTATION,
  type ResolveKnowledgeGapVariables,
  SEARCH_KNOWLEDGE_QUERY,
  type SearchKnowledgeData,
  type SearchKnowledgeVariables,
} from "./knowledge.graphql";
import { isInvalidQuery } from "./labels";
import { TemplatesTab } from "./TemplatesTab";

type TabKey = "browse" | "favourites" | "inbox" | "templates" | "gaps";

const PAGE_SIZES = ["10", "20", "50"];

interface PageEditing extends ArticleEditing {
  /** The knowledge-to-add query this new article answers. */
  gapQuery?: string;
}

export function KnowledgePage() {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const can = usePermission();
  const canEdit = can("knowledge.edit");
  const screens = Grid.useBreakpoint();
  const narrow = screens.xs === true || (screens.sm === true && screens.md !== true);

  const [tab, setTab] = useState<TabKey>("browse");
  const categoriesQuery = useQuery<KnowledgeCategoriesData>(KNOWLEDGE_CATEGORIES_QUERY);
  const [categories, setCategories] = useState<KnowledgeCategory[]>([]);
  useEffect(() => {
    if (categoriesQuery.data) setCategories(categoriesQuery.data.knowledgeCategories);
  }, [categoriesQuery.data]);
  const [categoryId, setCategoryId] = useState<string | null>(null);

  const [typed, setTyped] = useState("");
  /** The search as last sent; null shows the category's articles. */
  const [search, setSearch] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [includeDrafts, setIncludeDrafts] = useState(canEdit);

  const searchVariables: SearchKnowledgeVariables = {
    query: search ?? "",
    categoryId,
    includeDrafts: canEdit && includeDrafts,
    first: pageSize,
    offset: (page - 1) * pageSize,
  };
  const searchResult = useQuery<SearchKnowledgeData>(SEARCH_KNOWLEDGE_QUERY, searchVariables as unknown as Record<string, unknown>, { skip: search === null });
  const articleVariables: KnowledgeArticlesVariables = {
    categoryId,
    includeDrafts: canEdit && includeDrafts,
    first: pageSize,
    offset: (page - 1) * pageSize,
  };
  const articles = useQuery<KnowledgeArticlesData>(KNOWLEDGE_ARTICLES_QUERY, articleVariables as unknown as Record<string, unknown>, { skip: search !== null });
  const inbox = useQuery<KnowledgeInboxData>(KNOWLEDGE_INBOX_QUERY);
  const pushes = inbox.data?.knowledgeInbox ?? [];
  const unread = pushes.filter((push) => !push.read).length;
  const markRead = useMutation<unknown, MarkKnowledgePushReadVariables>(MARK_KNOWLEDGE_PUSH_READ_MUTATION);
  const resolveGap = useMutation<unknown, ResolveKnowledgeGapVariables>(RESOLVE_KNOWLEDGE_GAP_MUTATION);

  const [readingId, setReadingId] = useState<string | null>(null);
  const [editing, setEditing] = useState<PageEditing | null>(null);
  /** Bumped when favourites or gaps changed, so their tabs load again. */
  const [favouritesVersion, setFavouritesVersion] = useState(0);
  const [gapsVersion, setGapsVersion] = useState(0);

  const runSearch = () => {
    const text = typed.trim();
    if (!text) {
      setSearch(null);
      setPage(1);
      return;
    }
    if (text === search && page === 1) void searchResult.refetch();
    setSearch(text);
    setPage(1);
  };

  const selectCategory = (id: string | null) => {
    setCategoryId(id);
    setPage(1);
  };

  const refreshArticles = () => {
    if (search === null) void articles.refetch();
    else void searchResult.refetch();
  };

  const refreshLists = () => {
    refreshArticles();
    void categoriesQuery.refetch();
    void inbox.refetch();
    setFavouritesVersion((version) => version + 1);
  };

  const openPush = async (push: KnowledgePush) => {
    setReadingId(push.article.id);
    if (push.read) return;
    try {
      await markRead.mutate({ commandId: newCommandId(), articleId: push.article.id });
      void inbox.refetch();
    } catch (caught) {
      void message.error(errorText(caught));
    }
  };

  const afterSave = async (article: KnowledgeArticle) => {
    const gapQuery = editing?.gapQuery;
    if (gapQuery) {
      try {
        await resolveGap.mutate({ commandId: newCommandId(), query: gapQuery, articleId: article.id });
        void message.success(t("knowledge.gaps.resolved", { query: gapQuery }));
      } catch (caught) {
        void message.error(errorText(caught));
      }
      setGapsVersion((version) => version + 1);
    }
    refreshLists();
    setReadingId(article.id);
  };

  const selectedName = categoryId ? categoryPath(categories, categoryId).join(" / ") : t("knowledge.allCategories");
  const searchError = isInvalidQuery(searchResult.error) ? searchResult.error : undefined;
  const listError = search === null ? articles.error : searchError ? undefined : searchResult.error;
  const total = search === null ? (articles.data?.knowledgeArticles.total ?? 0) : (searchResult.data?.searchKnowledge.total ?? 0);
  const loadingList = search === null ? articles.loading : searchResult.loading;

  const tree = (
    <CategoryTree
      categories={categories}
      loading={categoriesQuery.loading}
      selectedId={categoryId}
      onSelect={selectCategory}
      canEdit={canEdit}
      onChanged={(next) => {
        // The server's answer is the tree as it is now, with its article counts.
        setCategories(next);
        refreshArticles();
      }}
    />
  );

  const results = useMemo(() => {
    if (search !== null) {
      const hits = searchResult.data?.searchKnowledge.hits ?? [];
      if (!searchResult.loading && !searchResult.error && searchResult.data && hits.length === 0) {
        return (
          <Empty
            data-testid="knowledge-no-hits"
            description={
              <Space orientation="vertical" size={0}>
                <span>{t("knowledge.search.noHits", { query: search })}</span>
                <Typography.Text type="secondary">{t("knowledge.search.noHitsHint")}</Typography.Text>
              </Space>
            }
          />
        );
      }
      return hits.map((hit) => <SearchHitItem key={hit.article.id} hit={hit} onOpen={() => setReadingId(hit.article.id)} />);
    }
    const items = articles.data?.knowledgeArticles.items ?? [];
    if (!articles.loading && !articles.error && articles.data && items.length === 0) {
      return <Empty data-testid="knowledge-no-articles" description={t("knowledge.noArticles")} />;
    }
    return items.map((article) => <ArticleItem key={article.id} article={article} onOpen={() => setReadingId(article.id)} />);
  }, [search, searchResult.data, searchResult.loading, searchResult.error, articles.data, articles.loading, articles.error, t]);

  const browse = (
    <Row gutter={[16, 16]}>
      <Col xs={24} md={8} lg={6}>
        {narrow ? (
          <Collapse
            size="small"
            items={[{ key: "categories", label: `${t("knowledge.categories.title")}: ${selectedName}`, children: tree, forceRender: true }]}
          />
        ) : (
          <Card size="small" title={t("knowledge.categories.title")}>
            {tree}
          </Card>
        )}
      </Col>
      <Col xs={24} md={16} lg={18}>
        <Space orientation="vertical" size="small" style={{ width: "100%" }}>
          <div>
            <Space.Compact style={{ width: "100%", maxWidth: 640 }}>
              <Input
                allowClear
                prefix={<SearchOutlined />}
                status={searchError ? "error" : undefined}
                aria-label={t("knowledge.search.label")}
                aria-invalid={searchError ? true : undefined}
                placeholder={t("knowledge.search.placeholder")}
                data-testid="knowledge-search"
                value={typed}
                onChange={(event) => {
                  setTyped(event.target.value);
                  if (!event.target.value && search !== null) {
                    setSearch(null);
                    setPage(1);
                  }
                }}
                onPressEnter={runSearch}
              />
              <Button type="primary" icon={<SearchOutlined />} onClick={runSearch} data-testid="knowledge-search-button">
                {t("knowledge.search.button")}
              </Button>
            </Space.Compact>
            {searchError ? (
              <Typography.Text type="danger" role="alert" data-testid="knowledge-search-error" style={{ display: "block", marginTop: 4 }}>
                {searchError.serverMessage || errorText(searchError)}
              </Typography.Text>
            ) : null}
          </div>
          <Space wrap style={{ width: "100%", justifyContent: "space-between" }}>
            <Typography.Text type="secondary" data-testid="knowledge-list-caption">
              {search !== null
                ? t("knowledge.search.results", { total, query: search, category: selectedName })
                : t("knowledge.articlesIn", { total, category: selectedName })}
            </Typography.Text>
            {canEdit ? (
              <Checkbox checked={includeDrafts} onChange={(event) => setIncludeDrafts(event.target.checked)} data-testid="knowledge-include-drafts">
                {t("knowledge.includeDrafts")}
              </Checkbox>
            ) : null}
          </Space>
          {listError ? <Alert type="error" showIcon title={errorText(listError)} /> : null}
          <Spin spinning={loadingList}>
            <div role="list" data-testid={search !== null ? "knowledge-hits" : "knowledge-articles"} style={{ minHeight: 48 }}>
              {results}
            </div>
          </Spin>
          {total > pageSize ? (
            <Pagination
              current={page}
              pageSize={pageSize}
              total={total}
              showSizeChanger
              pageSizeOptions={PAGE_SIZES}
              onChange={(nextPage, nextSize) => {
                if (nextSize !== pageSize) {
                  setPageSize(nextSize);
                  setPage(1);
                } else {
                  setPage(nextPage);
                }
              }}
            />
          ) : null}
        </Space>
      </Col>
    </Row>
  );

  // A switcher above the section (not antd Tabs: no tab panel inside the shell's tab panel);
  // the browsing state lives here, so it is kept across switches.
  const sections: { value: TabKey; label: ReactNode }[] = [
    { value: "browse", label: <span data-testid="knowledge-tab-browse">{t("knowledge.tabs.browse")}</span> },
    { value: "favourites", label: <span data-testid="knowledge-tab-favourites">{t("knowledge.tabs.favourites")}</span> },
    {
      value: "inbox",
      label: (
        <Badge count={unread} size="small" offset={[6, -4]}>
          <span data-testid="knowledge-tab-inbox" data-unread={unread}>
            {t("knowledge.tabs.inbox")}
          </span>
        </Badge>
      ),
    },
  ];
  if (canEdit) {
    sections.push(
      { value: "templates", label: <span data-testid="knowledge-tab-templates">{t("knowledge.tabs.templates")}</span> },
      { value: "gaps", label: <span data-testid="knowledge-tab-gaps">{t("knowledge.tabs.gaps")}</span> },
    );
  }

  const section = (() => {
    switch (tab) {
      case "favourites":
        return <FavouritesTab onOpen={setReadingId} reloadKey={favouritesVersion} />;
      case "inbox":
        return <InboxTab pushes={pushes} loading={inbox.loading} error={inbox.error} onOpen={(push) => void openPush(push)} />;
      case "templates":
        return canEdit ? <TemplatesTab /> : null;
      case "gaps":
        return canEdit ? (
          <GapsTab
            reloadKey={gapsVersion}
            onWrite={(gap) => setEditing({ article: null, prefill: { title: gap.query, keywords: [gap.query] }, gapQuery: gap.query })}
          />
        ) : null;
      default:
        return browse;
    }
  })();

  return (
    <Card
      title={t("menu.knowledge")}
      data-testid="knowledge-page"
      extra={
        <Space wrap>
          <Button icon={<ReloadOutlined />} onClick={refreshLists} aria-label={t("common.refresh")} />
          {canEdit ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({ article: null, prefill: { categoryId } })} data-testid="knowledge-new">
              {t("knowledge.new")}
            </Button>
          ) : null}
        </Space>
      }
    >
      <KnowledgeHtmlStyle />
      {categoriesQuery.error ? <Alert type="error" showIcon title={errorText(categoriesQuery.error)} style={{ marginBottom: 12 }} /> : null}
      <div style={{ overflowX: "auto", paddingTop: 4, marginBottom: 16 }}>
        <Segmented<TabKey> value={tab} onChange={setTab} options={sections} data-testid="knowledge-sections" />
      </div>
      {section}
      <ArticleReader
        articleId={readingId}
        onClose={() => setReadingId(null)}
        onChanged={refreshLists}
        onEdit={
          canEdit
            ? (article) => {
                setReadingId(null);
                setEditing({ article });
              }
            : undefined
        }
      />
      {canEdit ? (
        <ArticleEditor
          editing={editing}
          categories={categories}
          onClose={() => setEditing(null)}
          onSaved={(article) => void afterSave(article)}
          onDeleted={(articleId) => {
            if (readingId === articleId) setReadingId(null);
            refreshLists();
          }}
        />
      ) : null}
    </Card>
  );
}
