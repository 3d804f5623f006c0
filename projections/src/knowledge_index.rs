//! The knowledge search index as a projection: follows the log and turns article events into
//! index changes (with the text of attached documents, read from their text blobs).
//!
//! Unlike the SQL read models, the index keeps its own checkpoint: each batch is committed to
//! tantivy together with the position it reached (the commit payload), so index and
//! checkpoint never disagree, and after a restart the indexer resumes from the index's own
//! position. A rebuild clears the index and follows the log from the start. In the
//! distributed mode every node keeps its own index, fed the same way.

use std::time::Duration;

use futures::StreamExt;
use hotline_domain::knowledge::AttachmentKind;
use hotline_domain::knowledge::article::{self, ArticleEvent, ArticleWritten};
use hotline_domain::{DomainEvent, EventEnvelope};
use hotline_infra::blobs::BlobStore;
use hotline_infra::search::{ArticleDocument, IndexChange, KnowledgeIndex, SearchError};
use hotline_infra::store::{Scope, SharedEventStore, subscribe};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::runner::ProjectionError;

/// Events read before a commit, at most (a commit is costly: batch what is there).
const EVENTS_PER_COMMIT: usize = 2_000;
const RETRY_DELAY: Duration = Duration::from_secs(2);

/// Why indexing a batch failed (it is retried from the index's last commit).
#[derive(Debug, thiserror::Error)]
enum IndexingError {
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    #[error("search index: {0}")]
    Index(#[from] SearchError),
}

/// The running indexer: its position, and a way to wait for it.
#[derive(Clone)]
pub struct KnowledgeIndexer {
    index: KnowledgeIndex,
    position: watch::Receiver<u64>,
}

impl KnowledgeIndexer {
    /// Starts following the log from the index's position.
    pub fn start(index: KnowledgeIndex, store: SharedEventStore, blobs: BlobStore) -> (Self, JoinHandle<()>) {
        let (sender, position) = watch::channel(index.position().unwrap_or(0));
        let task = tokio::spawn(follow(index.clone(), store, blobs, sender));
        (Self { index, position }, task)
    }

    pub fn index(&self) -> &KnowledgeIndex {
        &self.index
    }

    /// The last log position applied to the index.
    pub fn position(&self) -> u64 {
        *self.position.borrow()
    }

    /// Waits (at most `timeout`) until the index has applied `position`: a writer then finds
    /// their article.
    pub async fn wait_for(&self, position: u64, timeout: Duration) {
        let mut receiver = self.position.clone();
        let _ = tokio::time::timeout(timeout, receiver.wait_for(|applied| *applied >= position)).await;
    }
}

/// Opens (or creates) the index in `dir`; an index ahead of the log (a log restored or
/// replaced under it) is cleared, to be built again from the start.
pub async fn open_index(dir: &std::path::Path, store: &SharedEventStore) -> Result<KnowledgeIndex, BoxError> {
    let dir = dir.to_owned();
    let index = tokio::task::spawn_blocking(move || KnowledgeIndex::open(&dir)).await??;
    if index.position().unwrap_or(0) > store.head_position().await? {
        tracing::warn!("the knowledge index is ahead of the log: rebuilding it");
        let cleared = index.clone();
        tokio::task::spawn_blocking(move || cleared.clear()).await??;
    }
    Ok(index)
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Clears the index and builds it again from the whole log; returns the position reached.
pub async fn rebuild_index(
    index: &KnowledgeIndex,
    store: SharedEventStore,
    blobs: &BlobStore,
) -> Result<u64, BoxError> {
    let cleared = index.clone();
    tokio::task::spawn_blocking(move || cleared.clear()).await??;
    let head = store.head_position().await?;
    let mut events = subscribe(store, Scope::Global, 0).ready_chunks(EVENTS_PER_COMMIT);
    let mut position = 0;
    while position < head {
        let Some(batch) = events.next().await else { break };
        let batch = batch.into_iter().collect::<Result<Vec<_>, _>>()?;
        position = apply_batch(index, blobs, &batch).await?;
    }
    Ok(position)
}

async fn follow(index: KnowledgeIndex, store: SharedEventStore, blobs: BlobStore, position: watch::Sender<u64>) {
    loop {
        let from = index.position().unwrap_or(0);
        let mut events = subscribe(store.clone(), Scope::Global, from).ready_chunks(EVENTS_PER_COMMIT);
        let failure = loop {
            let Some(batch) = events.next().await else { return };
            let batch = match batch.into_iter().collect::<Result<Vec<_>, _>>() {
                Ok(batch) => batch,
                Err(error) => break IndexingError::Projection(error.into()),
            };
            match apply_batch(&index, &blobs, &batch).await {
                Ok(reached) => {
                    position.send_replace(reached);
                }
                Err(error) => break error,
            }
        };
        tracing::warn!(%failure, "knowledge index: batch failed; retrying from the last commit");
        tokio::time::sleep(RETRY_DELAY).await;
    }
}

/// Applies a batch and commits it with its last position (a batch without article events
/// commits nothing: the position is only kept in memory, and re-read after a restart).
async fn apply_batch(index: &KnowledgeIndex, blobs: &BlobStore, batch: &[EventEnvelope]) -> Result<u64, IndexingError> {
    let Some(last) = batch.last().map(|envelope| envelope.global_position) else {
        return Ok(index.position().unwrap_or(0));
    };
    let mut changes = Vec::new();
    for envelope in batch.iter().filter(|envelope| envelope.stream_id.context() == article::CONTEXT) {
        let event = ArticleEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
            .map_err(|source| ProjectionError::Upcast { position: envelope.global_position, source })?;
        match event {
            ArticleEvent::Written(written) => {
                changes.push(IndexChange::Upsert(document(envelope, written, blobs).await?));
            }
            ArticleEvent::Deleted(deleted) => {
                changes.push(IndexChange::Delete { tenant_id: envelope.tenant_id, article_id: deleted.article_id });
            }
            ArticleEvent::Pushed(_) => {}
        }
    }
    if changes.is_empty() {
        return Ok(last);
    }
    let index = index.clone();
    tokio::task::spawn_blocking(move || index.apply(changes, last))
        .await
        .map_err(|error| SearchError::Index(format!("indexing stopped: {error}")))??;
    Ok(last)
}

async fn document(
    envelope: &EventEnvelope,
    written: ArticleWritten,
    blobs: &BlobStore,
) -> Result<ArticleDocument, IndexingError> {
    let content = written.content;
    let mut attachments_text = String::new();
    for attachment in content.attachments.iter().filter(|attachment| attachment.kind == AttachmentKind::Document) {
        let Some(text_blob_id) = attachment.text_blob_id else { continue };
        let stored = blobs.get(envelope.tenant_id, text_blob_id).await.map_err(ProjectionError::Store)?;
        // A text blob that is gone (a restore without blobs) leaves only the article's own text.
        if let Some((_, text)) = stored {
            attachments_text.push_str(&String::from_utf8_lossy(&text));
            attachments_text.push('\n');
        }
    }
    Ok(ArticleDocument {
        tenant_id: envelope.tenant_id,
        article_id: written.article_id,
        category_id: content.category_id,
        title: content.title,
        keywords: content.keywords,
        summary: content.summary,
        body_text: html_to_text(&content.body_html),
        attachments_text,
        published: content.published,
        updated_at: written.at,
    })
}

/// The text of (sanitised) HTML: tags dropped, block ends as line breaks, the common
/// entities decoded. Good enough for search; nothing here is shown.
pub fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&decode_entities(&rest[..start]));
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].trim_start_matches('/').to_ascii_lowercase();
        let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or_default();
        if matches!(name, "p" | "br" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "td" | "th") {
            text.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    text.push_str(&decode_entities(rest));
    text
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut decoded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        decoded.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let entity = after.find(';').filter(|end| *end <= 10).map(|end| (&after[..end], end));
        let character = entity.and_then(|(name, _)| match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => {
                let number = name.strip_prefix('#')?;
                let code = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => number.parse().ok()?,
                };
                char::from_u32(code)
            }
        });
        match (character, entity) {
            (Some(character), Some((_, end))) => {
                decoded.push(character);
                rest = &after[end + 1..];
            }
            _ => {
                decoded.push('&');
                rest = after;
            }
        }
    }
    decoded.push_str(rest);
    decoded
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn html_becomes_searchable_text() {
        assert_eq!(
            html_to_text("<h2>退款</h2><p>Fish &amp; chips&nbsp;&#x4e2d;<br/>A &lt;b&gt; &bogus; &</p>"),
            "\n退款\n\nFish & chips 中\nA <b> &bogus; &\n"
        );
        assert_eq!(html_to_text("no tags"), "no tags");
        assert_eq!(html_to_text("cut <p"), "cut ");
    }
}
