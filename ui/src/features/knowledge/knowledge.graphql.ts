/** The knowledge base (issue 8, docs/knowledge.md): categories, articles, search, templates,
 * favourites, articles pushed to agents and the searches that found nothing. */

export type KnowledgeAttachmentKind = "DOCUMENT" | "AUDIO" | "FILE";

export interface KnowledgeCategory {
  id: string;
  parentId: string | null;
  name: string;
  sortOrder: number;
  /** Published articles directly in this category. */
  articleCount: number;
}

export interface KnowledgeCategoryInput {
  id: string;
  parentId: string | null;
  name: string;
  sortOrder: number;
}

export interface KnowledgeAttachment {
  blobId: string;
  name: string;
  contentType: string;
  size: number;
  kind: KnowledgeAttachmentKind;
  /** GET it with the session cookie. */
  url: string;
  /** Characters of text extracted for search (0 for audio and plain files). */
  textChars: number;
}

export interface KnowledgeQuizQuestion {
  id: string;
  text: string;
  options: string[];
  /** Indexes into options. */
  correctOptions: number[];
  explanation: string;
}

/** An article as lists show it: no body, attachments by kind only. */
export interface KnowledgeArticleSummary {
  id: string;
  categoryId: string | null;
  categoryPath: string[];
  title: string;
  keywords: string[];
  summary: string;
  attachments: Pick<KnowledgeAttachment, "blobId" | "kind">[];
  published: boolean;
  revision: number;
  updatedAt: string;
  updatedByName: string;
  favourite: boolean;
}

/** An article as the reader and the editor show it. */
export interface KnowledgeArticle extends Omit<KnowledgeArticleSummary, "attachments"> {
  bodyHtml: string;
  attachments: KnowledgeAttachment[];
  quiz: KnowledgeQuizQuestion[];
  createdAt: string;
}

export interface KnowledgeSearchHit {
  article: KnowledgeArticleSummary;
  score: number;
  /** Escaped by the server, with <mark> around matches. */
  titleHtml: string;
  /** Escaped by the server, with <mark> around matches. */
  snippetHtml: string;
  matchedInAttachment: boolean;
}

export interface KnowledgeTemplate {
  id: string;
  name: string;
  bodyHtml: string;
  updatedAt: string;
}

export interface KnowledgePush {
  article: KnowledgeArticleSummary;
  note: string;
  pushedByName: string;
  pushedAt: string;
  read: boolean;
}

export interface KnowledgeGap {
  /** Normalised: trimmed, lower case, single spaces. */
  query: string;
  misses: number;
  users: number;
  firstMissedAt: string;
  lastMissedAt: string;
}

export const KNOWLEDGE_CATEGORIES_QUERY = /* GraphQL */ `
  query KnowledgeCategories {
    knowledgeCategories { id parentId name sortOrder articleCount }
  }
`;

export interface KnowledgeCategoriesData {
  knowledgeCategories: KnowledgeCategory[];
}

export const KNOWLEDGE_ARTICLES_QUERY = /* GraphQL */ `
  query KnowledgeArticles($categoryId: UUID, $includeDrafts: Boolean!, $first: Int!, $offset: Int!) {
    knowledgeArticles(categoryId: $categoryId, includeDrafts: $includeDrafts, first: $first, offset: $offset) {
      items {
        id categoryId categoryPath title keywords summary attachments { blobId kind }
        published revision updatedAt updatedByName favourite
      }
      total
    }
  }
`;

export interface KnowledgeArticlesVariables {
  categoryId: string | null;
  includeDrafts: boolean;
  first: number;
  offset: number;
}

export interface KnowledgeArticlesData {
  knowledgeArticles: { items: KnowledgeArticleSummary[]; total: number };
}

export const KNOWLEDGE_ARTICLE_QUERY = /* GraphQL */ `
  query KnowledgeArticle($id: UUID!) {
    knowledgeArticle(id: $id) {
      id categoryId categoryPath title keywords summary bodyHtml
      attachments { blobId name contentType size kind url textChars }
      quiz { id text options correctOptions explanation }
      published revision createdAt updatedAt updatedByName favourite
    }
  }
`;

export interface KnowledgeArticleData {
  knowledgeArticle: KnowledgeArticle | null;
}

export const SEARCH_KNOWLEDGE_QUERY = /* GraphQL */ `
  query SearchKnowledge($query: String!, $categoryId: UUID, $includeDrafts: Boolean!, $first: Int!, $offset: Int!) {
    searchKnowledge(query: $query, categoryId: $categoryId, includeDrafts: $includeDrafts, first: $first, offset: $offset) {
      total
      hits {
        article {
          id categoryId categoryPath title keywords summary attachments { blobId kind }
          published revision updatedAt updatedByName favourite
        }
        score titleHtml snippetHtml matchedInAttachment
      }
    }
  }
`;

export interface SearchKnowledgeVariables {
  query: string;
  categoryId: string | null;
  includeDrafts: boolean;
  first: number;
  offset: number;
}

export interface SearchKnowledgeData {
  searchKnowledge: { total: number; hits: KnowledgeSearchHit[] };
}

export const KNOWLEDGE_TEMPLATES_QUERY = /* GraphQL */ `
  query KnowledgeTemplates {
    knowledgeTemplates { id name bodyHtml updatedAt }
  }
`;

export interface KnowledgeTemplatesData {
  knowledgeTemplates: KnowledgeTemplate[];
}

export const KNOWLEDGE_FAVOURITES_QUERY = /* GraphQL */ `
  query KnowledgeFavourites {
    knowledgeFavourites {
      id categoryId categoryPath title keywords summary attachments { blobId kind }
      published revision updatedAt updatedByName favourite
    }
  }
`;

export interface KnowledgeFavouritesData {
  knowledgeFavourites: KnowledgeArticleSummary[];
}

export const KNOWLEDGE_INBOX_QUERY = /* GraphQL */ `
  query KnowledgeInbox {
    knowledgeInbox {
      article {
        id categoryId categoryPath title keywords summary attachments { blobId kind }
        published revision updatedAt updatedByName favourite
      }
      note pushedByName pushedAt read
    }
  }
`;

export interface KnowledgeInboxData {
  knowledgeInbox: KnowledgePush[];
}

export const KNOWLEDGE_GAPS_QUERY = /* GraphQL */ `
  query KnowledgeGaps($first: Int!) {
    knowledgeGaps(first: $first) { query misses users firstMissedAt lastMissedAt }
  }
`;

export interface KnowledgeGapsData {
  knowledgeGaps: KnowledgeGap[];
}

/** The people an article can be pushed to: the tenant's users, from the address book. */
export const KNOWLEDGE_PUSH_TARGETS_QUERY = /* GraphQL */ `
  query KnowledgePushTargets($first: Int!) {
    addressBook(kind: "internal", first: $first) { kind id name department }
  }
`;

export interface KnowledgePushTarget {
  kind: string;
  id: string;
  name: string;
  department: string | null;
}

export interface KnowledgePushTargetsData {
  addressBook: KnowledgePushTarget[];
}

export const DEFINE_KNOWLEDGE_CATEGORIES_MUTATION = /* GraphQL */ `
  mutation DefineKnowledgeCategories($commandId: UUID!, $categories: [KnowledgeCategoryInput!]!) {
    defineKnowledgeCategories(commandId: $commandId, categories: $categories) { id parentId name sortOrder articleCount }
  }
`;

export interface DefineKnowledgeCategoriesVariables {
  commandId: string;
  categories: KnowledgeCategoryInput[];
}

export interface DefineKnowledgeCategoriesData {
  defineKnowledgeCategories: KnowledgeCategory[];
}

export interface KnowledgeQuizQuestionInput {
  id: string;
  text: string;
  options: string[];
  correctOptions: number[];
  explanation: string;
}

export interface KnowledgeArticleInput {
  /** Absent for a new article. */
  id?: string;
  /** The revision the editor started from; with `id` only. */
  expectedRevision?: number;
  categoryId: string | null;
  title: string;
  keywords: string[];
  summary: string;
  bodyHtml: string;
  attachmentIds: string[];
  quiz: KnowledgeQuizQuestionInput[];
  published: boolean;
}

export const SAVE_KNOWLEDGE_ARTICLE_MUTATION = /* GraphQL */ `
  mutation SaveKnowledgeArticle($commandId: UUID!, $input: KnowledgeArticleInput!) {
    saveKnowledgeArticle(commandId: $commandId, input: $input) {
      id categoryId categoryPath title keywords summary bodyHtml
      attachments { blobId name contentType size kind url textChars }
      quiz { id text options correctOptions explanation }
      published revision createdAt updatedAt updatedByName favourite
    }
  }
`;

export interface SaveKnowledgeArticleVariables {
  commandId: string;
  input: KnowledgeArticleInput;
}

export interface SaveKnowledgeArticleData {
  saveKnowledgeArticle: KnowledgeArticle;
}

export const DELETE_KNOWLEDGE_ARTICLE_MUTATION = /* GraphQL */ `
  mutation DeleteKnowledgeArticle($commandId: UUID!, $id: UUID!) {
    deleteKnowledgeArticle(commandId: $commandId, id: $id)
  }
`;

export interface DeleteKnowledgeArticleVariables {
  commandId: string;
  id: string;
}

export const SET_KNOWLEDGE_FAVOURITE_MUTATION = /* GraphQL */ `
  mutation SetKnowledgeFavourite($commandId: UUID!, $articleId: UUID!, $favourite: Boolean!) {
    setKnowledgeFavourite(commandId: $commandId, articleId: $articleId, favourite: $favourite)
  }
`;

export interface SetKnowledgeFavouriteVariables {
  commandId: string;
  articleId: string;
  favourite: boolean;
}

export const PUSH_KNOWLEDGE_ARTICLE_MUTATION = /* GraphQL */ `
  mutation PushKnowledgeArticle($commandId: UUID!, $articleId: UUID!, $userIds: [UUID!]!, $note: String!) {
    pushKnowledgeArticle(commandId: $commandId, articleId: $articleId, userIds: $userIds, note: $note)
  }
`;

export interface PushKnowledgeArticleVariables {
  commandId: string;
  articleId: string;
  userIds: string[];
  note: string;
}

export interface PushKnowledgeArticleData {
  pushKnowledgeArticle: number;
}

export const MARK_KNOWLEDGE_PUSH_READ_MUTATION = /* GraphQL */ `
  mutation MarkKnowledgePushRead($commandId: UUID!, $articleId: UUID!) {
    markKnowledgePushRead(commandId: $commandId, articleId: $articleId)
  }
`;

export interface MarkKnowledgePushReadVariables {
  commandId: string;
  articleId: string;
}

export const SAVE_KNOWLEDGE_TEMPLATE_MUTATION = /* GraphQL */ `
  mutation SaveKnowledgeTemplate($commandId: UUID!, $input: KnowledgeTemplateInput!) {
    saveKnowledgeTemplate(commandId: $commandId, input: $input) { id name bodyHtml updatedAt }
  }
`;

export interface SaveKnowledgeTemplateVariables {
  commandId: string;
  input: { id?: string; name: string; bodyHtml: string };
}

export interface SaveKnowledgeTemplateData {
  saveKnowledgeTemplate: KnowledgeTemplate;
}

export const DELETE_KNOWLEDGE_TEMPLATE_MUTATION = /* GraphQL */ `
  mutation DeleteKnowledgeTemplate($commandId: UUID!, $id: UUID!) {
    deleteKnowledgeTemplate(commandId: $commandId, id: $id)
  }
`;

export interface DeleteKnowledgeTemplateVariables {
  commandId: string;
  id: string;
}

export const RESOLVE_KNOWLEDGE_GAP_MUTATION = /* GraphQL */ `
  mutation ResolveKnowledgeGap($commandId: UUID!, $query: String!, $articleId: UUID) {
    resolveKnowledgeGap(commandId: $commandId, query: $query, articleId: $articleId)
  }
`;

export interface ResolveKnowledgeGapVariables {
  commandId: string;
  query: string;
  articleId: string | null;
}
