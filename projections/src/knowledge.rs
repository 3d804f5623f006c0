//! The knowledge read models: articles (`kb_articles`, the current revision of each, deleted
//! ones kept as tombstones), readers' favourites (`kb_favourites`), pushes to readers'
//! inboxes (`kb_pushes`), and knowledge to add (`kb_gaps`, with the distinct readers who
//! missed each query in `kb_gap_users`).
//!
//! The category tree and the templates are read from their (cached) streams by the service;
//! full-text search is the search index's ([`crate::knowledge_index`]).
//!
//! Every row holds the position of the last event folded into it and every write is guarded
//! by it, so applying a range twice leaves the same rows. Every query takes the caller's
//! tenant id and filters on it.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::knowledge::article::{self, ArticleEvent};
use hotline_domain::knowledge::gaps::{self, GapsEvent};
use hotline_domain::knowledge::reader::{self, ReaderEvent};
use hotline_domain::knowledge::{Attachment, QuizQuestion};
use hotline_domain::{DomainEvent, EventEnvelope};
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::rows::{execute_all, optional_uuid_column, sql, time_column, to_i64, uuid_column};
use crate::runner::{Projection, ProjectionError, ProjectionResult};

pub const ARTICLES_TABLE: &str = "kb_articles";
pub const FAVOURITES_TABLE: &str = "kb_favourites";
pub const PUSHES_TABLE: &str = "kb_pushes";
pub const GAPS_TABLE: &str = "kb_gaps";
pub const GAP_USERS_TABLE: &str = "kb_gap_users";

/// The most articles one page holds.
pub const MAX_ARTICLES_PER_PAGE: usize = 200;

/// An article's current revision, as readers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleView {
    pub article_id: Uuid,
    pub category_id: Option<Uuid>,
    pub title: String,
    pub keywords: Vec<String>,
    pub summary: String,
    pub body_html: String,
    pub attachments: Vec<Attachment>,
    pub quiz: Vec<QuizQuestion>,
    pub published: bool,
    pub revision: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The display name of who saved the revision (empty when the user is unknown).
    pub updated_by_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushView {
    pub article: ArticleView,
    pub note: String,
    pub pushed_by_name: String,
    pub pushed_at: DateTime<Utc>,
    pub read: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapView {
    pub query: String,
    pub misses: u64,
    pub users: u64,
    pub first_missed_at: DateTime<Utc>,
    pub last_missed_at: DateTime<Utc>,
}

/// Projects knowledge article, reader and gap streams.
pub struct KnowledgeProjection;

const CREATE_ARTICLES: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     article_id TEXT NOT NULL, \
     category_id TEXT, \
     title TEXT NOT NULL, \
     keywords TEXT NOT NULL, \
     summary TEXT NOT NULL, \
     body_html TEXT NOT NULL, \
     attachments TEXT NOT NULL, \
     quiz TEXT NOT NULL, \
     published BIGINT NOT NULL, \
     revision BIGINT NOT NULL, \
     deleted BIGINT NOT NULL, \
     created_at BIGINT NOT NULL, \
     updated_at BIGINT NOT NULL, \
     updated_by TEXT NOT NULL, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, article_id))";

const INDEX_ARTICLES: &str =
    "CREATE INDEX IF NOT EXISTS {table}_by_category ON {table} (tenant_id, deleted, category_id, updated_at)";

const CREATE_FAVOURITES: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     user_id TEXT NOT NULL, \
     article_id TEXT NOT NULL, \
     favourite BIGINT NOT NULL, \
     at BIGINT NOT NULL, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, user_id, article_id))";

const CREATE_PUSHES: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     user_id TEXT NOT NULL, \
     article_id TEXT NOT NULL, \
     note TEXT NOT NULL, \
     pushed_by TEXT NOT NULL, \
     pushed_at BIGINT NOT NULL, \
     read_at BIGINT, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, user_id, article_id))";

const CREATE_GAPS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     query TEXT NOT NULL, \
     misses BIGINT NOT NULL, \
     first_missed_at BIGINT NOT NULL, \
     last_missed_at BIGINT NOT NULL, \
     open BIGINT NOT NULL, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, query))";

const CREATE_GAP_USERS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     query TEXT NOT NULL, \
     user_id TEXT NOT NULL, \
     PRIMARY KEY (tenant_id, query, user_id))";

/// A new revision replaces the row; `created_at` stays the first revision's.
const UPSERT_ARTICLE: &str = "INSERT INTO {table} (tenant_id, article_id, category_id, title, keywords, summary, \
     body_html, attachments, quiz, published, revision, deleted, created_at, updated_at, updated_by, position) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $12, $13, $14) \
     ON CONFLICT (tenant_id, article_id) DO UPDATE SET category_id = excluded.category_id, \
     title = excluded.title, keywords = excluded.keywords, summary = excluded.summary, \
     body_html = excluded.body_html, attachments = excluded.attachments, quiz = excluded.quiz, \
     published = excluded.published, revision = excluded.revision, updated_at = excluded.updated_at, \
     updated_by = excluded.updated_by, position = excluded.position \
     WHERE {table}.position < excluded.position";

const DELETE_ARTICLE: &str = "UPDATE {table} SET deleted = 1, position = $1 \
     WHERE tenant_id = $2 AND article_id = $3 AND position < $1";

const UPSERT_PUSH: &str = "INSERT INTO {table} (tenant_id, user_id, article_id, note, pushed_by, pushed_at, \
     read_at, position) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7) \
     ON CONFLICT (tenant_id, user_id, article_id) DO UPDATE SET note = excluded.note, \
     pushed_by = excluded.pushed_by, pushed_at = excluded.pushed_at, read_at = NULL, \
     position = excluded.position WHERE {table}.position < excluded.position";

const READ_PUSH: &str = "UPDATE {table} SET read_at = $1, position = $2 \
     WHERE tenant_id = $3 AND user_id = $4 AND article_id = $5 AND position < $2";

const UPSERT_FAVOURITE: &str = "INSERT INTO {table} (tenant_id, user_id, article_id, favourite, at, position) \
     VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (tenant_id, user_id, article_id) DO UPDATE SET favourite = excluded.favourite, \
     at = excluded.at, position = excluded.position WHERE {table}.position < excluded.position";

/// A miss on a resolved gap opens it anew, counting from one.
const UPSERT_MISS: &str = "INSERT INTO {table} (tenant_id, query, misses, first_missed_at, last_missed_at, open, \
     position) VALUES ($1, $2, 1, $3, $3, 1, $4) \
     ON CONFLICT (tenant_id, query) DO UPDATE SET \
     misses = CASE WHEN {table}.open = 1 THEN {table}.misses + 1 ELSE 1 END, \
     first_missed_at = CASE WHEN {table}.open = 1 THEN {table}.first_missed_at ELSE excluded.first_missed_at END, \
     last_missed_at = excluded.last_missed_at, open = 1, position = excluded.position \
     WHERE {table}.position < excluded.position";

const RESOLVE_GAP: &str = "UPDATE {table} SET open = 0, position = $1 \
     WHERE tenant_id = $2 AND query = $3 AND position < $1";

const INSERT_GAP_USER: &str =
    "INSERT INTO {table} (tenant_id, query, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

const DELETE_GAP_USERS: &str = "DELETE FROM {table} WHERE tenant_id = $1 AND query = $2";

#[async_trait]
impl Projection for KnowledgeProjection {
    fn name(&self) -> &'static str {
        "knowledge"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[ARTICLES_TABLE, FAVOURITES_TABLE, PUSHES_TABLE, GAPS_TABLE, GAP_USERS_TABLE]
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        let statements = [
            sql(CREATE_ARTICLES, ARTICLES_TABLE, suffix),
            sql(INDEX_ARTICLES, ARTICLES_TABLE, suffix),
            sql(CREATE_FAVOURITES, FAVOURITES_TABLE, suffix),
            sql(CREATE_PUSHES, PUSHES_TABLE, suffix),
            sql(CREATE_GAPS, GAPS_TABLE, suffix),
            sql(CREATE_GAP_USERS, GAP_USERS_TABLE, suffix),
        ];
        execute_all(connection, &statements).await
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        for envelope in events {
            let upcast = |source| ProjectionError::Upcast { position: envelope.global_position, source };
            match envelope.stream_id.context() {
                article::CONTEXT => {
                    let event =
                        ArticleEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                            .map_err(upcast)?;
                    apply_article(connection, suffix, envelope, event).await?;
                }
                reader::CONTEXT => {
                    let event =
                        ReaderEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                            .map_err(upcast)?;
                    apply_reader(connection, suffix, envelope, event).await?;
                }
                gaps::CONTEXT => {
                    let event =
                        GapsEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                            .map_err(upcast)?;
                    apply_gap(connection, suffix, envelope, event).await?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain values serialise")
}

async fn apply_article(
    connection: &mut AnyConnection,
    suffix: &str,
    envelope: &EventEnvelope,
    event: ArticleEvent,
) -> ProjectionResult<()> {
    let (tenant_id, position) = (envelope.tenant_id.to_string(), to_i64(envelope.global_position));
    match event {
        ArticleEvent::Written(written) => {
            let content = written.content;
            sqlx::query(AssertSqlSafe(sql(UPSERT_ARTICLE, ARTICLES_TABLE, suffix)))
                .bind(tenant_id)
                .bind(written.article_id.to_string())
                .bind(content.category_id.map(|id| id.to_string()))
                .bind(content.title)
                .bind(json_text(&content.keywords))
                .bind(content.summary)
                .bind(content.body_html)
                .bind(json_text(&content.attachments))
                .bind(json_text(&content.quiz))
                .bind(i64::from(content.published))
                .bind(i64::from(written.revision))
                .bind(written.at.timestamp_micros())
                .bind(envelope.actor.id.clone())
                .bind(position)
                .execute(&mut *connection)
                .await?;
        }
        ArticleEvent::Deleted(deleted) => {
            sqlx::query(AssertSqlSafe(sql(DELETE_ARTICLE, ARTICLES_TABLE, suffix)))
                .bind(position)
                .bind(tenant_id)
                .bind(deleted.article_id.to_string())
                .execute(&mut *connection)
                .await?;
        }
        ArticleEvent::Pushed(pushed) => {
            let upsert = sql(UPSERT_PUSH, PUSHES_TABLE, suffix);
            for user_id in pushed.user_ids {
                sqlx::query(AssertSqlSafe(upsert.as_str()))
                    .bind(tenant_id.clone())
                    .bind(user_id.to_string())
                    .bind(pushed.article_id.to_string())
                    .bind(pushed.note.clone())
                    .bind(envelope.actor.id.clone())
                    .bind(pushed.at.timestamp_micros())
                    .bind(position)
                    .execute(&mut *connection)
                    .await?;
            }
        }
    }
    Ok(())
}

async fn apply_reader(
    connection: &mut AnyConnection,
    suffix: &str,
    envelope: &EventEnvelope,
    event: ReaderEvent,
) -> ProjectionResult<()> {
    let (tenant_id, position) = (envelope.tenant_id.to_string(), to_i64(envelope.global_position));
    let (read, favourite) = match &event {
        ReaderEvent::Favourited(read) => (read, Some(true)),
        ReaderEvent::Unfavourited(read) => (read, Some(false)),
        ReaderEvent::PushRead(read) => (read, None),
    };
    match favourite {
        Some(favourite) => {
            sqlx::query(AssertSqlSafe(sql(UPSERT_FAVOURITE, FAVOURITES_TABLE, suffix)))
                .bind(tenant_id)
                .bind(read.user_id.to_string())
                .bind(read.article_id.to_string())
                .bind(i64::from(favourite))
                .bind(read.at.timestamp_micros())
                .bind(position)
                .execute(&mut *connection)
                .await?;
        }
        None => {
            sqlx::query(AssertSqlSafe(sql(READ_PUSH, PUSHES_TABLE, suffix)))
                .bind(read.at.timestamp_micros())
                .bind(position)
                .bind(tenant_id)
                .bind(read.user_id.to_string())
                .bind(read.article_id.to_string())
                .execute(&mut *connection)
                .await?;
        }
    }
    Ok(())
}

async fn apply_gap(
    connection: &mut AnyConnection,
    suffix: &str,
    envelope: &EventEnvelope,
    event: GapsEvent,
) -> ProjectionResult<()> {
    let (tenant_id, position) = (envelope.tenant_id.to_string(), to_i64(envelope.global_position));
    match event {
        GapsEvent::SearchMissed(missed) => {
            let upserted = sqlx::query(AssertSqlSafe(sql(UPSERT_MISS, GAPS_TABLE, suffix)))
                .bind(tenant_id.clone())
                .bind(missed.query.clone())
                .bind(missed.at.timestamp_micros())
                .bind(position)
                .execute(&mut *connection)
                .await?;
            if upserted.rows_affected() > 0 {
                sqlx::query(AssertSqlSafe(sql(INSERT_GAP_USER, GAP_USERS_TABLE, suffix)))
                    .bind(tenant_id)
                    .bind(missed.query)
                    .bind(missed.user_id.to_string())
                    .execute(&mut *connection)
                    .await?;
            }
        }
        GapsEvent::Resolved(resolved) => {
            let updated = sqlx::query(AssertSqlSafe(sql(RESOLVE_GAP, GAPS_TABLE, suffix)))
                .bind(position)
                .bind(tenant_id.clone())
                .bind(resolved.query.clone())
                .execute(&mut *connection)
                .await?;
            if updated.rows_affected() > 0 {
                sqlx::query(AssertSqlSafe(sql(DELETE_GAP_USERS, GAP_USERS_TABLE, suffix)))
                    .bind(tenant_id)
                    .bind(resolved.query)
                    .execute(&mut *connection)
                    .await?;
            }
        }
    }
    Ok(())
}

fn json_column<T: DeserializeOwned>(row: &AnyRow, column: &str) -> ProjectionResult<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|error| ProjectionError::CorruptRow(format!("{column}: {error}")))
}

fn count_column(row: &AnyRow, column: &str) -> ProjectionResult<u64> {
    let value: i64 = row.try_get(column)?;
    u64::try_from(value).map_err(|_| ProjectionError::CorruptRow(format!("{column} is {value}")))
}

/// The article columns (`a.`) and the saver's name (`u.`), for every query that shows articles.
const ARTICLE_COLUMNS: &str = "a.article_id, a.category_id, a.title, a.keywords, a.summary, a.body_html, \
     a.attachments, a.quiz, a.published, a.revision, a.created_at, a.updated_at, \
     COALESCE(u.display_name, '') AS updated_by_name";
const ARTICLE_FROM: &str =
    "FROM kb_articles a LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.user_id = a.updated_by";

fn article_from_row(row: &AnyRow) -> ProjectionResult<ArticleView> {
    let revision = count_column(row, "revision")?;
    Ok(ArticleView {
        article_id: uuid_column(row, "article_id")?,
        category_id: optional_uuid_column(row, "category_id")?,
        title: row.try_get("title")?,
        keywords: json_column(row, "keywords")?,
        summary: row.try_get("summary")?,
        body_html: row.try_get("body_html")?,
        attachments: json_column(row, "attachments")?,
        quiz: json_column(row, "quiz")?,
        published: row.try_get::<i64, _>("published")? != 0,
        revision: u32::try_from(revision).map_err(|_| ProjectionError::CorruptRow(format!("revision {revision}")))?,
        created_at: time_column(row, "created_at")?,
        updated_at: time_column(row, "updated_at")?,
        updated_by_name: row.try_get("updated_by_name")?,
    })
}

/// `$from, $from+1, ...` for `count` values.
fn placeholders(from: usize, count: usize) -> String {
    (from..from + count).map(|index| format!("${index}")).collect::<Vec<_>>().join(", ")
}

/// Live articles of the tenant, newest first: of `categories` when given (an empty list
/// matches no category: uncategorised articles only), drafts only when asked.
pub async fn list_articles(
    pool: &AnyPool,
    tenant_id: Uuid,
    categories: Option<&[Uuid]>,
    include_drafts: bool,
    limit: usize,
    offset: usize,
) -> ProjectionResult<(Vec<ArticleView>, u64)> {
    let mut filter = String::from("a.tenant_id = $1 AND a.deleted = 0");
    if !include_drafts {
        filter.push_str(" AND a.published = 1");
    }
    let category_ids: Vec<String> = categories.unwrap_or_default().iter().map(Uuid::to_string).collect();
    match categories {
        Some([]) => filter.push_str(" AND a.category_id IS NULL"),
        Some(_) => filter.push_str(&format!(" AND a.category_id IN ({})", placeholders(2, category_ids.len()))),
        None => {}
    }
    let count_sql = format!("SELECT COUNT(*) AS total FROM kb_articles a WHERE {filter}");
    let mut count = sqlx::query(AssertSqlSafe(count_sql)).bind(tenant_id.to_string());
    for id in &category_ids {
        count = count.bind(id.clone());
    }
    let total = count_column(&count.fetch_one(pool).await?, "total")?;
    let page_sql = format!(
        "SELECT {ARTICLE_COLUMNS} {ARTICLE_FROM} WHERE {filter} ORDER BY a.updated_at DESC, a.article_id LIMIT {} OFFSET {}",
        limit.min(MAX_ARTICLES_PER_PAGE),
        offset
    );
    let mut page = sqlx::query(AssertSqlSafe(page_sql)).bind(tenant_id.to_string());
    for id in category_ids {
        page = page.bind(id);
    }
    let rows = page.fetch_all(pool).await?;
    Ok((rows.iter().map(article_from_row).collect::<ProjectionResult<_>>()?, total))
}

/// A live article of the tenant (drafts included: the caller decides who sees them).
pub async fn get_article(pool: &AnyPool, tenant_id: Uuid, article_id: Uuid) -> ProjectionResult<Option<ArticleView>> {
    Ok(get_articles(pool, tenant_id, &[article_id]).await?.remove(&article_id))
}

/// Live articles of the tenant by id (missing and deleted ones are left out).
pub async fn get_articles(
    pool: &AnyPool,
    tenant_id: Uuid,
    article_ids: &[Uuid],
) -> ProjectionResult<HashMap<Uuid, ArticleView>> {
    if article_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let query = format!(
        "SELECT {ARTICLE_COLUMNS} {ARTICLE_FROM} WHERE a.tenant_id = $1 AND a.deleted = 0 AND a.article_id IN ({})",
        placeholders(2, article_ids.len())
    );
    let mut statement = sqlx::query(AssertSqlSafe(query)).bind(tenant_id.to_string());
    for id in article_ids {
        statement = statement.bind(id.to_string());
    }
    let rows = statement.fetch_all(pool).await?;
    rows.iter().map(|row| article_from_row(row).map(|article| (article.article_id, article))).collect()
}

/// Published articles per category (uncategorised ones are left out).
pub async fn article_counts(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<HashMap<Uuid, u64>> {
    let rows = sqlx::query(
        "SELECT category_id, COUNT(*) AS total FROM kb_articles WHERE tenant_id = $1 AND deleted = 0 \
         AND published = 1 AND category_id IS NOT NULL GROUP BY category_id",
    )
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter().map(|row| Ok((uuid_column(row, "category_id")?, count_column(row, "total")?))).collect()
}

/// Categories that hold a live article, published or not (they cannot be removed).
pub async fn occupied_categories(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<HashSet<Uuid>> {
    let rows = sqlx::query(
        "SELECT DISTINCT category_id FROM kb_articles WHERE tenant_id = $1 AND deleted = 0 AND category_id IS NOT NULL",
    )
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter().map(|row| uuid_column(row, "category_id")).collect()
}

/// Which of the user's favourites are live, newest marked first.
pub async fn favourites(pool: &AnyPool, tenant_id: Uuid, user_id: Uuid) -> ProjectionResult<Vec<ArticleView>> {
    let query = format!(
        "SELECT {ARTICLE_COLUMNS} {ARTICLE_FROM} JOIN kb_favourites f ON f.tenant_id = a.tenant_id AND f.article_id = a.article_id \
         WHERE a.tenant_id = $1 AND f.user_id = $2 AND f.favourite = 1 AND a.deleted = 0 ORDER BY f.at DESC"
    );
    let rows =
        sqlx::query(AssertSqlSafe(query)).bind(tenant_id.to_string()).bind(user_id.to_string()).fetch_all(pool).await?;
    rows.iter().map(article_from_row).collect()
}

/// The ids among `article_ids` that the user marked as favourites.
pub async fn favourite_ids(
    pool: &AnyPool,
    tenant_id: Uuid,
    user_id: Uuid,
    article_ids: &[Uuid],
) -> ProjectionResult<HashSet<Uuid>> {
    if article_ids.is_empty() {
        return Ok(HashSet::new());
    }
    let query = format!(
        "SELECT article_id FROM kb_favourites WHERE tenant_id = $1 AND user_id = $2 AND favourite = 1 \
         AND article_id IN ({})",
        placeholders(3, article_ids.len())
    );
    let mut statement = sqlx::query(AssertSqlSafe(query)).bind(tenant_id.to_string()).bind(user_id.to_string());
    for id in article_ids {
        statement = statement.bind(id.to_string());
    }
    let rows = statement.fetch_all(pool).await?;
    rows.iter().map(|row| uuid_column(row, "article_id")).collect()
}

/// Live published articles pushed to the user, newest push first.
pub async fn inbox(
    pool: &AnyPool,
    tenant_id: Uuid,
    user_id: Uuid,
    unread_only: bool,
) -> ProjectionResult<Vec<PushView>> {
    let unread = if unread_only { " AND p.read_at IS NULL" } else { "" };
    let query = format!(
        "SELECT {ARTICLE_COLUMNS}, p.note, p.pushed_at, p.read_at, \
         COALESCE(pu.display_name, '') AS pushed_by_name {ARTICLE_FROM} \
         JOIN kb_pushes p ON p.tenant_id = a.tenant_id AND p.article_id = a.article_id \
         LEFT JOIN users pu ON pu.tenant_id = p.tenant_id AND pu.user_id = p.pushed_by \
         WHERE a.tenant_id = $1 AND p.user_id = $2 AND a.deleted = 0 AND a.published = 1{unread} \
         ORDER BY p.pushed_at DESC LIMIT 200"
    );
    let rows =
        sqlx::query(AssertSqlSafe(query)).bind(tenant_id.to_string()).bind(user_id.to_string()).fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            Ok(PushView {
                article: article_from_row(row)?,
                note: row.try_get("note")?,
                pushed_by_name: row.try_get("pushed_by_name")?,
                pushed_at: time_column(row, "pushed_at")?,
                read: row.try_get::<Option<i64>, _>("read_at")?.is_some(),
            })
        })
        .collect()
}

/// Whether the article was pushed to the user and they have not read it yet.
pub async fn push_unread(pool: &AnyPool, tenant_id: Uuid, user_id: Uuid, article_id: Uuid) -> ProjectionResult<bool> {
    let row = sqlx::query(
        "SELECT 1 AS unread FROM kb_pushes WHERE tenant_id = $1 AND user_id = $2 AND article_id = $3 \
         AND read_at IS NULL",
    )
    .bind(tenant_id.to_string())
    .bind(user_id.to_string())
    .bind(article_id.to_string())
    .fetch_optional(pool)
    .await?;
    Ok(row.is_some())
}

/// Open gaps, the most missed first (by distinct readers, then by misses).
pub async fn open_gaps(pool: &AnyPool, tenant_id: Uuid, limit: usize) -> ProjectionResult<Vec<GapView>> {
    let query = format!(
        "SELECT g.query, g.misses, g.first_missed_at, g.last_missed_at, \
         (SELECT COUNT(*) FROM kb_gap_users gu WHERE gu.tenant_id = g.tenant_id AND gu.query = g.query) AS users \
         FROM kb_gaps g WHERE g.tenant_id = $1 AND g.open = 1 \
         ORDER BY users DESC, g.misses DESC, g.last_missed_at DESC LIMIT {}",
        limit.min(MAX_ARTICLES_PER_PAGE)
    );
    let rows = sqlx::query(AssertSqlSafe(query)).bind(tenant_id.to_string()).fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            Ok(GapView {
                query: row.try_get("query")?,
                misses: count_column(row, "misses")?,
                users: count_column(row, "users")?,
                first_missed_at: time_column(row, "first_missed_at")?,
                last_missed_at: time_column(row, "last_missed_at")?,
            })
        })
        .collect()
}
