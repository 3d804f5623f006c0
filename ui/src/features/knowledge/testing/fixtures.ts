/** Test data: a category tree, articles, a search hit and the fake server's usual answers. */
import type { Answer } from "../../../test/fakeServer";
import type {
  KnowledgeArticle,
  KnowledgeArticleSummary,
  KnowledgeCategory,
  KnowledgeGap,
  KnowledgePush,
  KnowledgeSearchHit,
  KnowledgeTemplate,
} from "../knowledge.graphql";

export const WRITER = ["menu.knowledge", "knowledge.edit", "knowledge.push"];
export const AGENT = ["menu.knowledge"];

export const CATEGORIES: KnowledgeCategory[] = [
  { id: "cat-billing", parentId: null, name: "Billing", sortOrder: 0, articleCount: 1 },
  { id: "cat-refunds", parentId: "cat-billing", name: "Refunds", sortOrder: 0, articleCount: 2 },
  { id: "cat-delivery", parentId: null, name: "Delivery", sortOrder: 1, articleCount: 0 },
];

export function article(id: string, extra: Partial<KnowledgeArticle> = {}): KnowledgeArticle {
  return {
    id,
    categoryId: "cat-refunds",
    categoryPath: ["Billing", "Refunds"],
    title: "退款流程 Refund steps",
    keywords: ["退款", "refund"],
    summary: "Refunds go back to the original card within 7 days.",
    bodyHtml: "<p>Check the order, then <strong>refund</strong> it.</p>",
    attachments: [],
    quiz: [],
    published: true,
    revision: 3,
    createdAt: "2026-11-01T08:00:00Z",
    updatedAt: "2026-11-20T09:30:00Z",
    updatedByName: "Demo supervisor",
    favourite: false,
    ...extra,
  };
}

export function summaryOf(full: KnowledgeArticle): KnowledgeArticleSummary {
  return {
    id: full.id,
    categoryId: full.categoryId,
    categoryPath: full.categoryPath,
    title: full.title,
    keywords: full.keywords,
    summary: full.summary,
    attachments: full.attachments.map((attachment) => ({ blobId: attachment.blobId, kind: attachment.kind })),
    published: full.published,
    revision: full.revision,
    updatedAt: full.updatedAt,
    updatedByName: full.updatedByName,
    favourite: full.favourite,
  };
}

export const REFUND = article("art-refund");

export const HIT: KnowledgeSearchHit = {
  article: summaryOf(REFUND),
  score: 3.2,
  titleHtml: "<mark>退款</mark>流程 Refund steps",
  snippetHtml: "…before the <mark>退款</mark> is made, check &lt;the order&gt;…",
  matchedInAttachment: true,
};

export const TEMPLATES: KnowledgeTemplate[] = [
  { id: "tpl-1", name: "Problem and steps", bodyHtml: "<h2>Problem</h2><p>Describe it.</p><h2>Steps</h2><ol><li><p>First</p></li></ol>", updatedAt: "2026-11-02T08:00:00Z" },
];

export const GAPS: KnowledgeGap[] = [
  { query: "parcel lost abroad", misses: 7, users: 3, firstMissedAt: "2026-11-10T08:00:00Z", lastMissedAt: "2026-11-25T10:00:00Z" },
];

export const PUSHES: KnowledgePush[] = [
  { article: summaryOf(REFUND), note: "New refund rules from Monday", pushedByName: "Demo supervisor", pushedAt: "2026-11-25T11:00:00Z", read: false },
];

/** A GraphQL error with `extensions` beyond the code (fields, say). */
export function failure(code: string, message: string, extensions: Record<string, unknown> = {}): Answer {
  return { errors: [{ message, extensions: { code, ...extensions } as { code: string } }] };
}

/** What the page asks for on opening, answered with the data above. */
export function pageAnswers(extra: Record<string, Answer | ((variables: Record<string, unknown>) => Answer)> = {}) {
  return {
    KnowledgeCategories: { data: { knowledgeCategories: CATEGORIES } },
    KnowledgeArticles: { data: { knowledgeArticles: { items: [summaryOf(REFUND)], total: 1 } } },
    KnowledgeInbox: { data: { knowledgeInbox: PUSHES } },
    KnowledgeArticle: { data: { knowledgeArticle: REFUND } },
    KnowledgeTemplates: { data: { knowledgeTemplates: TEMPLATES } },
    KnowledgeGaps: { data: { knowledgeGaps: GAPS } },
    KnowledgeFavourites: { data: { knowledgeFavourites: [] } },
    ...extra,
  };
}
