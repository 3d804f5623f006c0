//! The projection runner: follows the log and keeps each read model and its checkpoint in step.
//!
//! Every projection owns a few tables and one row of `projection_checkpoints`. The runner
//! applies events in batches, and each batch commits the read-model changes together with
//! the new checkpoint, in one transaction. So a crash can never leave a read model ahead of
//! or behind its checkpoint: after a restart the runner continues exactly where the last
//! committed batch ended (the exactly-once effect, on top of idempotent upserts).
//!
//! The checkpoint update is optimistic (`WHERE position = <what this task last wrote>`).
//! When it updates no row, someone else moved the checkpoint (a [`rebuild`] that swapped
//! the tables, or another process running the same projection): the batch is rolled back
//! and the task reloads the checkpoint and follows the log from there.
//!
//! [`rebuild`] replays the log into fresh `{table}__rebuild` tables while the live ones keep
//! serving queries, then swaps them in with one transaction (both SQLite and PostgreSQL have
//! transactional DDL).
//!
//! [`fork`] replays the log up to a position or a time into `{table}__fork_{name}` tables,
//! for analysts: the live tables and the checkpoint are not touched, and a fork stays as it
//! is until [`drop_fork`] removes it.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use hotline_domain::{EventEnvelope, UpcastError};
use hotline_infra::store::{EventStore, Scope, SharedEventStore, StoreError, subscribe};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, Connection, Row, Transaction};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The table that holds one checkpoint row per projection.
pub const CHECKPOINT_TABLE: &str = "projection_checkpoints";

/// Events applied per transaction, at most.
pub const BATCH_SIZE: usize = 1_000;

/// Pages [`rebuild`] reads ahead of the page it applies.
const PAGES_READ_AHEAD: usize = 2;

/// Appended to a projection's table names while [`rebuild`] fills them.
pub const REBUILD_SUFFIX: &str = "__rebuild";

const FIRST_RETRY_DELAY: Duration = Duration::from_millis(100);
const LAST_RETRY_DELAY: Duration = Duration::from_secs(30);

/// Why a projection, the runner or a rebuild failed.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("read-model database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("event store error: {0}")]
    Store(#[from] StoreError),
    /// A stored event of a type the projection handles could not be decoded (for instance a
    /// schema version newer than this build). The projection stops here rather than skip it.
    #[error("event at position {position} cannot be read: {source}")]
    Upcast {
        position: u64,
        #[source]
        source: UpcastError,
    },
    /// A projection refused an event it should be able to apply.
    #[error("event at position {position} cannot be applied: {reason}")]
    Apply { position: u64, reason: String },
    /// A read-model row does not hold what its projection wrote.
    #[error("read-model row is unreadable: {0}")]
    CorruptRow(String),
    /// The log subscription ended although nobody asked it to.
    #[error("the event subscription ended")]
    SubscriptionEnded,
    /// A fork's name or bound is not acceptable (the message says why).
    #[error("{0}")]
    InvalidFork(String),
}

pub type ProjectionResult<T> = Result<T, ProjectionError>;

/// A read model built from the log.
///
/// A projection makes no business decision: it turns events into rows, nothing else. It
/// must be idempotent (upserts guarded by the event's position), because a range of events
/// can be applied twice: after a rebuild moved the checkpoint, or when two processes race.
///
/// Table names are always `{table}{suffix}`: the runner passes an empty suffix, [`rebuild`]
/// passes [`REBUILD_SUFFIX`]. Explicit indexes must be named `{table}{suffix}_...` so that the
/// swap can give them their live names (SQLite and PostgreSQL index names are per schema).
#[async_trait]
pub trait Projection: Send + Sync {
    /// The checkpoint name, also the name the CLI uses (`hotline replay <name>`).
    fn name(&self) -> &'static str;

    /// The tables this projection owns (without suffix). Nobody else writes them.
    fn tables(&self) -> &'static [&'static str];

    /// Creates the tables (if they do not exist) and their indexes, named with `suffix`.
    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()>;

    /// Applies events, in position order, to the tables named with `suffix`. Runs inside the
    /// caller's transaction; events of types the projection does not handle are skipped.
    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()>;
}

/// `{table}{suffix}`: the only way projection code should name a table in SQL.
pub fn table_name(table: &str, suffix: &str) -> String {
    debug_assert!(is_identifier(table) && (suffix.is_empty() || is_identifier(suffix)), "{table}{suffix}");
    format!("{table}{suffix}")
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
}

/// Begins a transaction that will write. SQLite takes the write lock at once (`BEGIN
/// IMMEDIATE`), so a transaction never fails half-way when upgrading a read lock.
pub async fn begin_write(connection: &mut AnyConnection) -> Result<Transaction<'_, Any>, sqlx::Error> {
    if is_sqlite(connection) { connection.begin_with("BEGIN IMMEDIATE").await } else { connection.begin().await }
}

pub(crate) fn is_sqlite(connection: &AnyConnection) -> bool {
    connection.backend_name().eq_ignore_ascii_case("sqlite")
}

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn to_i64(position: u64) -> i64 {
    i64::try_from(position).expect("global positions stay below i64::MAX")
}

/// Creates the checkpoint table if it does not exist.
pub async fn ensure_checkpoint_table(connection: &mut AnyConnection) -> ProjectionResult<()> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS projection_checkpoints (\
         name TEXT PRIMARY KEY, position BIGINT NOT NULL, updated_at BIGINT)",
    )
    .execute(&mut *connection)
    .await?;
    crate::kafka::ensure_marks_table(connection).await?;
    Ok(())
}

/// The checkpoint of a projection, `None` when it never ran.
pub async fn checkpoint(pool: &AnyPool, name: &str) -> ProjectionResult<Option<u64>> {
    let mut connection = pool.acquire().await?;
    ensure_checkpoint_table(&mut connection).await?;
    read_checkpoint(&mut connection, name).await
}

async fn read_checkpoint(connection: &mut AnyConnection, name: &str) -> ProjectionResult<Option<u64>> {
    let row: Option<AnyRow> = sqlx::query("SELECT position FROM projection_checkpoints WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *connection)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let position: i64 = row.try_get("position")?;
    u64::try_from(position)
        .map(Some)
        .map_err(|_| ProjectionError::CorruptRow(format!("checkpoint {name} is {position}")))
}

/// Creates the checkpoint table and, for every projection, its checkpoint row (at 0) and its
/// live tables, where they do not exist yet. The runner does this too, but only once its
/// tasks run: call this at start-up so that queries never meet a missing table.
pub async fn prepare_read_models(pool: &AnyPool, projections: &[Arc<dyn Projection>]) -> ProjectionResult<()> {
    let mut connection = pool.acquire().await?;
    for projection in projections {
        prepare(&mut connection, projection.as_ref()).await?;
    }
    Ok(())
}

/// Creates the checkpoint table, the projection's row (at 0) and its live tables.
async fn prepare(connection: &mut AnyConnection, projection: &dyn Projection) -> ProjectionResult<u64> {
    ensure_checkpoint_table(connection).await?;
    sqlx::query(
        "INSERT INTO projection_checkpoints (name, position, updated_at) VALUES ($1, 0, $2) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(projection.name())
    .bind(now_micros())
    .execute(&mut *connection)
    .await?;
    projection.create_tables(connection, "").await?;
    Ok(read_checkpoint(connection, projection.name()).await?.unwrap_or(0))
}

/// What a batch did to the checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BatchOutcome {
    /// Committed; the checkpoint is now at this position.
    Applied(u64),
    /// The checkpoint was not where this task left it; nothing was committed.
    CheckpointMoved,
}

/// Applies `events` to the live tables and moves the checkpoint from `expected_position` to
/// the last event's position, in one transaction, or does neither.
pub(crate) async fn apply_batch(
    connection: &mut AnyConnection,
    projection: &dyn Projection,
    expected_position: u64,
    events: &[EventEnvelope],
) -> ProjectionResult<BatchOutcome> {
    let Some(last) = events.last() else { return Ok(BatchOutcome::Applied(expected_position)) };
    debug_assert!(events.windows(2).all(|pair| pair[0].global_position < pair[1].global_position));
    debug_assert!(events[0].global_position > expected_position);
    let mut transaction = begin_write(connection).await?;
    let written = async {
        projection.apply(&mut transaction, "", events).await?;
        let updated = sqlx::query(
            "UPDATE projection_checkpoints SET position = $1, updated_at = $2 WHERE name = $3 AND position = $4",
        )
        .bind(to_i64(last.global_position))
        .bind(now_micros())
        .bind(projection.name())
        .bind(to_i64(expected_position))
        .execute(&mut *transaction)
        .await?;
        Ok::<bool, ProjectionError>(updated.rows_affected() == 1)
    }
    .await;
    match written {
        Ok(true) => {
            transaction.commit().await?;
            Ok(BatchOutcome::Applied(last.global_position))
        }
        Ok(false) => {
            transaction.rollback().await?;
            Ok(BatchOutcome::CheckpointMoved)
        }
        Err(error) => {
            // The rollback's own failure would hide the cause; dropping the transaction
            // rolls back anyway.
            let _ = transaction.rollback().await;
            Err(error)
        }
    }
}

/// Where one projection stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProjectionStatus {
    pub name: &'static str,
    /// The checkpoint: every event up to here is in the read model.
    pub position: u64,
    /// The event store's head as this process last saw it.
    pub head: u64,
    /// `head - position`: events written but not yet readable through this projection.
    pub lag: u64,
    /// The error that stopped the last attempt, until a batch commits again.
    pub last_error: Option<String>,
}

/// Starts one follower task per projection.
pub struct ProjectionRunner;

impl ProjectionRunner {
    /// Starts following the log. Each task creates its tables and checkpoint row if needed,
    /// catches up from its checkpoint, then follows live appends. A failing batch is rolled
    /// back and retried with a growing delay (the error shows in [`RunnerHandle::status`]).
    ///
    /// Must be called inside a tokio runtime. The tasks stop when the last clone of the
    /// handle is dropped, or at [`RunnerHandle::shutdown`].
    pub fn start(store: SharedEventStore, pool: AnyPool, projections: Vec<Arc<dyn Projection>>) -> RunnerHandle {
        let (shutdown, shutdown_receiver) = watch::channel(false);
        // Tasks of one process create shared tables one at a time: concurrent
        // `CREATE TABLE IF NOT EXISTS` can still clash in PostgreSQL's catalog.
        let schema_lock = Arc::new(tokio::sync::Mutex::new(()));
        let mut slots = Vec::with_capacity(projections.len());
        let mut tasks = Vec::with_capacity(projections.len());
        for projection in projections {
            let (position_sender, position) = watch::channel(0);
            let last_error = Arc::new(Mutex::new(None));
            slots.push(ProjectionSlot {
                name: projection.name(),
                projection: Arc::clone(&projection),
                position,
                last_error: Arc::clone(&last_error),
            });
            let follower = Follower {
                store: Arc::clone(&store),
                pool: pool.clone(),
                projection,
                position: position_sender,
                last_error,
                shutdown: shutdown_receiver.clone(),
                schema_lock: Arc::clone(&schema_lock),
            };
            tasks.push(tokio::spawn(follower.run()));
        }
        RunnerHandle {
            inner: Arc::new(RunnerInner {
                head: store.head(),
                slots,
                shutdown,
                tasks: Mutex::new(tasks),
                distributed: None,
            }),
        }
    }

    /// The view of a node in the distributed mode, where Kafka consumers (possibly on other
    /// nodes, see [`crate::kafka`]) run the projections: status comes from the shared
    /// checkpoint rows, and [`RunnerHandle::wait_for`] waits on the per-tenant marks.
    pub fn follow_distributed(
        store: SharedEventStore,
        pool: AnyPool,
        projections: Vec<Arc<dyn Projection>>,
    ) -> RunnerHandle {
        let (shutdown, mut shutdown_receiver) = watch::channel(false);
        let count = projections.len();
        let mut slots = Vec::with_capacity(count);
        let mut senders = Vec::with_capacity(count);
        for projection in projections {
            let (sender, position) = watch::channel(0);
            let name = projection.name();
            slots.push(ProjectionSlot { name, projection, position, last_error: Arc::new(Mutex::new(None)) });
            senders.push((name, sender));
        }
        let poll_pool = pool.clone();
        let poller = tokio::spawn(async move {
            loop {
                match sqlx::query("SELECT name, position FROM projection_checkpoints").fetch_all(&poll_pool).await {
                    Ok(rows) => {
                        for row in rows {
                            let (Ok(name), Ok(position)) =
                                (row.try_get::<String, _>("name"), row.try_get::<i64, _>("position"))
                            else {
                                continue;
                            };
                            if let Some((_, sender)) = senders.iter().find(|(known, _)| *known == name) {
                                sender.send_replace(u64::try_from(position).unwrap_or(0));
                            }
                        }
                    }
                    Err(error) => tracing::debug!(%error, "reading the projection checkpoints"),
                }
                tokio::select! {
                    () = tokio::time::sleep(DISTRIBUTED_STATUS_POLL) => {}
                    _ = shutdown_receiver.changed() => return,
                }
            }
        });
        RunnerHandle {
            inner: Arc::new(RunnerInner {
                head: store.head(),
                slots,
                shutdown,
                tasks: Mutex::new(vec![poller]),
                distributed: Some(DistributedWait { store, pool, projections: count }),
            }),
        }
    }
}

/// How often a distributed node re-reads where the projections stand.
const DISTRIBUTED_STATUS_POLL: Duration = Duration::from_millis(250);

/// How often a distributed node looks whether its write has been applied.
const DISTRIBUTED_WAIT_POLL: Duration = Duration::from_millis(10);

/// Read-your-writes in the distributed mode: the marks of the tenant that wrote.
struct DistributedWait {
    store: SharedEventStore,
    pool: AnyPool,
    projections: usize,
}

impl DistributedWait {
    async fn wait_for(&self, position: u64) -> ProjectionResult<bool> {
        if position == 0 {
            return Ok(true);
        }
        // Projectors follow partitions, not the global order: ask about the tenant whose
        // event sits at `position`.
        let Some(event) = self.store.read_all(Scope::Global, position - 1, 1).await?.into_iter().next() else {
            return Ok(false);
        };
        loop {
            if crate::kafka::marks_reached(&self.pool, event.tenant_id, event.global_position).await?
                >= self.projections
            {
                return Ok(true);
            }
            tokio::time::sleep(DISTRIBUTED_WAIT_POLL).await;
        }
    }
}

/// A cheap, cloneable view on the running projections; dropping the last clone stops them.
#[derive(Clone)]
pub struct RunnerHandle {
    inner: Arc<RunnerInner>,
}

struct RunnerInner {
    head: watch::Receiver<u64>,
    slots: Vec<ProjectionSlot>,
    shutdown: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// Set on distributed nodes, where the projections run in Kafka consumers.
    distributed: Option<DistributedWait>,
}

struct ProjectionSlot {
    name: &'static str,
    /// The projection itself, for forks of what this process runs.
    projection: Arc<dyn Projection>,
    position: watch::Receiver<u64>,
    last_error: Arc<Mutex<Option<String>>>,
}

impl Drop for RunnerInner {
    fn drop(&mut self) {
        // Tasks only look at the signal between batches, so none stops half-way through a
        // transaction.
        self.shutdown.send_replace(true);
    }
}

impl RunnerHandle {
    /// The running projection of that name (to [`fork`] it).
    pub fn projection(&self, name: &str) -> Option<Arc<dyn Projection>> {
        self.inner.slots.iter().find(|slot| slot.name == name).map(|slot| Arc::clone(&slot.projection))
    }

    /// Position, head and lag of every projection, in start order.
    pub fn status(&self) -> Vec<ProjectionStatus> {
        self.status_at(*self.inner.head.borrow())
    }

    fn status_at(&self, head: u64) -> Vec<ProjectionStatus> {
        self.inner
            .slots
            .iter()
            .map(|slot| {
                let position = *slot.position.borrow();
                ProjectionStatus {
                    name: slot.name,
                    position,
                    head,
                    lag: head.saturating_sub(position),
                    last_error: slot.last_error.lock().expect("no panic while holding the error").clone(),
                }
            })
            .collect()
    }

    /// The projection gauges in the Prometheus text format (served at `/metrics`).
    pub fn prometheus_text(&self) -> String {
        let head = *self.inner.head.borrow();
        let statuses = self.status_at(head);
        let mut text = String::new();
        let mut gauge = |metric: &str, help: &str, samples: Vec<(Option<&str>, u64)>| {
            let _ = writeln!(text, "# HELP {metric} {help}");
            let _ = writeln!(text, "# TYPE {metric} gauge");
            for (projection, value) in samples {
                match projection {
                    Some(name) => {
                        let _ = writeln!(text, "{metric}{{projection=\"{}\"}} {value}", escape_label(name));
                    }
                    None => {
                        let _ = writeln!(text, "{metric} {value}");
                    }
                }
            }
        };
        gauge(
            "hotline_event_store_head_position",
            "Highest global position readable in the event store.",
            vec![(None, head)],
        );
        gauge(
            "hotline_projection_position",
            "Global position up to which the projection has applied events (its checkpoint).",
            statuses.iter().map(|status| (Some(status.name), status.position)).collect(),
        );
        gauge(
            "hotline_projection_lag_events",
            "Events in the store that the projection has not applied yet.",
            statuses.iter().map(|status| (Some(status.name), status.lag)).collect(),
        );
        gauge(
            "hotline_projection_failing",
            "1 while the projection's last batch failed and is being retried (see the log), else 0.",
            statuses.iter().map(|status| (Some(status.name), u64::from(status.last_error.is_some()))).collect(),
        );
        text
    }

    /// Waits until every projection's checkpoint is at least `position` (so a caller can read
    /// its own write). False when `timeout` passes first or the runner stopped.
    pub async fn wait_for(&self, position: u64, timeout: Duration) -> bool {
        if let Some(distributed) = &self.inner.distributed {
            return matches!(tokio::time::timeout(timeout, distributed.wait_for(position)).await, Ok(Ok(true)));
        }
        let waits = self.inner.slots.iter().map(|slot| {
            let mut receiver = slot.position.clone();
            async move { receiver.wait_for(|current| *current >= position).await.is_ok() }
        });
        match tokio::time::timeout(timeout, futures::future::join_all(waits)).await {
            Ok(results) => results.into_iter().all(|reached| reached),
            Err(_elapsed) => false,
        }
    }

    /// Asks every task to stop after its current batch and waits until they have.
    pub async fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
        let tasks = std::mem::take(&mut *self.inner.tasks.lock().expect("no panic while holding the task list"));
        for task in tasks {
            if let Err(error) = task.await {
                tracing::error!(%error, "projection task panicked");
            }
        }
    }
}

fn escape_label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// One projection's task.
struct Follower {
    store: SharedEventStore,
    pool: AnyPool,
    projection: Arc<dyn Projection>,
    position: watch::Sender<u64>,
    last_error: Arc<Mutex<Option<String>>>,
    shutdown: watch::Receiver<bool>,
    schema_lock: Arc<tokio::sync::Mutex<()>>,
}

enum FollowEnd {
    Shutdown,
    CheckpointMoved,
}

impl Follower {
    async fn run(mut self) {
        let name = self.projection.name();
        let mut retry_delay = FIRST_RETRY_DELAY;
        loop {
            if *self.shutdown.borrow_and_update() {
                return;
            }
            match self.follow().await {
                Ok(FollowEnd::Shutdown) => return,
                Ok(FollowEnd::CheckpointMoved) => {
                    tracing::info!(projection = name, "checkpoint moved by someone else; reloading");
                    retry_delay = FIRST_RETRY_DELAY;
                }
                Err(error) => {
                    tracing::warn!(projection = name, %error, retry_in_ms = retry_delay.as_millis() as u64, "projection failed");
                    *self.last_error.lock().expect("no panic while holding the error") = Some(error.to_string());
                    tokio::select! {
                        () = tokio::time::sleep(retry_delay) => {}
                        _ = self.shutdown.changed() => return,
                    }
                    retry_delay = (retry_delay * 2).min(LAST_RETRY_DELAY);
                }
            }
        }
    }

    /// Loads the checkpoint and follows the log from it until shutdown, a moved checkpoint
    /// or an error.
    async fn follow(&mut self) -> ProjectionResult<FollowEnd> {
        let mut position = {
            let _schema_guard = self.schema_lock.lock().await;
            let mut connection = self.pool.acquire().await?;
            prepare(&mut connection, self.projection.as_ref()).await?
        };
        self.position.send_replace(position);
        let mut batches = subscribe(Arc::clone(&self.store), Scope::Global, position).ready_chunks(BATCH_SIZE);
        loop {
            let chunk = tokio::select! {
                biased;
                _ = self.shutdown.changed() => return Ok(FollowEnd::Shutdown),
                chunk = batches.next() => chunk,
            };
            let Some(chunk) = chunk else { return Err(ProjectionError::SubscriptionEnded) };
            let mut events = Vec::with_capacity(chunk.len());
            let mut read_error = None;
            for item in chunk {
                match item {
                    Ok(envelope) => events.push(envelope),
                    Err(error) => {
                        read_error = Some(error);
                        break;
                    }
                }
            }
            if !events.is_empty() {
                let mut connection = self.pool.acquire().await?;
                match apply_batch(&mut connection, self.projection.as_ref(), position, &events).await? {
                    BatchOutcome::Applied(applied) => {
                        position = applied;
                        self.position.send_replace(position);
                        self.last_error.lock().expect("no panic while holding the error").take();
                    }
                    BatchOutcome::CheckpointMoved => return Ok(FollowEnd::CheckpointMoved),
                }
            }
            if let Some(error) = read_error {
                return Err(error.into());
            }
        }
    }
}

/// What a rebuild did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuildReport {
    pub projection: &'static str,
    /// Events read from the log and given to the projection (including skipped types).
    pub events: u64,
    /// The checkpoint after the swap: the last position applied.
    pub position: u64,
    pub elapsed: Duration,
}

/// Rebuilds a projection into fresh `{table}__rebuild` tables and swaps them in.
///
/// Replays the events after `from_position` (0: the whole log; otherwise the new tables hold
/// only what the later events produce) in batches while the live tables keep serving. Then
/// one transaction applies the tail written meanwhile, drops the live tables, renames the
/// new ones into their place and sets the checkpoint to the last applied position. A runner
/// following the same projection notices the moved checkpoint and reloads it; what it had
/// written to the old tables is in the new ones too, since the swap reads the log up to a
/// head at least as far as anything the runner committed.
///
/// Run one rebuild of a projection at a time: a second one would drop the first one's tables.
pub async fn rebuild(
    store: &dyn EventStore,
    pool: &AnyPool,
    projection: &dyn Projection,
    from_position: u64,
) -> ProjectionResult<RebuildReport> {
    let started = Instant::now();
    let mut connection = pool.acquire().await?;
    ensure_checkpoint_table(&mut connection).await?;
    drop_tables(&mut connection, projection, REBUILD_SUFFIX).await?;
    let outcome = replay_and_swap(store, &mut connection, projection, from_position).await;
    if outcome.is_err() {
        // Leftovers are dropped again by the next rebuild; this is only tidiness.
        let _ = drop_tables(&mut connection, projection, REBUILD_SUFFIX).await;
    }
    let (events, position) = outcome?;
    let elapsed = started.elapsed();
    tracing::info!(
        projection = projection.name(),
        events,
        position,
        elapsed_ms = elapsed.as_millis() as u64,
        "projection rebuilt"
    );
    Ok(RebuildReport { projection: projection.name(), events, position, elapsed })
}

async fn drop_tables(
    connection: &mut AnyConnection,
    projection: &dyn Projection,
    suffix: &str,
) -> ProjectionResult<()> {
    for table in projection.tables() {
        let sql = format!("DROP TABLE IF EXISTS {}", table_name(table, suffix));
        sqlx::query(AssertSqlSafe(sql)).execute(&mut *connection).await?;
    }
    Ok(())
}

/// Returns the number of events replayed and the last applied position.
async fn replay_and_swap(
    store: &dyn EventStore,
    connection: &mut AnyConnection,
    projection: &dyn Projection,
    from_position: u64,
) -> ProjectionResult<(u64, u64)> {
    projection.create_tables(connection, REBUILD_SUFFIX).await?;
    // The swap locks this row, so it must exist before.
    sqlx::query(
        "INSERT INTO projection_checkpoints (name, position, updated_at) VALUES ($1, 0, $2) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(projection.name())
    .bind(now_micros())
    .execute(&mut *connection)
    .await?;
    let mut cursor = from_position;
    let mut events_replayed = 0;
    // Reading and applying overlap: the reader fetches the next pages (at most
    // `PAGES_READ_AHEAD` ahead) while the current one is applied. Both run in this task (the
    // store is borrowed), joined, so an error on either side ends both.
    let (pages_sender, mut pages) = tokio::sync::mpsc::channel::<Vec<EventEnvelope>>(PAGES_READ_AHEAD);
    let reader = async move {
        let mut cursor = from_position;
        loop {
            let page = store.read_all(Scope::Global, cursor, BATCH_SIZE).await?;
            let Some(last) = page.last() else { break };
            cursor = last.global_position;
            let full = page.len() == BATCH_SIZE;
            if pages_sender.send(page).await.is_err() || !full {
                break;
            }
        }
        Ok::<(), ProjectionError>(())
    };
    let applier = async {
        while let Some(page) = pages.recv().await {
            let last_position = page.last().expect("the reader sends no empty page").global_position;
            let mut transaction = begin_write(connection).await?;
            projection.apply(&mut transaction, REBUILD_SUFFIX, &page).await?;
            transaction.commit().await?;
            cursor = last_position;
            events_replayed += page.len() as u64;
        }
        Ok::<&mut AnyConnection, ProjectionError>(connection)
    };
    // An applier error drops the receiver, which stops the reader at its next send.
    let (read, applied) = futures::future::join(reader, applier).await;
    let connection = applied?;
    read?;

    // The swap. It locks the live tables (by dropping them), then the checkpoint row: the
    // order a runner's batch takes them in, so the two cannot deadlock in PostgreSQL. Once
    // both are held, no runner batch can commit until the swap has (SQLite's write lock
    // gives the same), and every batch committed before read its events from the store
    // already: the tail read below reaches at least as far, so the new tables and the new
    // checkpoint are never behind what the runner had, and a runner batch that commits
    // after the swap fails its checkpoint check unless it starts exactly where the swap ended.
    let mut transaction = begin_write(connection).await?;
    drop_tables(&mut transaction, projection, "").await?;
    sqlx::query("UPDATE projection_checkpoints SET updated_at = $1 WHERE name = $2")
        .bind(now_micros())
        .bind(projection.name())
        .execute(&mut *transaction)
        .await?;
    loop {
        let page = store.read_all(Scope::Global, cursor, BATCH_SIZE).await?;
        let Some(last) = page.last() else { break };
        let last_position = last.global_position;
        projection.apply(&mut transaction, REBUILD_SUFFIX, &page).await?;
        cursor = last_position;
        events_replayed += page.len() as u64;
    }
    for table in projection.tables() {
        let sql = format!("ALTER TABLE {} RENAME TO {}", table_name(table, REBUILD_SUFFIX), table_name(table, ""));
        sqlx::query(AssertSqlSafe(sql)).execute(&mut *transaction).await?;
        rename_indexes(&mut transaction, table, REBUILD_SUFFIX).await?;
    }
    sqlx::query(
        "INSERT INTO projection_checkpoints (name, position, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
    )
    .bind(projection.name())
    .bind(to_i64(cursor))
    .bind(now_micros())
    .execute(&mut *transaction)
    .await?;
    // A Kafka projector skips what the new tables already hold.
    crate::kafka::raise_floor(&mut transaction, projection.name(), cursor).await?;
    transaction.commit().await?;
    Ok((events_replayed, cursor))
}

/// Where a fork's replay stops: after the event at a position, or after the last event
/// recorded at or before a time (positions follow the store's clock, so that is a prefix of
/// the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForkBound {
    Position(u64),
    Time(chrono::DateTime<chrono::Utc>),
}

impl ForkBound {
    fn admits(&self, envelope: &EventEnvelope) -> bool {
        match self {
            ForkBound::Position(position) => envelope.global_position <= *position,
            ForkBound::Time(time) => envelope.recorded_at <= *time,
        }
    }
}

/// What a fork did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkReport {
    pub projection: &'static str,
    pub name: String,
    /// Events read from the log and given to the projection (including skipped types).
    pub events: u64,
    /// The last position applied (0 when the bound is before the first event).
    pub position: u64,
    pub elapsed: Duration,
}

/// A fork found in the read-model database: its name and its tables (with the suffix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkListing {
    pub name: String,
    pub tables: Vec<String>,
}

/// Between a table's name and a fork's name.
pub const FORK_SUFFIX_PREFIX: &str = "__fork_";

/// The longest fork name.
pub const MAX_FORK_NAME: usize = 32;

/// Checks a fork name: 1 to 32 lowercase ASCII letters, digits and underscores.
pub fn validate_fork_name(name: &str) -> ProjectionResult<()> {
    let valid = !name.is_empty()
        && name.len() <= MAX_FORK_NAME
        && name.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_');
    if valid {
        Ok(())
    } else {
        Err(ProjectionError::InvalidFork(format!(
            "a fork name is 1 to {MAX_FORK_NAME} lowercase letters, digits and underscores, not {name:?}"
        )))
    }
}

/// `__fork_{name}`: the suffix of a fork's tables.
pub fn fork_suffix(name: &str) -> ProjectionResult<String> {
    validate_fork_name(name)?;
    Ok(format!("{FORK_SUFFIX_PREFIX}{name}"))
}

/// Builds a projection's tables as `{table}__fork_{name}` from the log up to `bound`, leaving
/// the live tables and the checkpoint alone, and records what it was built to and by whom
/// (`made_by`: an actor, or the command line) in `projection_forks`. A fork of the same name
/// is replaced.
pub async fn fork(
    store: &dyn EventStore,
    pool: &AnyPool,
    projection: &dyn Projection,
    name: &str,
    bound: ForkBound,
    made_by: &str,
) -> ProjectionResult<ForkReport> {
    let started = Instant::now();
    let suffix = fork_suffix(name)?;
    let mut connection = pool.acquire().await?;
    drop_tables(&mut connection, projection, &suffix).await?;
    let outcome = replay_until(store, &mut connection, projection, &suffix, bound).await;
    if outcome.is_err() {
        let _ = drop_tables(&mut connection, projection, &suffix).await;
    }
    let (events, position) = outcome?;
    let record = ForkRecord {
        projection: projection.name().to_owned(),
        name: name.to_owned(),
        bound,
        position,
        events,
        made_at: chrono::Utc::now(),
        made_by: made_by.to_owned(),
    };
    record_fork(&mut connection, &record).await?;
    let elapsed = started.elapsed();
    tracing::info!(projection = projection.name(), fork = name, events, position, made_by, "projection forked");
    Ok(ForkReport { projection: projection.name(), name: name.to_owned(), events, position, elapsed })
}

/// Returns the number of events replayed and the last applied position.
async fn replay_until(
    store: &dyn EventStore,
    connection: &mut AnyConnection,
    projection: &dyn Projection,
    suffix: &str,
    bound: ForkBound,
) -> ProjectionResult<(u64, u64)> {
    projection.create_tables(connection, suffix).await?;
    let (mut cursor, mut events_replayed) = (0, 0);
    loop {
        let page = store.read_all(Scope::Global, cursor, BATCH_SIZE).await?;
        let full = page.len() == BATCH_SIZE;
        let within: Vec<EventEnvelope> = page.into_iter().take_while(|envelope| bound.admits(envelope)).collect();
        let reached_bound = full && within.len() < BATCH_SIZE;
        let Some(last) = within.last() else { break };
        let last_position = last.global_position;
        let mut transaction = begin_write(connection).await?;
        projection.apply(&mut transaction, suffix, &within).await?;
        transaction.commit().await?;
        cursor = last_position;
        events_replayed += within.len() as u64;
        if !full || reached_bound {
            break;
        }
    }
    Ok((events_replayed, cursor))
}

/// Every fork in the read-model database, by name.
pub async fn list_forks(pool: &AnyPool) -> ProjectionResult<Vec<ForkListing>> {
    let mut connection = pool.acquire().await?;
    let tables: Vec<String> = if is_sqlite(&connection) {
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&mut *connection)
            .await?
    } else {
        sqlx::query_scalar(
            "SELECT tablename::text AS tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
        )
        .fetch_all(&mut *connection)
        .await?
    };
    let mut forks: Vec<ForkListing> = Vec::new();
    for table in tables {
        let Some((_, name)) = table.split_once(FORK_SUFFIX_PREFIX) else { continue };
        if validate_fork_name(name).is_err() {
            continue;
        }
        match forks.iter_mut().find(|fork| fork.name == name) {
            Some(fork) => fork.tables.push(table.clone()),
            None => forks.push(ForkListing { name: name.to_owned(), tables: vec![table.clone()] }),
        }
    }
    forks.sort_by(|left, right| left.name.cmp(&right.name));
    Ok(forks)
}

/// Drops every table of the fork `name`; returns the tables dropped (none: no such fork).
pub async fn drop_fork(pool: &AnyPool, name: &str) -> ProjectionResult<Vec<String>> {
    validate_fork_name(name)?;
    let Some(fork) = list_forks(pool).await?.into_iter().find(|fork| fork.name == name) else {
        return Ok(Vec::new());
    };
    let mut connection = pool.acquire().await?;
    for table in &fork.tables {
        sqlx::query(AssertSqlSafe(format!("DROP TABLE IF EXISTS {table}"))).execute(&mut *connection).await?;
    }
    ensure_fork_records(&mut connection).await?;
    sqlx::query("DELETE FROM projection_forks WHERE name = $1").bind(name).execute(&mut *connection).await?;
    Ok(fork.tables)
}

/// Drops the fork `name` of one projection (its tables and its record), leaving the other
/// projections' forks of that name; returns the tables dropped (none: no such fork).
pub async fn drop_projection_fork(
    pool: &AnyPool,
    projection: &dyn Projection,
    name: &str,
) -> ProjectionResult<Vec<String>> {
    let suffix = fork_suffix(name)?;
    let existing = list_forks(pool).await?.into_iter().find(|fork| fork.name == name).map(|fork| fork.tables);
    let tables: Vec<String> = projection
        .tables()
        .iter()
        .map(|table| format!("{table}{suffix}"))
        .filter(|table| existing.as_ref().is_some_and(|existing| existing.contains(table)))
        .collect();
    let mut connection = pool.acquire().await?;
    for table in &tables {
        sqlx::query(AssertSqlSafe(format!("DROP TABLE IF EXISTS {table}"))).execute(&mut *connection).await?;
    }
    ensure_fork_records(&mut connection).await?;
    sqlx::query("DELETE FROM projection_forks WHERE projection = $1 AND name = $2")
        .bind(projection.name())
        .bind(name)
        .execute(&mut *connection)
        .await?;
    Ok(tables)
}

/// What was recorded of a fork when it was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkRecord {
    pub projection: String,
    pub name: String,
    pub bound: ForkBound,
    /// The last position applied (0 when the bound is before the first event).
    pub position: u64,
    /// Events read from the log.
    pub events: u64,
    pub made_at: chrono::DateTime<chrono::Utc>,
    /// The actor who asked for it, or `command line`.
    pub made_by: String,
}

/// The records of the forks built so far (a fork's tables may have been dropped by hand
/// since: [`list_forks`] says which exist).
pub async fn fork_records(pool: &AnyPool) -> ProjectionResult<Vec<ForkRecord>> {
    let mut connection = pool.acquire().await?;
    ensure_fork_records(&mut connection).await?;
    let rows = sqlx::query(
        "SELECT projection, name, to_position, to_time_micros, position, events, created_at_micros, created_by \
         FROM projection_forks ORDER BY projection, name",
    )
    .fetch_all(&mut *connection)
    .await?;
    rows.iter().map(fork_record_from_row).collect()
}

fn fork_record_from_row(row: &AnyRow) -> ProjectionResult<ForkRecord> {
    let name: String = row.try_get("name")?;
    let corrupt = |what: &str| ProjectionError::CorruptRow(format!("fork record {name}: {what}"));
    let unsigned = |column: &str| -> ProjectionResult<u64> {
        u64::try_from(row.try_get::<i64, _>(column)?).map_err(|_| corrupt(column))
    };
    let time = |micros: i64| chrono::DateTime::from_timestamp_micros(micros).ok_or_else(|| corrupt("time"));
    let bound = match (row.try_get::<Option<i64>, _>("to_position")?, row.try_get::<Option<i64>, _>("to_time_micros")?)
    {
        (Some(position), None) => ForkBound::Position(u64::try_from(position).map_err(|_| corrupt("to_position"))?),
        (None, Some(micros)) => ForkBound::Time(time(micros)?),
        _ => return Err(corrupt("bound")),
    };
    Ok(ForkRecord {
        projection: row.try_get("projection")?,
        bound,
        position: unsigned("position")?,
        events: unsigned("events")?,
        made_at: time(row.try_get("created_at_micros")?)?,
        made_by: row.try_get("created_by")?,
        name,
    })
}

async fn ensure_fork_records(connection: &mut AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS projection_forks (projection TEXT NOT NULL, name TEXT NOT NULL, \
         to_position BIGINT, to_time_micros BIGINT, position BIGINT NOT NULL, events BIGINT NOT NULL, \
         created_at_micros BIGINT NOT NULL, created_by TEXT NOT NULL, PRIMARY KEY (projection, name))",
    )
    .execute(&mut *connection)
    .await?;
    Ok(())
}

async fn record_fork(connection: &mut AnyConnection, record: &ForkRecord) -> Result<(), sqlx::Error> {
    ensure_fork_records(connection).await?;
    let (to_position, to_time) = match record.bound {
        ForkBound::Position(position) => (Some(to_i64(position)), None),
        ForkBound::Time(time) => (None, Some(time.timestamp_micros())),
    };
    sqlx::query(
        "INSERT INTO projection_forks \
         (projection, name, to_position, to_time_micros, position, events, created_at_micros, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (projection, name) DO UPDATE SET to_position = excluded.to_position, \
         to_time_micros = excluded.to_time_micros, position = excluded.position, events = excluded.events, \
         created_at_micros = excluded.created_at_micros, created_by = excluded.created_by",
    )
    .bind(record.projection.as_str())
    .bind(record.name.as_str())
    .bind(to_position)
    .bind(to_time)
    .bind(to_i64(record.position))
    .bind(to_i64(record.events))
    .bind(record.made_at.timestamp_micros())
    .bind(record.made_by.as_str())
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Gives the indexes of a just-renamed table their live names (`users__rebuild_pkey` ->
/// `users_pkey`), so the next rebuild can create its own under the suffixed names again.
/// PostgreSQL renames in place; SQLite cannot rename an index, so it is recreated (SQLite
/// already renames the indexes behind PRIMARY KEY and UNIQUE constraints itself).
async fn rename_indexes(connection: &mut AnyConnection, table: &str, suffix: &str) -> ProjectionResult<()> {
    if is_sqlite(connection) {
        let rows = sqlx::query(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL",
        )
        .bind(table)
        .fetch_all(&mut *connection)
        .await?;
        for row in rows {
            let index: String = row.try_get("name")?;
            let definition: String = row.try_get("sql")?;
            if !index.contains(suffix) {
                continue;
            }
            let live_name = index.replacen(suffix, "", 1);
            sqlx::query(AssertSqlSafe(format!("DROP INDEX \"{index}\""))).execute(&mut *connection).await?;
            // The definition starts `CREATE [UNIQUE] INDEX [IF NOT EXISTS] <name> ON`; after the
            // table rename the index name is its first occurrence of the suffix.
            let recreate = definition.replacen(&index, &live_name, 1);
            sqlx::query(AssertSqlSafe(recreate)).execute(&mut *connection).await?;
        }
    } else {
        let indexes: Vec<String> = sqlx::query_scalar(
            "SELECT indexname::text AS indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1",
        )
        .bind(table)
        .fetch_all(&mut *connection)
        .await?;
        for index in indexes.iter().filter(|index| index.contains(suffix)) {
            let live_name = index.replacen(suffix, "", 1);
            sqlx::query(AssertSqlSafe(format!("ALTER INDEX \"{index}\" RENAME TO \"{live_name}\"")))
                .execute(&mut *connection)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use chrono::{DateTime, Utc};
    use hotline_domain::{Actor, StreamId};
    use uuid::Uuid;

    use super::*;

    /// Writes one row per event; refuses events of type `hotline.test.poison` after writing
    /// their row, so a rollback is the only way the row can disappear.
    struct EventLog;

    #[async_trait]
    impl Projection for EventLog {
        fn name(&self) -> &'static str {
            "test_event_log"
        }

        fn tables(&self) -> &'static [&'static str] {
            &["test_event_log"]
        }

        async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
            let sql = format!(
                "CREATE TABLE IF NOT EXISTS {} (position BIGINT PRIMARY KEY, event_type TEXT NOT NULL)",
                table_name("test_event_log", suffix)
            );
            sqlx::query(AssertSqlSafe(sql)).execute(&mut *connection).await?;
            Ok(())
        }

        async fn apply(
            &self,
            connection: &mut AnyConnection,
            suffix: &str,
            events: &[EventEnvelope],
        ) -> ProjectionResult<()> {
            let sql = format!(
                "INSERT INTO {} (position, event_type) VALUES ($1, $2) ON CONFLICT (position) DO NOTHING",
                table_name("test_event_log", suffix)
            );
            for event in events {
                sqlx::query(AssertSqlSafe(sql.as_str()))
                    .bind(event.global_position as i64)
                    .bind(event.event_type.as_str())
                    .execute(&mut *connection)
                    .await?;
                if event.event_type == "hotline.test.poison" {
                    return Err(ProjectionError::Apply { position: event.global_position, reason: "poison".into() });
                }
            }
            Ok(())
        }
    }

    fn envelope(position: u64, event_type: &str) -> EventEnvelope {
        let at = DateTime::<Utc>::from_timestamp_micros(1_700_000_000_000_000).expect("valid time");
        EventEnvelope {
            id: Uuid::from_u128(position as u128),
            event_type: event_type.to_owned(),
            schema_version: 1,
            tenant_id: Uuid::from_u128(1),
            stream_id: StreamId::new("test", Uuid::from_u128(2)),
            stream_version: position,
            global_position: position,
            occurred_at: at,
            recorded_at: at,
            actor: Actor::system("test"),
            correlation_id: Uuid::from_u128(3),
            causation_id: Uuid::from_u128(3),
            payload: serde_json::json!({}),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    struct TempDatabase {
        directory: PathBuf,
        pool: AnyPool,
    }

    impl Drop for TempDatabase {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.directory);
        }
    }

    async fn temp_database() -> TempDatabase {
        sqlx::any::install_default_drivers();
        let directory = std::env::temp_dir().join(format!("hotline-runner-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&directory).expect("temp dir is writable");
        let url = format!("sqlite://{}/readmodels.db?mode=rwc", directory.display());
        let pool = AnyPool::connect(&url).await.expect("sqlite opens");
        TempDatabase { directory, pool }
    }

    async fn logged_positions(pool: &AnyPool) -> Vec<i64> {
        sqlx::query_scalar("SELECT position FROM test_event_log ORDER BY position").fetch_all(pool).await.unwrap()
    }

    #[tokio::test]
    async fn failed_apply_rolls_back_read_model_and_checkpoint_together() {
        let database = temp_database().await;
        let mut connection = database.pool.acquire().await.unwrap();
        assert_eq!(prepare(&mut connection, &EventLog).await.unwrap(), 0);

        let first = [envelope(1, "hotline.test.fine"), envelope(2, "hotline.test.fine")];
        assert_eq!(apply_batch(&mut connection, &EventLog, 0, &first).await.unwrap(), BatchOutcome::Applied(2));

        let poisoned = [envelope(3, "hotline.test.fine"), envelope(4, "hotline.test.poison")];
        let error = apply_batch(&mut connection, &EventLog, 2, &poisoned).await.unwrap_err();
        assert!(matches!(error, ProjectionError::Apply { position: 4, .. }), "{error}");
        drop(connection);

        assert_eq!(logged_positions(&database.pool).await, vec![1, 2]);
        assert_eq!(checkpoint(&database.pool, "test_event_log").await.unwrap(), Some(2));
    }

    #[tokio::test]
    async fn batch_with_a_stale_checkpoint_writes_nothing() {
        let database = temp_database().await;
        let mut connection = database.pool.acquire().await.unwrap();
        prepare(&mut connection, &EventLog).await.unwrap();
        let first = [envelope(1, "hotline.test.fine")];
        apply_batch(&mut connection, &EventLog, 0, &first).await.unwrap();

        // This task believes the checkpoint is still at 0.
        let second = [envelope(2, "hotline.test.fine")];
        let outcome = apply_batch(&mut connection, &EventLog, 0, &second).await.unwrap();
        assert_eq!(outcome, BatchOutcome::CheckpointMoved);
        drop(connection);

        assert_eq!(logged_positions(&database.pool).await, vec![1]);
        assert_eq!(checkpoint(&database.pool, "test_event_log").await.unwrap(), Some(1));
    }

    #[tokio::test]
    async fn a_fork_holds_the_log_up_to_its_bound_and_leaves_the_live_tables_alone() {
        let database = temp_database().await;
        let mut connection = database.pool.acquire().await.unwrap();
        prepare(&mut connection, &EventLog).await.unwrap();
        let first = [envelope(1, "hotline.test.fine"), envelope(2, "hotline.test.fine")];
        apply_batch(&mut connection, &EventLog, 0, &first).await.unwrap();
        drop(connection);
        let directory = std::env::temp_dir().join(format!("hotline-fork-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&directory).unwrap();
        let store = hotline_infra::store::sqlite::SqliteEventStore::open(&directory.join("events.db")).await.unwrap();
        for number in 0..5 {
            store
                .append(hotline_infra::store::AppendRequest {
                    tenant_id: Uuid::from_u128(1),
                    stream_id: StreamId::new("test", Uuid::from_u128(2)),
                    expected_version: hotline_domain::ExpectedVersion::Any,
                    actor: Actor::system("test"),
                    correlation_id: Uuid::now_v7(),
                    causation_id: Uuid::now_v7(),
                    command_id: None,
                    events: vec![hotline_domain::NewEvent::new(
                        Uuid::now_v7(),
                        "hotline.test.fine",
                        1,
                        Utc::now(),
                        serde_json::json!({ "number": number }),
                    )],
                })
                .await
                .unwrap();
        }
        let report =
            fork(&store, &database.pool, &EventLog, "before_4", ForkBound::Position(3), "user:analyst").await.unwrap();
        assert_eq!((report.events, report.position), (3, 3));
        let forked: Vec<i64> =
            sqlx::query_scalar("SELECT position FROM test_event_log__fork_before_4 ORDER BY position")
                .fetch_all(&database.pool)
                .await
                .unwrap();
        assert_eq!(forked, vec![1, 2, 3]);
        assert_eq!(logged_positions(&database.pool).await, vec![1, 2], "the live table is unchanged");
        assert_eq!(checkpoint(&database.pool, "test_event_log").await.unwrap(), Some(2));
        let forks = list_forks(&database.pool).await.unwrap();
        let expected = ForkListing { name: "before_4".into(), tables: vec!["test_event_log__fork_before_4".into()] };
        assert_eq!(forks, vec![expected]);
        let records = fork_records(&database.pool).await.unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(
            (records[0].projection.as_str(), records[0].name.as_str(), records[0].bound, records[0].position),
            ("test_event_log", "before_4", ForkBound::Position(3), 3)
        );
        assert_eq!((records[0].events, records[0].made_by.as_str()), (3, "user:analyst"));
        assert!(fork(&store, &database.pool, &EventLog, "Bad-Name", ForkBound::Position(3), "cli").await.is_err());
        assert_eq!(drop_fork(&database.pool, "before_4").await.unwrap(), vec!["test_event_log__fork_before_4"]);
        assert!(list_forks(&database.pool).await.unwrap().is_empty());
        assert!(fork_records(&database.pool).await.unwrap().is_empty(), "the record goes with the tables");
        let _ = std::fs::remove_dir_all(&directory);
    }

    #[test]
    fn table_names_carry_the_suffix() {
        assert_eq!(table_name("users", ""), "users");
        assert_eq!(table_name("users", REBUILD_SUFFIX), "users__rebuild");
    }
}
