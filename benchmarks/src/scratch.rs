//! Throw-away places to write to: a directory for SQLite files, a PostgreSQL database.
//! Each run makes its own, named by a fresh UUID, and removes it afterwards.

use std::path::{Path, PathBuf};

use sqlx::{AssertSqlSafe, Connection, PgConnection};
use uuid::Uuid;

/// A fresh directory, removed with everything in it when dropped.
pub(crate) struct ScratchDirectory {
    path: PathBuf,
}

impl ScratchDirectory {
    pub fn create(parent: &Path) -> anyhow::Result<Self> {
        let path = parent.join(format!("hotline_bench_{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&path)?;
        Ok(Self { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for ScratchDirectory {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.path) {
            tracing::warn!(%error, path = %self.path.display(), "could not remove the benchmark's scratch directory");
        }
    }
}

/// A fresh database `hotline_bench_<uuid>` on the server. Call [`ScratchDatabase::remove`]
/// when done (dropping it cannot run the async `DROP DATABASE`).
pub(crate) struct ScratchDatabase {
    server_url: String,
    name: String,
}

impl ScratchDatabase {
    /// `server_url` is `postgres://user@host:port`, without a database name.
    pub async fn create(server_url: &str) -> anyhow::Result<Self> {
        let server_url = server_url.trim_end_matches('/').to_owned();
        let name = format!("hotline_bench_{}", Uuid::now_v7().simple());
        let mut admin = PgConnection::connect(&format!("{server_url}/postgres")).await?;
        // The name is ours (letters, digits, '_'), so formatting it into the statement is safe.
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await?;
        admin.close().await?;
        Ok(Self { server_url, name })
    }

    pub fn url(&self) -> String {
        format!("{}/{}", self.server_url, self.name)
    }

    /// Drops the database, ending any connection still open to it.
    pub async fn remove(self) -> anyhow::Result<()> {
        let mut admin = PgConnection::connect(&format!("{}/postgres", self.server_url)).await?;
        sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)))
            .execute(&mut admin)
            .await?;
        admin.close().await?;
        Ok(())
    }
}
