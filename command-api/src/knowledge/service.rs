//! The knowledge service: every knowledge command, with its permission, and the upload of
//! attachments.
//!
//! A body is sanitised here (an allow-list of tags and attributes, links made safe) before
//! it reaches the log, so every reader of the log gets HTML that is safe to show. A document
//! attachment's text is extracted once, at upload, into a blob of its own beside the file
//! (id [`text_blob_id`]); the article's event names it and the search index reads it.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use hotline_domain::FieldError;
use hotline_domain::knowledge::article::{self, ArticleAction, ArticleCommand, ArticleStatus};
use hotline_domain::knowledge::categories::{self, DefineCategories};
use hotline_domain::knowledge::reader::{ReaderAction, ReaderCommand};
use hotline_domain::knowledge::templates::{self, TemplatesCommand};
use hotline_domain::knowledge::{
    Article, ArticleContent, Attachment, AttachmentKind, Categories, Category, Gaps, GapsCommand, QuizQuestion, Reader,
    Template, Templates, validate_content,
};
use hotline_infra::blobs::{BlobInfo, BlobStore};
use hotline_infra::extract::{self, ExtractError};
use uuid::Uuid;

use crate::auth::Session;
use crate::dispatcher::{CachedStreams, CommandMeta, CommandOutcome, Dispatcher};
use crate::error::{ApiError, FieldProblem};

/// Reading the knowledge base (every agent).
pub const READ_PERMISSION: &str = "menu.knowledge";
/// Writing articles, categories and templates; seeing drafts and knowledge to add.
pub const EDIT_PERMISSION: &str = "knowledge.edit";
pub const PUSH_PERMISSION: &str = "knowledge.push";
/// The largest file attached to an article.
pub const MAX_ATTACHMENT_BYTES: usize = extract::MAX_DOCUMENT_BYTES;

/// Content types accepted as attachments besides documents and audio.
const OTHER_FILE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/zip",
];
const AUDIO_TYPES: &[&str] = &["audio/mpeg", "audio/wav", "audio/x-wav", "audio/ogg", "audio/mp4", "audio/aac"];
const DOCUMENT_TYPES: &[&str] =
    &["application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/pdf", "text/plain"];

/// The blob holding the extracted text of the document stored as `blob_id`.
pub fn text_blob_id(blob_id: Uuid) -> Uuid {
    Uuid::new_v5(&blob_id, b"text")
}

/// What kind of attachment a file of this type is, `None` when it is not accepted.
pub fn attachment_kind(content_type: &str) -> Option<AttachmentKind> {
    if DOCUMENT_TYPES.contains(&content_type) {
        Some(AttachmentKind::Document)
    } else if AUDIO_TYPES.contains(&content_type) {
        Some(AttachmentKind::Audio)
    } else if OTHER_FILE_TYPES.contains(&content_type) {
        Some(AttachmentKind::File)
    } else {
        None
    }
}

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder.add_tags(["mark", "figure", "figcaption"]).link_rel(Some("noopener noreferrer nofollow"));
    builder
});

/// HTML safe to show: tags, attributes and URL schemes on an allow-list, nothing scripted.
pub fn sanitise_html(html: &str) -> String {
    SANITISER.clean(html).to_string()
}

/// An article as an editor saves it; attachments are named by the ids the upload returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleInput {
    /// `None` creates an article.
    pub article_id: Option<Uuid>,
    pub expected_revision: Option<u32>,
    pub category_id: Option<Uuid>,
    pub title: String,
    pub keywords: Vec<String>,
    pub summary: String,
    pub body_html: String,
    pub attachment_ids: Vec<Uuid>,
    pub quiz: Vec<QuizQuestion>,
    pub published: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateInput {
    pub template_id: Option<Uuid>,
    pub name: String,
    pub body_html: String,
}

/// An uploaded attachment, as the upload answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    pub info: BlobInfo,
    pub kind: AttachmentKind,
    pub text_chars: u64,
}

fn field_problems(errors: Vec<FieldError>, code: &'static str) -> ApiError {
    let listed: Vec<String> = errors.iter().map(|error| format!("{}: {}", error.field, error.message)).collect();
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, listed.join("; ")).with_fields(
        errors.into_iter().map(|error| FieldProblem { field: error.field, message: error.message }).collect(),
    )
}

fn not_found(code: &'static str, message: String) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, code, message)
}

#[derive(Clone)]
pub struct KnowledgeService {
    dispatcher: Arc<Dispatcher>,
    blobs: BlobStore,
    /// The tenant streams are read on every page (categories, templates) or written on every
    /// fruitless search (gaps): they are kept in memory rather than reloaded each time.
    categories: Arc<CachedStreams<Categories>>,
    templates: Arc<CachedStreams<Templates>>,
    gaps: Arc<CachedStreams<Gaps>>,
}

impl KnowledgeService {
    pub fn new(dispatcher: Arc<Dispatcher>, blobs: BlobStore) -> Self {
        let categories = Arc::new(CachedStreams::new(dispatcher.clone()));
        let templates = Arc::new(CachedStreams::new(dispatcher.clone()));
        let gaps = Arc::new(CachedStreams::new(dispatcher.clone()));
        Self { dispatcher, blobs, categories, templates, gaps }
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// The id an article created by this command gets (a retried command names the same one).
    pub fn article_id_for_command(command_id: Uuid) -> Uuid {
        Uuid::new_v5(&command_id, b"knowledge_article")
    }

    fn meta(
        session: &Session,
        permission: &str,
        command_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CommandMeta, ApiError> {
        session.require(permission)?;
        Ok(CommandMeta::new(command_id, session.tenant_id, session.actor(), now))
    }

    /// The tenant's category tree.
    pub async fn categories(&self, tenant_id: Uuid) -> Result<Vec<Category>, ApiError> {
        self.categories.read(tenant_id, &categories::stream_id(tenant_id), Vec::clone).await
    }

    /// Saves an article (creating it without an id) and returns its id.
    pub async fn save_article(
        &self,
        session: &Session,
        command_id: Uuid,
        input: ArticleInput,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, CommandOutcome), ApiError> {
        let meta = Self::meta(session, EDIT_PERMISSION, command_id, now)?;
        if let Some(category_id) = input.category_id {
            let categories = self.categories(session.tenant_id).await?;
            if !categories.iter().any(|category| category.category_id == category_id) {
                return Err(not_found("knowledge.category_not_found", format!("no category {category_id}")));
            }
        }
        let mut attachments = Vec::with_capacity(input.attachment_ids.len());
        for &blob_id in &input.attachment_ids {
            attachments.push(self.attachment(session.tenant_id, blob_id).await?);
        }
        let content = ArticleContent {
            category_id: input.category_id,
            title: input.title,
            keywords: input.keywords,
            summary: input.summary,
            body_html: sanitise_html(&input.body_html),
            attachments,
            quiz: input.quiz,
            published: input.published,
        };
        let content =
            validate_content(&content).map_err(|errors| field_problems(errors, "knowledge.invalid_article"))?;
        let article_id = input.article_id.unwrap_or_else(|| Self::article_id_for_command(command_id));
        let expected_revision = match input.article_id {
            None => Some(0),
            Some(_) => input.expected_revision,
        };
        let command = ArticleCommand {
            tenant_id: session.tenant_id,
            article_id,
            at: now,
            action: ArticleAction::Write { content, expected_revision },
        };
        let outcome = self.dispatcher.dispatch::<Article>(&meta, &command).await?;
        Ok((article_id, outcome))
    }

    /// An uploaded file of the tenant as an attachment.
    async fn attachment(&self, tenant_id: Uuid, blob_id: Uuid) -> Result<Attachment, ApiError> {
        let missing = || not_found("knowledge.attachment_not_found", format!("no uploaded file {blob_id}"));
        let info = self.blobs.info(tenant_id, blob_id).await?.ok_or_else(missing)?;
        let kind = attachment_kind(&info.content_type).ok_or_else(missing)?;
        let (text_blob_id, text_chars) = match kind {
            AttachmentKind::Document => {
                let text_id = text_blob_id(blob_id);
                match self.blobs.get(tenant_id, text_id).await? {
                    Some((_, text)) => (Some(text_id), String::from_utf8_lossy(&text).chars().count() as u64),
                    None => (None, 0),
                }
            }
            AttachmentKind::Audio | AttachmentKind::File => (None, 0),
        };
        Ok(Attachment {
            blob_id,
            name: info.name,
            content_type: info.content_type,
            size: info.size,
            kind,
            text_blob_id,
            text_chars,
        })
    }

    pub async fn delete_article(
        &self,
        session: &Session,
        command_id: Uuid,
        article_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = Self::meta(session, EDIT_PERMISSION, command_id, now)?;
        let command =
            ArticleCommand { tenant_id: session.tenant_id, article_id, at: now, action: ArticleAction::Delete };
        self.dispatcher.dispatch::<Article>(&meta, &command).await
    }

    /// Pushes a published article to users, who the caller checked are the tenant's.
    pub async fn push_article(
        &self,
        session: &Session,
        command_id: Uuid,
        article_id: Uuid,
        user_ids: Vec<Uuid>,
        note: String,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = Self::meta(session, PUSH_PERMISSION, command_id, now)?;
        let command = ArticleCommand {
            tenant_id: session.tenant_id,
            article_id,
            at: now,
            action: ArticleAction::Push { user_ids, note },
        };
        self.dispatcher.dispatch::<Article>(&meta, &command).await
    }

    async fn require_live_article(&self, tenant_id: Uuid, article_id: Uuid) -> Result<(), ApiError> {
        let (state, _) = self.dispatcher.load::<Article>(tenant_id, &article::stream_id(article_id)).await?;
        match state.status {
            ArticleStatus::Active => Ok(()),
            ArticleStatus::NotCreated | ArticleStatus::Deleted => {
                Err(not_found("knowledge.article_not_found", format!("no article {article_id}")))
            }
        }
    }

    async fn reader_command(
        &self,
        session: &Session,
        command_id: Uuid,
        article_id: Uuid,
        action: ReaderAction,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = Self::meta(session, READ_PERMISSION, command_id, now)?;
        if action != ReaderAction::SetFavourite(false) {
            self.require_live_article(session.tenant_id, article_id).await?;
        }
        let command = ReaderCommand { user_id: session.user_id, article_id, at: now, action };
        self.dispatcher.dispatch::<Reader>(&meta, &command).await
    }

    pub async fn set_favourite(
        &self,
        session: &Session,
        command_id: Uuid,
        article_id: Uuid,
        favourite: bool,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        self.reader_command(session, command_id, article_id, ReaderAction::SetFavourite(favourite), now).await
    }

    /// Marks an article pushed to the caller as read (the caller checked it is unread).
    pub async fn mark_push_read(
        &self,
        session: &Session,
        command_id: Uuid,
        article_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        self.reader_command(session, command_id, article_id, ReaderAction::MarkPushRead, now).await
    }

    /// Replaces the category tree; `occupied` are the categories that hold articles now
    /// (from the read model), which may not be removed.
    pub async fn define_categories(
        &self,
        session: &Session,
        command_id: Uuid,
        categories: Vec<Category>,
        occupied: &HashSet<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = Self::meta(session, EDIT_PERMISSION, command_id, now)?;
        let kept: HashSet<Uuid> = categories.iter().map(|category| category.category_id).collect();
        let current = self.categories(session.tenant_id).await?;
        if let Some(removed) = current
            .iter()
            .find(|category| !kept.contains(&category.category_id) && occupied.contains(&category.category_id))
        {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "knowledge.category_not_empty",
                format!("the category {:?} holds articles: move or delete them first", removed.name),
            ));
        }
        categories::validate_categories(&categories)
            .map_err(|errors| field_problems(errors, "knowledge.invalid_categories"))?;
        let command = DefineCategories { tenant_id: session.tenant_id, categories, at: now };
        Ok(self.categories.dispatch(&meta, &command).await?.0)
    }

    /// Saves a template (creating it without an id) and returns its id.
    pub async fn save_template(
        &self,
        session: &Session,
        command_id: Uuid,
        input: TemplateInput,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, CommandOutcome), ApiError> {
        let meta = Self::meta(session, EDIT_PERMISSION, command_id, now)?;
        let template_id = match input.template_id {
            Some(template_id) => {
                if !self.templates(session.tenant_id).await?.iter().any(|template| template.template_id == template_id)
                {
                    return Err(not_found("knowledge.template_not_found", format!("no template {template_id}")));
                }
                template_id
            }
            None => Uuid::new_v5(&command_id, b"knowledge_template"),
        };
        let template = Template { template_id, name: input.name, body_html: sanitise_html(&input.body_html), at: now };
        let command = TemplatesCommand::Save { tenant_id: session.tenant_id, template };
        let (outcome, _) = self.templates.dispatch(&meta, &command).await?;
        Ok((template_id, outcome))
    }

    pub async fn delete_template(
        &self,
        session: &Session,
        command_id: Uuid,
        template_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = Self::meta(session, EDIT_PERMISSION, command_id, now)?;
        let command = TemplatesCommand::Delete { tenant_id: session.tenant_id, template_id, at: now };
        Ok(self.templates.dispatch(&meta, &command).await?.0)
    }

    /// The tenant's templates, by name.
    pub async fn templates(&self, tenant_id: Uuid) -> Result<Vec<Template>, ApiError> {
        let mut templates: Vec<Template> = self
            .templates
            .read(tenant_id, &templates::stream_id(tenant_id), |state| state.values().cloned().collect())
            .await?;
        templates.sort_by_key(|template| template.name.to_lowercase());
        Ok(templates)
    }

    /// Records a search of the caller's that found nothing (a repeat within the window is
    /// not recorded again).
    pub async fn record_miss(&self, session: &Session, query: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
        let meta = Self::meta(session, READ_PERMISSION, Uuid::now_v7(), now)?;
        let command = GapsCommand::RecordMiss {
            tenant_id: session.tenant_id,
            query: query.to_owned(),
            user_id: session.user_id,
            at: now,
        };
        self.gaps.dispatch(&meta, &command).await?;
        Ok(())
    }

    /// Takes a query off knowledge to add: answered by `article_id`, or dismissed.
    pub async fn resolve_gap(
        &self,
        session: &Session,
        command_id: Uuid,
        query: &str,
        article_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = Self::meta(session, EDIT_PERMISSION, command_id, now)?;
        if let Some(article_id) = article_id {
            self.require_live_article(session.tenant_id, article_id).await?;
        }
        let command =
            GapsCommand::Resolve { tenant_id: session.tenant_id, query: query.to_owned(), article_id, at: now };
        Ok(self.gaps.dispatch(&meta, &command).await?.0)
    }

    /// Stores an uploaded attachment; a document's text is extracted (off the async
    /// threads) and stored beside it. Refuses types that are not accepted, files over
    /// [`MAX_ATTACHMENT_BYTES`] and documents whose text cannot be read.
    pub async fn store_attachment(
        &self,
        session: &Session,
        name: String,
        content_type: String,
        bytes: Vec<u8>,
    ) -> Result<StoredAttachment, ApiError> {
        session.require(EDIT_PERMISSION)?;
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(too_large(bytes.len()));
        }
        if bytes.is_empty() {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "request.invalid", "the file is empty"));
        }
        let kind = attachment_kind(&content_type).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "knowledge.attachment_type_not_allowed",
                format!(
                    "files of type {content_type:?} are not accepted; documents (.docx, .pdf, .txt), audio (mp3, wav, \
                     ogg, m4a), images, spreadsheets, presentations and zip files are"
                ),
            )
        })?;
        let text = match kind {
            AttachmentKind::Document => Some(document_text(&name, &content_type, &bytes).await?),
            AttachmentKind::Audio | AttachmentKind::File => None,
        };
        let info = BlobInfo { blob_id: Uuid::now_v7(), name, content_type, size: bytes.len() as u64 };
        let text_chars = text.as_ref().map_or(0, |text| text.chars().count() as u64);
        if let Some(text) = text {
            let text_info = BlobInfo {
                blob_id: text_blob_id(info.blob_id),
                name: format!("{}.txt", info.name),
                content_type: "text/plain; charset=utf-8".into(),
                size: text.len() as u64,
            };
            self.blobs.put(session.tenant_id, &text_info, text.into_bytes()).await?;
        }
        self.blobs.put(session.tenant_id, &info, bytes).await?;
        Ok(StoredAttachment { info, kind, text_chars })
    }
}

fn too_large(size: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "knowledge.attachment_too_large",
        format!("the file is {size} bytes, over the limit of {MAX_ATTACHMENT_BYTES} (20 MB)"),
    )
}

/// Extracts a document's text on a blocking thread (a large PDF takes a while).
async fn document_text(name: &str, content_type: &str, bytes: &[u8]) -> Result<String, ApiError> {
    let (name, content_type, bytes) = (name.to_owned(), content_type.to_owned(), bytes.to_vec());
    let extracted = tokio::task::spawn_blocking(move || extract::extract_text(&name, Some(&content_type), &bytes))
        .await
        .map_err(|error| ApiError::internal(format!("text extraction stopped: {error}")))?;
    extracted.map_err(|error| match error {
        ExtractError::TooLarge { .. } => too_large(MAX_ATTACHMENT_BYTES + 1),
        ExtractError::UnsupportedType(_) | ExtractError::Corrupt(_) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "knowledge.document_unreadable", error.to_string())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_keep_formatting_and_lose_scripts() {
        let clean = sanitise_html(
            "<h2>Steps</h2><p onclick=\"x()\">Call <a href=\"javascript:alert(1)\">here</a> or \
             <a href=\"https://example.com\">there</a><script>alert(1)</script></p><mark>hit</mark>",
        );
        assert!(clean.contains("<h2>Steps</h2>") && clean.contains("<mark>hit</mark>"), "{clean}");
        assert!(!clean.contains("script") && !clean.contains("onclick") && !clean.contains("javascript"), "{clean}");
        assert!(clean.contains("rel=\"noopener noreferrer nofollow\""), "{clean}");
    }

    #[test]
    fn attachment_kinds_follow_the_content_type() {
        assert_eq!(attachment_kind("application/pdf"), Some(AttachmentKind::Document));
        assert_eq!(attachment_kind("audio/mpeg"), Some(AttachmentKind::Audio));
        assert_eq!(attachment_kind("image/png"), Some(AttachmentKind::File));
        assert_eq!(attachment_kind("application/x-msdownload"), None);
        assert_ne!(text_blob_id(Uuid::from_u128(1)), Uuid::from_u128(1));
    }
}
