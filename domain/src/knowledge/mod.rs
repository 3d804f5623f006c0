//! The knowledge base: articles agents read on a contact (title, keywords, summary, a rich
//! body, attachments, audio to play on calls, quiz questions), in a category tree, written
//! from templates, marked as favourites, pushed to agents; and the searches that found
//! nothing, kept as "knowledge to add".
//!
//! Streams:
//! - `knowledge_article-<id>`: one article, every revision of it ([`article`]);
//! - `knowledge_categories-<tenant>`: the tenant's category tree, replaced as a whole
//!   ([`categories`]);
//! - `knowledge_templates-<tenant>`: article templates ([`templates`]);
//! - `knowledge_reader-<user>`: what one reader keeps: favourites and pushes read ([`reader`]);
//! - `knowledge_gaps-<tenant>`: searches with no hit until someone answers them ([`gaps`]).
//!
//! The body is HTML: the service sanitises it before the command is made (the domain only
//! bounds its size), and the search index reads its text. The domain cannot see other
//! streams, so the service checks that a category exists and that attachments were uploaded.

pub mod article;
pub mod categories;
pub mod gaps;
pub mod reader;
pub mod templates;
#[cfg(test)]
mod tests;

pub use article::{
    Article, ArticleAction, ArticleCommand, ArticleContent, ArticleDeleted, ArticleEvent, ArticlePushed, ArticleState,
    ArticleStatus, ArticleWritten, Attachment, AttachmentKind, QuizQuestion, validate_content,
};
pub use categories::{Categories, CategoriesDefined, Category, DefineCategories, validate_categories};
pub use gaps::{GapResolved, Gaps, GapsCommand, GapsEvent, GapsState, SearchMissed, normalise_query};
pub use reader::{Reader, ReaderAction, ReaderArticle, ReaderCommand, ReaderEvent, ReaderState};
pub use templates::{Template, TemplateDeleted, Templates, TemplatesCommand, TemplatesEvent, TemplatesState};

/// A title, a category or a template name: 1 to this many characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Keywords per article.
pub const MAX_KEYWORDS: usize = 20;
pub const MAX_KEYWORD_CHARS: usize = 40;
pub const MAX_SUMMARY_CHARS: usize = 1_000;
/// An article's or a template's body, in bytes of HTML.
pub const MAX_BODY_BYTES: usize = 200_000;
pub const MAX_ATTACHMENTS: usize = 20;
pub const MAX_QUIZ_QUESTIONS: usize = 50;
/// Categories per tenant.
pub const MAX_CATEGORIES: usize = 1_000;
/// How deep the category tree goes (a root category is at depth 1).
pub const MAX_CATEGORY_DEPTH: usize = 8;
/// Users one push reaches.
pub const MAX_PUSH_RECIPIENTS: usize = 1_000;
pub const MAX_NOTE_CHARS: usize = 500;

/// `text` trimmed, or a problem if it is empty or longer than `max_chars` characters.
fn bounded_text(
    field: &str,
    text: &str,
    max_chars: usize,
    required: bool,
    problems: &mut Vec<crate::FieldError>,
) -> String {
    let trimmed = text.trim();
    if required && trimmed.is_empty() {
        problems.push(crate::FieldError::new(field, "is required"));
    } else if trimmed.chars().count() > max_chars {
        problems.push(crate::FieldError::new(field, format!("is longer than {max_chars} characters")));
    }
    trimmed.to_owned()
}

/// One `knowledge.<code>` error listing every problem.
fn invalid(code: &'static str, problems: &[crate::FieldError]) -> crate::DomainError {
    let listed: Vec<String> =
        problems.iter().map(|problem| format!("{}: {}", problem.field, problem.message)).collect();
    crate::DomainError::new(code, listed.join("; "))
}
