//! The GraphQL types of the knowledge base, as docs/knowledge.md lists them.

use std::collections::{HashMap, HashSet};

use async_graphql::{Enum, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use hotline_command_api::knowledge::http::file_url;
use hotline_domain::knowledge::{self as domain, AttachmentKind};
use hotline_projections::knowledge::{ArticleView, GapView};
use uuid::Uuid;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "KnowledgeAttachmentKind")]
pub enum AttachmentKindType {
    Document,
    Audio,
    File,
}

impl From<AttachmentKind> for AttachmentKindType {
    fn from(kind: AttachmentKind) -> Self {
        match kind {
            AttachmentKind::Document => Self::Document,
            AttachmentKind::Audio => Self::Audio,
            AttachmentKind::File => Self::File,
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct KnowledgeCategory {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub sort_order: i32,
    /// Published articles directly in this category.
    pub article_count: u64,
}

#[derive(InputObject)]
pub struct KnowledgeCategoryInput {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub sort_order: i32,
}

impl From<KnowledgeCategoryInput> for domain::Category {
    fn from(input: KnowledgeCategoryInput) -> Self {
        Self { category_id: input.id, parent_id: input.parent_id, name: input.name, sort_order: input.sort_order }
    }
}

#[derive(SimpleObject, Clone)]
pub struct KnowledgeAttachment {
    pub blob_id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub kind: AttachmentKindType,
    /// GET it with the session cookie.
    pub url: String,
    /// Characters of text extracted for search (0 for audio and plain files).
    pub text_chars: u64,
}

#[derive(SimpleObject, Clone)]
pub struct KnowledgeQuizQuestion {
    pub id: Uuid,
    pub text: String,
    pub options: Vec<String>,
    /// Indexes into options.
    pub correct_options: Vec<u32>,
    pub explanation: String,
}

#[derive(InputObject)]
pub struct KnowledgeQuizQuestionInput {
    pub id: Uuid,
    pub text: String,
    pub options: Vec<String>,
    pub correct_options: Vec<u32>,
    pub explanation: String,
}

impl From<KnowledgeQuizQuestionInput> for domain::QuizQuestion {
    fn from(input: KnowledgeQuizQuestionInput) -> Self {
        Self {
            question_id: input.id,
            text: input.text,
            options: input.options,
            correct_options: input.correct_options,
            explanation: input.explanation,
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct KnowledgeArticle {
    pub id: Uuid,
    pub category_id: Option<Uuid>,
    /// Names from the root category down to the article's.
    pub category_path: Vec<String>,
    pub title: String,
    pub keywords: Vec<String>,
    pub summary: String,
    /// Sanitised HTML.
    pub body_html: String,
    pub attachments: Vec<KnowledgeAttachment>,
    pub quiz: Vec<KnowledgeQuizQuestion>,
    pub published: bool,
    /// 1 for a new article, +1 per save.
    pub revision: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by_name: String,
    /// Whether the caller marked it as a favourite.
    pub favourite: bool,
}

/// What turns read-model articles into GraphQL ones: the category tree (for paths) and the
/// caller's favourites.
pub struct ArticleContext {
    pub categories: HashMap<Uuid, domain::Category>,
    pub favourites: HashSet<Uuid>,
}

impl ArticleContext {
    /// Root first; a category that no longer exists ends the path.
    fn path(&self, category_id: Option<Uuid>) -> Vec<String> {
        let mut path = Vec::new();
        let mut next = category_id;
        while let Some(category) = next.and_then(|id| self.categories.get(&id)) {
            if path.len() > domain::MAX_CATEGORY_DEPTH {
                break;
            }
            path.push(category.name.clone());
            next = category.parent_id;
        }
        path.reverse();
        path
    }

    pub fn article(&self, view: ArticleView) -> KnowledgeArticle {
        KnowledgeArticle {
            id: view.article_id,
            category_path: self.path(view.category_id),
            category_id: view.category_id,
            favourite: self.favourites.contains(&view.article_id),
            title: view.title,
            keywords: view.keywords,
            summary: view.summary,
            body_html: view.body_html,
            attachments: view
                .attachments
                .into_iter()
                .map(|attachment| KnowledgeAttachment {
                    url: file_url(attachment.blob_id),
                    blob_id: attachment.blob_id,
                    name: attachment.name,
                    content_type: attachment.content_type,
                    size: attachment.size,
                    kind: attachment.kind.into(),
                    text_chars: attachment.text_chars,
                })
                .collect(),
            quiz: view
                .quiz
                .into_iter()
                .map(|question| KnowledgeQuizQuestion {
                    id: question.question_id,
                    text: question.text,
                    options: question.options,
                    correct_options: question.correct_options,
                    explanation: question.explanation,
                })
                .collect(),
            published: view.published,
            revision: view.revision,
            created_at: view.created_at,
            updated_at: view.updated_at,
            updated_by_name: view.updated_by_name,
        }
    }
}

#[derive(SimpleObject)]
pub struct KnowledgeArticlePage {
    pub items: Vec<KnowledgeArticle>,
    pub total: u64,
}

#[derive(InputObject)]
pub struct KnowledgeArticleInput {
    /// Omit to create an article.
    pub id: Option<Uuid>,
    /// The revision the editor started from (required when id is given): a concurrent save
    /// is refused.
    pub expected_revision: Option<u32>,
    pub category_id: Option<Uuid>,
    pub title: String,
    pub keywords: Vec<String>,
    pub summary: String,
    pub body_html: String,
    /// Blob ids returned by POST /api/knowledge/attachments.
    pub attachment_ids: Vec<Uuid>,
    pub quiz: Vec<KnowledgeQuizQuestionInput>,
    pub published: bool,
}

#[derive(SimpleObject)]
pub struct KnowledgeSearchHit {
    pub article: KnowledgeArticle,
    pub score: f32,
    /// Escaped title with <mark> around matches.
    pub title_html: String,
    /// Escaped fragment with <mark> around matches.
    pub snippet_html: String,
    pub matched_in_attachment: bool,
}

#[derive(SimpleObject)]
pub struct KnowledgeSearchResult {
    pub total: u64,
    pub hits: Vec<KnowledgeSearchHit>,
}

#[derive(SimpleObject)]
pub struct KnowledgeTemplate {
    pub id: Uuid,
    pub name: String,
    pub body_html: String,
    pub updated_at: DateTime<Utc>,
}

impl From<domain::Template> for KnowledgeTemplate {
    fn from(template: domain::Template) -> Self {
        Self { id: template.template_id, name: template.name, body_html: template.body_html, updated_at: template.at }
    }
}

#[derive(InputObject)]
pub struct KnowledgeTemplateInput {
    /// Omit to create a template.
    pub id: Option<Uuid>,
    pub name: String,
    pub body_html: String,
}

#[derive(SimpleObject)]
pub struct KnowledgePush {
    pub article: KnowledgeArticle,
    pub note: String,
    pub pushed_by_name: String,
    pub pushed_at: DateTime<Utc>,
    pub read: bool,
}

#[derive(SimpleObject)]
pub struct KnowledgeGap {
    /// The query as normalised (trimmed, lower case, single spaces).
    pub query: String,
    pub misses: u64,
    pub users: u64,
    pub first_missed_at: DateTime<Utc>,
    pub last_missed_at: DateTime<Utc>,
}

impl From<GapView> for KnowledgeGap {
    fn from(gap: GapView) -> Self {
        Self {
            query: gap.query,
            misses: gap.misses,
            users: gap.users,
            first_missed_at: gap.first_missed_at,
            last_missed_at: gap.last_missed_at,
        }
    }
}
