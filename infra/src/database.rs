//! Opening the databases a process works with, from one location.
//!
//! Embedded mode (the zero-config default) keeps everything under one data folder: the event
//! log and the credentials in `events.db`, the read models in `readmodels.db`. A SQLite file
//! must have one writer process, so the folder is claimed with an exclusive lock on
//! `hotline.lock`, held for as long as the [`Database`] lives; a second process fails fast
//! with a message naming the folder instead of fighting over the files.
//!
//! Distributed mode names one PostgreSQL database that holds the event log, the credentials
//! and the read models; any number of processes may share it.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::blobs::BlobStore;
use crate::checkpoints::ProcessCheckpoints;
use crate::secrets::{PostgresSecretStore, SecretStore, SqliteSecretStore};
use crate::store::postgres::PostgresEventStore;
use crate::store::sqlite::SqliteEventStore;
use crate::store::{SharedEventStore, StoreError};

/// The environment variable that switches a process to PostgreSQL.
pub const DATABASE_URL_VARIABLE: &str = "HOTLINE_DATABASE_URL";

/// Connections of the read-model pool.
const READ_MODEL_CONNECTIONS: u32 = 8;

/// Where a process keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// SQLite files in a folder this process owns alone.
    Embedded { data_dir: PathBuf },
    /// One PostgreSQL database, shared by every process.
    Postgres { url: String },
}

impl DatabaseLocation {
    /// PostgreSQL when `HOTLINE_DATABASE_URL` holds a `postgres://` or `postgresql://` URL,
    /// otherwise the embedded files in `data_dir`.
    pub fn from_env_or(data_dir: impl Into<PathBuf>) -> Self {
        match std::env::var(DATABASE_URL_VARIABLE) {
            Ok(url) if is_postgres_url(&url) => DatabaseLocation::Postgres { url },
            _ => DatabaseLocation::Embedded { data_dir: data_dir.into() },
        }
    }
}

fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// Everything a process stores, opened and migrated.
pub struct Database {
    pub events: SharedEventStore,
    pub secrets: Arc<dyn SecretStore>,
    /// Read models: a separate SQLite file in embedded mode, the same database in PostgreSQL.
    pub read_models: AnyPool,
    /// Uploaded files: `blobs.db` in embedded mode, a table of the database in PostgreSQL.
    pub blobs: BlobStore,
    /// Background processes' positions in the log (beside the blobs: durable, not rebuilt).
    pub checkpoints: ProcessCheckpoints,
    pub kind: DatabaseKind,
    /// Embedded mode: the exclusive lock on the data folder, released when this is dropped.
    _data_dir_lock: Option<File>,
}

/// Opens (creating if needed) the databases at `location` and applies the event store's
/// migrations. Read-model migrations belong to their owners.
pub async fn open(location: &DatabaseLocation) -> Result<Database, StoreError> {
    sqlx::any::install_default_drivers();
    match location {
        DatabaseLocation::Embedded { data_dir } => open_embedded(data_dir).await,
        DatabaseLocation::Postgres { url } => open_postgres(url).await,
    }
}

async fn open_embedded(data_dir: &Path) -> Result<Database, StoreError> {
    std::fs::create_dir_all(data_dir).map_err(sqlx::Error::Io)?;
    let data_dir_lock = lock_data_dir(data_dir)?;
    let store = SqliteEventStore::open(&data_dir.join("events.db")).await?;
    let secrets = SqliteSecretStore(store.pool().clone());
    // Read models can be rebuilt from the log, so they need not survive a power cut; files
    // cannot, so they are synced like the log.
    let read_models = open_sqlite_pool(&data_dir.join("readmodels.db"), "PRAGMA synchronous = NORMAL").await?;
    let operational = open_sqlite_pool(&data_dir.join("blobs.db"), "PRAGMA synchronous = FULL").await?;
    let blobs = BlobStore::open(operational.clone()).await?;
    let checkpoints = ProcessCheckpoints::open(operational).await?;
    Ok(Database {
        events: Arc::new(store),
        secrets: Arc::new(secrets),
        read_models,
        blobs,
        checkpoints,
        kind: DatabaseKind::Sqlite,
        _data_dir_lock: Some(data_dir_lock),
    })
}

/// Claims the data folder for this process; the OS drops the lock if the process dies.
fn lock_data_dir(data_dir: &Path) -> Result<File, StoreError> {
    let lock_path = data_dir.join("hotline.lock");
    let lock_file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(sqlx::Error::Io)?;
    match lock_file.try_lock() {
        Ok(()) => Ok(lock_file),
        Err(TryLockError::WouldBlock) => Err(StoreError::DataDirInUse(data_dir.to_owned())),
        Err(TryLockError::Error(error)) => Err(StoreError::Database(sqlx::Error::Io(error))),
    }
}

async fn open_sqlite_pool(path: &Path, synchronous: &'static str) -> Result<AnyPool, StoreError> {
    let options: AnyConnectOptions = sqlite_url(path)?.parse()?;
    let pool = AnyPoolOptions::new()
        .max_connections(READ_MODEL_CONNECTIONS)
        .after_connect(move |connection, _metadata| {
            Box::pin(async move {
                // busy_timeout first: switching to WAL needs a lock another connection may hold.
                connection.execute("PRAGMA busy_timeout = 10000").await?;
                connection.execute("PRAGMA journal_mode = WAL").await?;
                connection.execute(synchronous).await?;
                Ok(())
            })
        })
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// `sqlite://` URL of a file, created if missing; characters that mean something in a URL
/// are escaped (the driver decodes them again).
fn sqlite_url(path: &Path) -> Result<String, StoreError> {
    let absolute = std::path::absolute(path).map_err(sqlx::Error::Io)?;
    let Some(text) = absolute.to_str() else {
        return Err(StoreError::Database(sqlx::Error::Configuration(
            format!("the data folder path {} is not valid UTF-8", absolute.display()).into(),
        )));
    };
    let escaped = text.replace('%', "%25").replace('?', "%3F").replace('#', "%23");
    Ok(format!("sqlite://{escaped}?mode=rwc"))
}

async fn open_postgres(url: &str) -> Result<Database, StoreError> {
    let store = PostgresEventStore::connect(url).await?;
    let secrets = PostgresSecretStore(store.pool().clone());
    let read_models = AnyPoolOptions::new().max_connections(READ_MODEL_CONNECTIONS).connect(url).await?;
    let blobs = BlobStore::open(read_models.clone()).await?;
    let checkpoints = ProcessCheckpoints::open(read_models.clone()).await?;
    Ok(Database {
        events: Arc::new(store),
        secrets: Arc::new(secrets),
        read_models,
        blobs,
        checkpoints,
        kind: DatabaseKind::Postgres,
        _data_dir_lock: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_postgres_urls_select_postgres() {
        assert!(is_postgres_url("postgres://postgres@127.0.0.1/hotline"));
        assert!(is_postgres_url("postgresql://postgres@127.0.0.1/hotline"));
        assert!(!is_postgres_url("sqlite://data/events.db"));
        assert!(!is_postgres_url(""));
    }

    #[test]
    fn sqlite_url_escapes_url_syntax_in_the_path() {
        let url = sqlite_url(Path::new("/tmp/what?#%/readmodels.db")).unwrap();
        assert_eq!(url, "sqlite:///tmp/what%3F%23%25/readmodels.db?mode=rwc");
    }
}
