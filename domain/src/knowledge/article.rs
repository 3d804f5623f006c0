//! One knowledge article: written (created or revised as a whole, a draft or published),
//! pushed to agents, deleted.
//!
//! Every save names the revision its editor started from, so two writers cannot overwrite
//! each other unknowingly; a save that changes nothing records nothing.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{
    MAX_ATTACHMENTS, MAX_BODY_BYTES, MAX_KEYWORD_CHARS, MAX_KEYWORDS, MAX_NOTE_CHARS, MAX_PUSH_RECIPIENTS,
    MAX_QUIZ_QUESTIONS, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, bounded_text, invalid,
};
use crate::{Decider, DomainError, DomainEvent, FieldError, StreamId, UpcastError, read_payload};

pub const CONTEXT: &str = "knowledge_article";

pub const WRITTEN: &str = "hotline.knowledge_article.written";
pub const DELETED: &str = "hotline.knowledge_article.deleted";
pub const PUSHED: &str = "hotline.knowledge_article.pushed";

const EVENT_TYPES: [&str; 3] = [WRITTEN, DELETED, PUSHED];

pub fn stream_id(article_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, article_id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// A .docx, .pdf or .txt whose text is searched with the article.
    Document,
    /// Played to a caller or by the agent on a call.
    Audio,
    File,
}

/// A file uploaded beside the log (a blob) and attached to the article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub blob_id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub kind: AttachmentKind,
    /// The blob holding the document's extracted text, for the search index.
    pub text_blob_id: Option<Uuid>,
    pub text_chars: u64,
}

/// A question that checks a reader understood the article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizQuestion {
    pub question_id: Uuid,
    pub text: String,
    pub options: Vec<String>,
    /// Indexes into `options`, at least one.
    pub correct_options: Vec<u32>,
    pub explanation: String,
}

/// Everything a writer saves at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleContent {
    pub category_id: Option<Uuid>,
    pub title: String,
    pub keywords: Vec<String>,
    pub summary: String,
    /// Sanitised HTML.
    pub body_html: String,
    pub attachments: Vec<Attachment>,
    pub quiz: Vec<QuizQuestion>,
    /// Drafts are seen by writers only.
    pub published: bool,
}

/// Checks and normalises content (trimmed texts, keywords without blanks or repeats); every
/// problem is reported at once, by field.
pub fn validate_content(content: &ArticleContent) -> Result<ArticleContent, Vec<FieldError>> {
    let mut problems = Vec::new();
    let title = bounded_text("title", &content.title, MAX_TITLE_CHARS, true, &mut problems);
    let summary = bounded_text("summary", &content.summary, MAX_SUMMARY_CHARS, false, &mut problems);
    let mut keywords: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
    for keyword in &content.keywords {
        let keyword = bounded_text("keywords", keyword, MAX_KEYWORD_CHARS, false, &mut problems);
        if !keyword.is_empty() && seen.insert(keyword.to_lowercase()) {
            keywords.push(keyword);
        }
    }
    if keywords.len() > MAX_KEYWORDS {
        problems.push(FieldError::new("keywords", format!("at most {MAX_KEYWORDS} keywords")));
    }
    if content.body_html.len() > MAX_BODY_BYTES {
        problems.push(FieldError::new("bodyHtml", format!("is longer than {MAX_BODY_BYTES} bytes")));
    }
    if content.attachments.len() > MAX_ATTACHMENTS {
        problems.push(FieldError::new("attachments", format!("at most {MAX_ATTACHMENTS} attachments")));
    }
    let blob_ids: BTreeSet<Uuid> = content.attachments.iter().map(|attachment| attachment.blob_id).collect();
    if blob_ids.len() != content.attachments.len() {
        problems.push(FieldError::new("attachments", "a file is attached twice"));
    }
    let quiz = validate_quiz(&content.quiz, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(ArticleContent {
        category_id: content.category_id,
        title,
        keywords,
        summary,
        body_html: content.body_html.clone(),
        attachments: content.attachments.clone(),
        quiz,
        published: content.published,
    })
}

fn validate_quiz(questions: &[QuizQuestion], problems: &mut Vec<FieldError>) -> Vec<QuizQuestion> {
    if questions.len() > MAX_QUIZ_QUESTIONS {
        problems.push(FieldError::new("quiz", format!("at most {MAX_QUIZ_QUESTIONS} questions")));
    }
    let mut ids = BTreeSet::new();
    questions
        .iter()
        .enumerate()
        .map(|(index, question)| {
            let field = format!("quiz.{index}");
            if !ids.insert(question.question_id) {
                problems.push(FieldError::new(&field, "the question id is used twice"));
            }
            let text = bounded_text(&format!("{field}.text"), &question.text, 500, true, problems);
            let options: Vec<String> = question
                .options
                .iter()
                .map(|option| bounded_text(&format!("{field}.options"), option, 200, true, problems))
                .collect();
            if !(2..=10).contains(&options.len()) {
                problems.push(FieldError::new(&format!("{field}.options"), "a question has 2 to 10 options"));
            }
            let correct: BTreeSet<u32> = question.correct_options.iter().copied().collect();
            if correct.is_empty() || correct.iter().any(|&index| index as usize >= options.len()) {
                problems.push(FieldError::new(
                    &format!("{field}.correctOptions"),
                    "mark at least one of the question's options as correct",
                ));
            }
            let explanation =
                bounded_text(&format!("{field}.explanation"), &question.explanation, 1_000, false, problems);
            QuizQuestion {
                question_id: question.question_id,
                text,
                options,
                correct_options: correct.into_iter().collect(),
                explanation,
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleCommand {
    pub tenant_id: Uuid,
    pub article_id: Uuid,
    pub at: DateTime<Utc>,
    pub action: ArticleAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleAction {
    /// Creates the article (`expected_revision` 0 or none) or revises it.
    Write {
        content: ArticleContent,
        expected_revision: Option<u32>,
    },
    Delete,
    Push {
        user_ids: Vec<Uuid>,
        note: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArticleEvent {
    Written(ArticleWritten),
    Deleted(ArticleDeleted),
    Pushed(ArticlePushed),
}

/// A revision of the article, all of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleWritten {
    pub article_id: Uuid,
    /// 1 for the first.
    pub revision: u32,
    #[serde(flatten)]
    pub content: ArticleContent,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleDeleted {
    pub article_id: Uuid,
    pub at: DateTime<Utc>,
}

/// The article was sent to these users' knowledge inboxes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticlePushed {
    pub article_id: Uuid,
    pub user_ids: Vec<Uuid>,
    pub note: String,
    pub at: DateTime<Utc>,
}

impl DomainEvent for ArticleEvent {
    fn event_type(&self) -> &'static str {
        match self {
            ArticleEvent::Written(_) => WRITTEN,
            ArticleEvent::Deleted(_) => DELETED,
            ArticleEvent::Pushed(_) => PUSHED,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            ArticleEvent::Written(event) => serde_json::to_value(event),
            ArticleEvent::Deleted(event) => serde_json::to_value(event),
            ArticleEvent::Pushed(event) => serde_json::to_value(event),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&EVENT_TYPES, event_type, schema_version)?;
        match event_type {
            WRITTEN => read_payload(event_type, 1, payload, ArticleEvent::Written),
            DELETED => read_payload(event_type, 1, payload, ArticleEvent::Deleted),
            _ => read_payload(event_type, 1, payload, ArticleEvent::Pushed),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArticleStatus {
    #[default]
    NotCreated,
    Active,
    Deleted,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleState {
    pub status: ArticleStatus,
    pub revision: u32,
    pub content: Option<ArticleContent>,
}

pub struct Article;

impl Decider for Article {
    type State = ArticleState;
    type Command = ArticleCommand;
    type Event = ArticleEvent;

    fn stream_id(command: &ArticleCommand) -> StreamId {
        stream_id(command.article_id)
    }

    fn decide(state: &ArticleState, command: &ArticleCommand) -> Result<Vec<ArticleEvent>, DomainError> {
        let (article_id, at) = (command.article_id, command.at);
        let not_found = || DomainError::new("knowledge.article_not_found", format!("no article {article_id}"));
        match &command.action {
            ArticleAction::Write { content, expected_revision } => {
                match state.status {
                    ArticleStatus::Deleted => return Err(not_found()),
                    ArticleStatus::NotCreated if expected_revision.is_some_and(|revision| revision > 0) => {
                        return Err(not_found());
                    }
                    _ => {}
                }
                if let Some(expected) = expected_revision
                    && *expected != state.revision
                {
                    return Err(DomainError::new(
                        "knowledge.revision_conflict",
                        format!(
                            "the article is at revision {} now, not {expected}: someone else saved it meanwhile",
                            state.revision
                        ),
                    ));
                }
                let content =
                    validate_content(content).map_err(|problems| invalid("knowledge.invalid_article", &problems))?;
                if state.content.as_ref() == Some(&content) {
                    return Ok(vec![]);
                }
                Ok(vec![ArticleEvent::Written(ArticleWritten {
                    article_id,
                    revision: state.revision + 1,
                    content,
                    at,
                })])
            }
            ArticleAction::Delete => match state.status {
                ArticleStatus::NotCreated => Err(not_found()),
                ArticleStatus::Deleted => Ok(vec![]),
                ArticleStatus::Active => Ok(vec![ArticleEvent::Deleted(ArticleDeleted { article_id, at })]),
            },
            ArticleAction::Push { user_ids, note } => {
                let content = match (&state.status, &state.content) {
                    (ArticleStatus::Active, Some(content)) => content,
                    _ => return Err(not_found()),
                };
                if !content.published {
                    return Err(DomainError::new(
                        "knowledge.article_not_published",
                        "publish the article before pushing it to agents",
                    ));
                }
                let recipients: BTreeSet<Uuid> = user_ids.iter().copied().collect();
                if recipients.is_empty() || recipients.len() > MAX_PUSH_RECIPIENTS {
                    return Err(DomainError::new(
                        "knowledge.invalid_push",
                        format!("push to 1 to {MAX_PUSH_RECIPIENTS} users"),
                    ));
                }
                let note = note.trim();
                if note.chars().count() > MAX_NOTE_CHARS {
                    return Err(DomainError::new(
                        "knowledge.invalid_push",
                        format!("a note is at most {MAX_NOTE_CHARS} characters"),
                    ));
                }
                Ok(vec![ArticleEvent::Pushed(ArticlePushed {
                    article_id,
                    user_ids: recipients.into_iter().collect(),
                    note: note.to_owned(),
                    at,
                })])
            }
        }
    }

    fn evolve(mut state: ArticleState, event: &ArticleEvent) -> ArticleState {
        match event {
            ArticleEvent::Written(written) => {
                state.status = ArticleStatus::Active;
                state.revision = written.revision;
                state.content = Some(written.content.clone());
            }
            ArticleEvent::Deleted(_) => state.status = ArticleStatus::Deleted,
            ArticleEvent::Pushed(_) => {}
        }
        state
    }
}
