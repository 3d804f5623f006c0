//! The knowledge base's full-text index: one tantivy index of every tenant's articles, kept on
//! disk (`./data/index/knowledge` in production) or in RAM (tests), and searched per tenant.
//!
//! The index is a projection of the log: [`KnowledgeIndex::apply`] writes a batch of changes
//! and commits it together with the log position it reached (tantivy's commit payload), so
//! after a restart indexing resumes from [`KnowledgeIndex::position`], and a rebuild starts
//! from [`KnowledgeIndex::clear`]. Applying a batch again leaves the same index.
//!
//! Chinese and English share one analyzer ([`tokenizer`]: jieba words, lower case, English
//! stems); the user's text is read with tantivy's query grammar ([`query`]); hits carry their
//! title and best snippet as escaped HTML with `<mark>`ed matches ([`highlight`]). The tenant,
//! published and category filters are clauses built here, never from the user's text.
//!
//! Everything here blocks (a commit takes milliseconds to seconds): call it from
//! `spawn_blocking`.

mod highlight;
mod query;
mod tokenizer;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Score, Searcher, SegmentReader, TantivyDocument, Term,
};
use uuid::Uuid;

use self::query::{SearchableField, UserQuery};

/// The writer's memory for documents not yet written to a segment, across its threads: small,
/// as the embedded mode runs on small machines (tantivy needs at least 15 MB per thread).
const WRITER_MEMORY_BYTES: usize = 50_000_000;
/// Most hits one search returns.
const MAX_LIMIT: usize = 100;
/// Deepest a search pages: the collector keeps `offset + limit` hits in memory.
const MAX_OFFSET: usize = 10_000;
/// Longest query text, in characters.
const MAX_QUERY_CHARS: usize = 500;

/// A handle on the index; clones share it.
#[derive(Clone)]
pub struct KnowledgeIndex {
    inner: Arc<Inner>,
}

struct Inner {
    reader: IndexReader,
    /// One writer per index (tantivy locks the directory); a commit holds it.
    writer: Mutex<IndexWriter<TantivyDocument>>,
    fields: Fields,
    searchable: Vec<SearchableField>,
    /// The position of the last commit, kept beside the writer so reading it never waits
    /// for a commit.
    position: Mutex<Option<u64>>,
}

/// What the index holds of one article.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleDocument {
    pub tenant_id: Uuid,
    pub article_id: Uuid,
    pub category_id: Option<Uuid>,
    pub title: String,
    pub keywords: Vec<String>,
    pub summary: String,
    /// Plain text (the caller strips HTML).
    pub body_text: String,
    /// Text extracted from the article's attached documents, joined.
    pub attachments_text: String,
    pub published: bool,
    pub updated_at: DateTime<Utc>,
}

/// One change to the index, from one event of the log.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexChange {
    /// Adds the article, or replaces the document it had.
    Upsert(ArticleDocument),
    Delete {
        tenant_id: Uuid,
        article_id: Uuid,
    },
}

/// A search as a person asks it.
#[derive(Debug, Clone, PartialEq)]
pub struct KnowledgeQuery {
    /// What the user typed: words (any of them may match; articles that match more rank
    /// higher), "quoted phrases", `+must`, `-mustnot`, `AND`, `OR`, `NOT`, parentheses, and
    /// `title:`, `keywords:`, `summary:`, `body:`, `attachments:` to search one field.
    pub text: String,
    /// Empty for any category; else the article's category must be one of these (the caller
    /// expands a category to its subtree).
    pub category_ids: Vec<Uuid>,
    pub published_only: bool,
    /// At most 100; more is capped.
    pub limit: usize,
    /// At most 10,000.
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// Matching articles in all, not only those on this page.
    pub total: usize,
    pub hits: Vec<SearchHit>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub article_id: Uuid,
    /// BM25, summed over the fields with their weights.
    pub score: f32,
    /// The title, HTML-escaped, with matched terms in `<mark>…</mark>`.
    pub title_html: String,
    /// About 160 characters of the body, else the summary, else the attachments, wherever the
    /// most matches are; escaped and marked. When none of them matches (the title or the
    /// keywords did), the start of the summary, or of the body.
    pub snippet_html: String,
    /// The snippet comes from an attached document.
    pub matched_in_attachment: bool,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SearchError {
    /// The query text cannot be read; the message says what and where, for a person.
    #[error("the search cannot be read: {0}")]
    Syntax(String),
    /// Empty, longer than 500 characters, without words, or paging too deep.
    #[error("invalid search: {0}")]
    InvalidQuery(String),
    /// tantivy or the disk failed.
    #[error("search index failure: {0}")]
    Index(String),
}

/// The schema's fields.
#[derive(Clone, Copy)]
struct Fields {
    tenant_id: Field,
    article_id: Field,
    /// `tenant_id/article_id`: what an upsert or a delete replaces, so that one tenant's
    /// change can never touch another tenant's document.
    tenant_article: Field,
    category_id: Field,
    title: Field,
    keywords: Field,
    summary: Field,
    body: Field,
    attachments: Field,
    published: Field,
    updated_at: Field,
}

/// The update time's field: the tie-break reads its fast column by name.
const UPDATED_AT: &str = "updated_at";

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(tokenizer::TOKENIZER_NAME)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let text = TextOptions::default().set_indexing_options(indexing);
    let stored_text = text.clone().set_stored();
    let fields = Fields {
        tenant_id: builder.add_text_field("tenant_id", STRING),
        article_id: builder.add_text_field("article_id", STRING | STORED),
        tenant_article: builder.add_text_field("tenant_article", STRING),
        category_id: builder.add_text_field("category_id", STRING),
        // Stored texts are what the title and snippets are cut from; keywords are only searched.
        title: builder.add_text_field("title", stored_text.clone()),
        keywords: builder.add_text_field("keywords", text),
        summary: builder.add_text_field("summary", stored_text.clone()),
        body: builder.add_text_field("body", stored_text.clone()),
        attachments: builder.add_text_field("attachments", stored_text),
        published: builder.add_bool_field("published", INDEXED),
        updated_at: builder
            .add_date_field(UPDATED_AT, DateOptions::default().set_fast().set_precision(DateTimePrecision::Seconds)),
    };
    (builder.build(), fields)
}

impl KnowledgeIndex {
    /// Opens the index in `dir`, creating the directory and an empty index if missing.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        std::fs::create_dir_all(dir)
            .map_err(|error| SearchError::Index(format!("cannot create {}: {error}", dir.display())))?;
        let directory = MmapDirectory::open(dir).map_err(index_error)?;
        let (schema, fields) = schema();
        let index = if Index::exists(&directory).map_err(index_error)? {
            let index = Index::open(directory).map_err(index_error)?;
            if index.schema() != schema {
                return Err(SearchError::Index(format!(
                    "the index in {} was built with another schema: remove the directory, and it is rebuilt from \
                     the log",
                    dir.display()
                )));
            }
            index
        } else {
            Index::create(directory, schema, Default::default()).map_err(index_error)?
        };
        Self::with_index(index, fields)
    }

    /// An empty index in RAM.
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<Self, SearchError> {
        tokenizer::load_dictionary();
        index.tokenizers().register(tokenizer::TOKENIZER_NAME, tokenizer::analyzer());
        let position = payload_position(index.load_metas().map_err(index_error)?.payload)?;
        let writer = index.writer::<TantivyDocument>(WRITER_MEMORY_BYTES).map_err(index_error)?;
        let reader: IndexReader =
            index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(index_error)?;
        let searchable = vec![
            SearchableField { name: "title", field: fields.title, boost: 3.0, fuzzy: true },
            SearchableField { name: "keywords", field: fields.keywords, boost: 2.5, fuzzy: true },
            SearchableField { name: "summary", field: fields.summary, boost: 1.5, fuzzy: false },
            SearchableField { name: "body", field: fields.body, boost: 1.0, fuzzy: true },
            SearchableField { name: "attachments", field: fields.attachments, boost: 0.8, fuzzy: false },
        ];
        Ok(Self {
            inner: Arc::new(Inner {
                reader,
                writer: Mutex::new(writer),
                fields,
                searchable,
                position: Mutex::new(position),
            }),
        })
    }

    /// The log position stored with the last commit; `None` for a new index.
    pub fn position(&self) -> Option<u64> {
        *self.inner.position.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies the changes and commits them with `position` as the commit's payload, then
    /// reloads the reader, so that a search right after sees them. An upsert replaces the
    /// article's document; applying the same changes again leaves the same index. On failure
    /// nothing of the batch is kept.
    pub fn apply(&self, changes: Vec<IndexChange>, position: u64) -> Result<(), SearchError> {
        let mut writer = self.inner.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let fields = &self.inner.fields;
        let written = changes.into_iter().try_for_each(|change| match change {
            IndexChange::Upsert(article) => {
                writer.delete_term(tenant_article_term(fields, article.tenant_id, article.article_id));
                writer.add_document(document(fields, &article)).map(|_| ())
            }
            IndexChange::Delete { tenant_id, article_id } => {
                writer.delete_term(tenant_article_term(fields, tenant_id, article_id));
                Ok(())
            }
        });
        self.commit(&mut writer, written, position)
    }

    /// Deletes every document and commits position 0, for a rebuild from the log.
    pub fn clear(&self) -> Result<(), SearchError> {
        let mut writer = self.inner.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let deleted = writer.delete_all_documents().map(|_| ());
        self.commit(&mut writer, deleted, 0)
    }

    /// Commits what was `written` with `position`, and reloads the reader, still holding the
    /// writer so that commits and positions follow each other in order; on failure rolls back.
    fn commit(
        &self,
        writer: &mut IndexWriter<TantivyDocument>,
        written: tantivy::Result<()>,
        position: u64,
    ) -> Result<(), SearchError> {
        let committed = written.and_then(|()| {
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&position.to_string());
            prepared.commit()
        });
        if let Err(error) = committed {
            // Leave no half batch behind for the next commit to carry.
            if let Err(rollback_error) = writer.rollback() {
                tracing::warn!(error = %rollback_error, "could not roll the knowledge index writer back");
            }
            return Err(index_error(error));
        }
        self.inner.reader.reload().map_err(index_error)?;
        *self.inner.position.lock().unwrap_or_else(PoisonError::into_inner) = Some(position);
        Ok(())
    }

    /// Searches `tenant_id`'s articles.
    pub fn search(&self, tenant_id: Uuid, query: &KnowledgeQuery) -> Result<SearchResults, SearchError> {
        let text = query.text.trim();
        if text.is_empty() {
            return Err(SearchError::InvalidQuery("type the words to search for".into()));
        }
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(SearchError::InvalidQuery(format!("a search is at most {MAX_QUERY_CHARS} characters long")));
        }
        if query.offset > MAX_OFFSET {
            return Err(SearchError::InvalidQuery(format!("a search pages at most {MAX_OFFSET} hits deep")));
        }
        let mut analyzer = tokenizer::analyzer();
        let UserQuery { query: user_query, highlights } = query::parse(text, &self.inner.searchable, &analyzer)?;
        let fields = &self.inner.fields;

        // The filters only select; they add nothing to the score.
        let filter = |selection: Box<dyn Query>| -> (Occur, Box<dyn Query>) {
            (Occur::Must, Box::new(ConstScoreQuery::new(selection, 0.0)))
        };
        let mut clauses = vec![
            (Occur::Must, user_query),
            filter(Box::new(TermQuery::new(
                Term::from_field_text(fields.tenant_id, &tenant_id.to_string()),
                IndexRecordOption::Basic,
            ))),
        ];
        if query.published_only {
            clauses.push(filter(Box::new(TermQuery::new(
                Term::from_field_bool(fields.published, true),
                IndexRecordOption::Basic,
            ))));
        }
        if !query.category_ids.is_empty() {
            let terms = query
                .category_ids
                .iter()
                .map(|category_id| Term::from_field_text(fields.category_id, &category_id.to_string()));
            clauses.push(filter(Box::new(TermSetQuery::new(terms))));
        }
        let final_query = BooleanQuery::new(clauses);

        let searcher = self.inner.reader.searcher();
        let limit = query.limit.min(MAX_LIMIT);
        if limit == 0 {
            let total = searcher.search(&final_query, &Count).map_err(index_error)?;
            return Ok(SearchResults { total, hits: Vec::new() });
        }
        // Equal scores: the article updated last first.
        let top_collector =
            TopDocs::with_limit(limit).and_offset(query.offset).tweak_score(|segment: &SegmentReader| {
                let updated_at = segment
                    .fast_fields()
                    .date(UPDATED_AT)
                    .expect("updated_at is a fast date field of the schema")
                    .first_or_default_col(tantivy::DateTime::MIN);
                move |doc: tantivy::DocId, score: Score| (score, updated_at.get_val(doc).into_timestamp_secs())
            });
        let (total, top_hits) = searcher.search(&final_query, &(Count, top_collector)).map_err(index_error)?;
        let hits = top_hits
            .into_iter()
            .map(|((score, _), address)| self.hit(&searcher, address, score, &highlights, &mut analyzer))
            .collect::<Result<_, _>>()?;
        Ok(SearchResults { total, hits })
    }

    fn hit(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        score: Score,
        highlights: &query::Highlights,
        analyzer: &mut TextAnalyzer,
    ) -> Result<SearchHit, SearchError> {
        let fields = &self.inner.fields;
        let document: TantivyDocument = searcher.doc(address).map_err(index_error)?;
        let stored = |field: Field| document.get_first(field).and_then(|value| value.as_str()).unwrap_or("");
        let article_id = Uuid::parse_str(stored(fields.article_id))
            .map_err(|error| SearchError::Index(format!("a stored article id is not a UUID: {error}")))?;
        let title_html = highlight::mark_all(analyzer, stored(fields.title), highlights.for_field(fields.title));
        let mut snippet = None;
        for field in [fields.body, fields.summary, fields.attachments] {
            if let Some(terms) = highlights.for_field(field)
                && let Some(fragment) = highlight::best_fragment(analyzer, stored(field), terms)
            {
                snippet = Some((fragment, field == fields.attachments));
                break;
            }
        }
        let (snippet_html, matched_in_attachment) = snippet.unwrap_or_else(|| {
            let summary = stored(fields.summary);
            let lead = if summary.trim().is_empty() { stored(fields.body) } else { summary };
            (highlight::leading_fragment(lead), false)
        });
        Ok(SearchHit { article_id, score, title_html, snippet_html, matched_in_attachment })
    }

    /// How many documents `tenant_id` has in the index (drafts included).
    pub fn count(&self, tenant_id: Uuid) -> Result<u64, SearchError> {
        let query = TermQuery::new(
            Term::from_field_text(self.inner.fields.tenant_id, &tenant_id.to_string()),
            IndexRecordOption::Basic,
        );
        let count = self.inner.reader.searcher().search(&query, &Count).map_err(index_error)?;
        Ok(count as u64)
    }

    /// For the `knowledge-search` benchmark's baseline only: the current searcher and the
    /// searchable text fields (title, keywords, summary, body, attachments), to run a plain
    /// `QueryParser` query on the same index.
    #[doc(hidden)]
    pub fn searcher_for_baseline(&self) -> (Searcher, Vec<Field>) {
        (self.inner.reader.searcher(), self.inner.searchable.iter().map(|field| field.field).collect())
    }
}

fn document(fields: &Fields, article: &ArticleDocument) -> TantivyDocument {
    let mut document = TantivyDocument::new();
    document.add_text(fields.tenant_id, article.tenant_id.to_string());
    document.add_text(fields.article_id, article.article_id.to_string());
    document.add_text(fields.tenant_article, tenant_article(article.tenant_id, article.article_id));
    if let Some(category_id) = article.category_id {
        document.add_text(fields.category_id, category_id.to_string());
    }
    document.add_text(fields.title, &article.title);
    for keyword in &article.keywords {
        document.add_text(fields.keywords, keyword);
    }
    document.add_text(fields.summary, &article.summary);
    document.add_text(fields.body, &article.body_text);
    document.add_text(fields.attachments, &article.attachments_text);
    document.add_bool(fields.published, article.published);
    document.add_date(fields.updated_at, tantivy::DateTime::from_timestamp_secs(article.updated_at.timestamp()));
    document
}

fn tenant_article(tenant_id: Uuid, article_id: Uuid) -> String {
    format!("{tenant_id}/{article_id}")
}

fn tenant_article_term(fields: &Fields, tenant_id: Uuid, article_id: Uuid) -> Term {
    Term::from_field_text(fields.tenant_article, &tenant_article(tenant_id, article_id))
}

fn payload_position(payload: Option<String>) -> Result<Option<u64>, SearchError> {
    payload
        .map(|payload| {
            payload.parse::<u64>().map_err(|_| {
                SearchError::Index(format!("the index's last commit holds {payload:?}, not a log position"))
            })
        })
        .transpose()
}

fn index_error(error: impl std::fmt::Display) -> SearchError {
    SearchError::Index(error.to_string())
}
