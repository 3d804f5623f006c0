//! The knowledge base's command side: articles (sanitised, their attachments checked), the
//! category tree, templates, favourites and pushes, knowledge to add, and the attachment
//! upload whose documents' text is extracted for the search index (docs/knowledge.md).
//!
//! Reads (article lists, search) are the read side's: `hotline-projections` and the search
//! index in `hotline-infra`.

pub mod http;
pub mod service;

pub use service::{ArticleInput, KnowledgeService, StoredAttachment, TemplateInput};
