/**
 * The article editor's form values and the `KnowledgeArticleInput` they become. A quiz
 * question's options are edited as `{ text, correct }` rows and sent as `options` plus the
 * indexes of the correct ones.
 */
import { newCommandId } from "../../api/client";
import type { KnowledgeArticle, KnowledgeArticleInput, KnowledgeAttachment } from "./knowledge.graphql";

export interface QuizOptionValues {
  text: string;
  correct: boolean;
}

export interface QuizQuestionValues {
  id: string;
  text: string;
  options: QuizOptionValues[];
  explanation?: string;
}

export interface ArticleFormValues {
  categoryId?: string | null;
  title: string;
  keywords: string[];
  summary?: string;
  bodyHtml?: string;
  attachments: KnowledgeAttachment[];
  quiz: QuizQuestionValues[];
  published: boolean;
}

/** What a new article starts with (a gap's query as title and keyword, say). */
export interface ArticlePrefill {
  title?: string;
  keywords?: string[];
  categoryId?: string | null;
}

/** The form's field names the server's `extensions.fields` may name. */
export const ARTICLE_FORM_FIELDS = ["categoryId", "title", "keywords", "summary", "bodyHtml", "attachments", "quiz", "published"] as const;

/** Server field names that are a form field by another name. */
export const ARTICLE_FIELD_ALIASES: Readonly<Record<string, string>> = {
  body: "bodyHtml",
  attachmentIds: "attachments",
  category: "categoryId",
};

/**
 * Where in the form a server's field name points: `title` → title, `quiz.2.text` → that
 * question's text, `quiz.2.correctOptions` → its options; null for a field the form lacks.
 */
export function articleFormPath(serverField: string): (string | number)[] | null {
  const parts = serverField.split(".");
  const head = parts[0] ?? "";
  const named = ARTICLE_FIELD_ALIASES[head] ?? head;
  if (!(ARTICLE_FORM_FIELDS as readonly string[]).includes(named)) return null;
  if (named !== "quiz" || parts.length < 2) return [named];
  const index = Number(parts[1]);
  if (!Number.isInteger(index) || index < 0) return ["quiz"];
  const leaf = parts[2];
  if (leaf === "text" || leaf === "explanation") return ["quiz", index, leaf];
  if (leaf === "options" || leaf === "correctOptions") return ["quiz", index, "options"];
  return ["quiz"];
}

export function newQuestion(): QuizQuestionValues {
  return { id: newCommandId(), text: "", options: [{ text: "", correct: true }, { text: "", correct: false }], explanation: "" };
}

export function articleFormValues(article: KnowledgeArticle | null, prefill: ArticlePrefill = {}): ArticleFormValues {
  if (!article) {
    return {
      categoryId: prefill.categoryId ?? null,
      title: prefill.title ?? "",
      keywords: prefill.keywords ?? [],
      summary: "",
      bodyHtml: "",
      attachments: [],
      quiz: [],
      published: true,
    };
  }
  return {
    categoryId: article.categoryId,
    title: article.title,
    keywords: [...article.keywords],
    summary: article.summary,
    bodyHtml: article.bodyHtml,
    attachments: [...article.attachments],
    quiz: article.quiz.map((question) => ({
      id: question.id,
      text: question.text,
      options: question.options.map((text, index) => ({ text, correct: question.correctOptions.includes(index) })),
      explanation: question.explanation,
    })),
    published: article.published,
  };
}

/** The input to save; `article` is the one being edited (null for a new one). */
export function articleInput(values: ArticleFormValues, article: Pick<KnowledgeArticle, "id" | "revision"> | null): KnowledgeArticleInput {
  const keywords: string[] = [];
  for (const keyword of values.keywords ?? []) {
    const trimmed = keyword.trim();
    if (trimmed && !keywords.includes(trimmed)) keywords.push(trimmed);
  }
  const input: KnowledgeArticleInput = {
    categoryId: values.categoryId ?? null,
    title: values.title.trim(),
    keywords,
    summary: (values.summary ?? "").trim(),
    bodyHtml: values.bodyHtml ?? "",
    attachmentIds: (values.attachments ?? []).map((attachment) => attachment.blobId),
    quiz: (values.quiz ?? []).map((question) => {
      const options = question.options ?? [];
      return {
        id: question.id,
        text: question.text.trim(),
        options: options.map((option) => option.text.trim()),
        correctOptions: options.flatMap((option, index) => (option.correct ? [index] : [])),
        explanation: (question.explanation ?? "").trim(),
      };
    }),
    published: values.published,
  };
  return article ? { id: article.id, expectedRevision: article.revision, ...input } : input;
}
