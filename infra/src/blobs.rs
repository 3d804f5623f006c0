//! Files customers and agents send (chat attachments now; recordings and documents later):
//! bytes kept beside the log, not in it. An event refers to a blob by id and carries its
//! name, type and size; the bytes live here.
//!
//! Embedded mode keeps them in their own SQLite file (`blobs.db`), so a 10 MB upload never
//! holds the event log's single writer; PostgreSQL keeps them in a `blobs` table of the one
//! database. Every read names the tenant: one tenant cannot fetch another's file by id.
//!
//! A file uploaded for a form before the form is sent ([`BlobStore::put_unclaimed`]) stays
//! unclaimed until a command that names it is accepted ([`BlobStore::claim`]); unclaimed files
//! older than a day are deleted ([`BlobStore::sweep_unclaimed`]), so forms given up leave no
//! files behind.

use chrono::{DateTime, Utc};
use sqlx::{AnyPool, Executor, Row};
use uuid::Uuid;

use crate::store::StoreResult;

const CREATE_BLOBS: &str = "CREATE TABLE IF NOT EXISTS blobs (\
     tenant_id TEXT NOT NULL, \
     blob_id TEXT NOT NULL, \
     name TEXT NOT NULL, \
     content_type TEXT NOT NULL, \
     size BIGINT NOT NULL, \
     bytes BYTEA NOT NULL, \
     PRIMARY KEY (tenant_id, blob_id))";

/// Files uploaded for a form not sent yet, with when they were kept (microseconds).
const CREATE_UNCLAIMED: &str = "CREATE TABLE IF NOT EXISTS unclaimed_blobs (\
     tenant_id TEXT NOT NULL, \
     blob_id TEXT NOT NULL, \
     kept_at BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, blob_id))";
const CREATE_UNCLAIMED_INDEX: &str = "CREATE INDEX IF NOT EXISTS unclaimed_blobs_kept_at ON unclaimed_blobs (kept_at)";

/// A stored file's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    pub blob_id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

#[derive(Clone)]
pub struct BlobStore {
    pool: AnyPool,
}

impl BlobStore {
    /// Creates the table if needed. Embedded mode passes a pool on `blobs.db`, a SQLite file
    /// of its own; distributed mode the pool of the shared PostgreSQL database.
    pub async fn open(pool: AnyPool) -> StoreResult<Self> {
        // BYTEA is PostgreSQL's byte type; SQLite takes any type name and stores blobs as given.
        pool.execute(CREATE_BLOBS).await?;
        pool.execute(CREATE_UNCLAIMED).await?;
        pool.execute(CREATE_UNCLAIMED_INDEX).await?;
        Ok(Self { pool })
    }

    pub async fn put(&self, tenant_id: Uuid, info: &BlobInfo, bytes: Vec<u8>) -> StoreResult<()> {
        insert_blob(&self.pool, tenant_id, info, bytes).await
    }

    /// Keeps a file uploaded for a form that is not sent yet: it is deleted by
    /// [`Self::sweep_unclaimed`] unless a command names it first ([`Self::claim`]).
    pub async fn put_unclaimed(
        &self,
        tenant_id: Uuid,
        info: &BlobInfo,
        bytes: Vec<u8>,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut transaction = self.pool.begin().await?;
        insert_blob(&mut *transaction, tenant_id, info, bytes).await?;
        sqlx::query("INSERT INTO unclaimed_blobs (tenant_id, blob_id, kept_at) VALUES ($1, $2, $3)")
            .bind(tenant_id.to_string())
            .bind(info.blob_id.to_string())
            .bind(at.timestamp_micros())
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Takes a file out of the clean-up's reach, as a command about to name it is checked;
    /// answers whether the file is there. Claiming one claimed before (or never unclaimed)
    /// only answers. A command refused after the claim leaves the file kept, never lost.
    pub async fn claim(&self, tenant_id: Uuid, blob_id: Uuid) -> StoreResult<bool> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query("DELETE FROM unclaimed_blobs WHERE tenant_id = $1 AND blob_id = $2")
            .bind(tenant_id.to_string())
            .bind(blob_id.to_string())
            .execute(&mut *transaction)
            .await?;
        let exists = sqlx::query("SELECT 1 AS found FROM blobs WHERE tenant_id = $1 AND blob_id = $2")
            .bind(tenant_id.to_string())
            .bind(blob_id.to_string())
            .fetch_optional(&mut *transaction)
            .await?
            .is_some();
        transaction.commit().await?;
        Ok(exists)
    }

    /// Deletes up to `limit` files still unclaimed that were kept before `kept_before`, each
    /// with its unclaimed mark in one transaction (a claim at the same moment either comes
    /// first and keeps the file, or finds it gone). Returns how many were deleted.
    pub async fn sweep_unclaimed(&self, kept_before: DateTime<Utc>, limit: u32) -> StoreResult<u64> {
        let rows =
            sqlx::query("SELECT tenant_id, blob_id FROM unclaimed_blobs WHERE kept_at < $1 ORDER BY kept_at LIMIT $2")
                .bind(kept_before.timestamp_micros())
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
        let mut deleted = 0;
        for row in rows {
            let (tenant_id, blob_id): (String, String) = (row.try_get("tenant_id")?, row.try_get("blob_id")?);
            let mut transaction = self.pool.begin().await?;
            let unmarked =
                sqlx::query("DELETE FROM unclaimed_blobs WHERE tenant_id = $1 AND blob_id = $2 AND kept_at < $3")
                    .bind(&tenant_id)
                    .bind(&blob_id)
                    .bind(kept_before.timestamp_micros())
                    .execute(&mut *transaction)
                    .await?;
            if unmarked.rows_affected() == 1 {
                sqlx::query("DELETE FROM blobs WHERE tenant_id = $1 AND blob_id = $2")
                    .bind(&tenant_id)
                    .bind(&blob_id)
                    .execute(&mut *transaction)
                    .await?;
                deleted += 1;
            }
            transaction.commit().await?;
        }
        Ok(deleted)
    }

    /// The file's description, without its bytes.
    pub async fn info(&self, tenant_id: Uuid, blob_id: Uuid) -> StoreResult<Option<BlobInfo>> {
        let row = sqlx::query("SELECT name, content_type, size FROM blobs WHERE tenant_id = $1 AND blob_id = $2")
            .bind(tenant_id.to_string())
            .bind(blob_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(BlobInfo {
                blob_id,
                name: row.try_get("name")?,
                content_type: row.try_get("content_type")?,
                size: u64::try_from(row.try_get::<i64, _>("size")?).unwrap_or(0),
            })
        })
        .transpose()
    }

    /// Deletes a file; `false` when there was none.
    pub async fn delete(&self, tenant_id: Uuid, blob_id: Uuid) -> StoreResult<bool> {
        let deleted = sqlx::query("DELETE FROM blobs WHERE tenant_id = $1 AND blob_id = $2")
            .bind(tenant_id.to_string())
            .bind(blob_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected() > 0)
    }

    pub async fn get(&self, tenant_id: Uuid, blob_id: Uuid) -> StoreResult<Option<(BlobInfo, Vec<u8>)>> {
        let row =
            sqlx::query("SELECT name, content_type, size, bytes FROM blobs WHERE tenant_id = $1 AND blob_id = $2")
                .bind(tenant_id.to_string())
                .bind(blob_id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| {
            let info = BlobInfo {
                blob_id,
                name: row.try_get("name")?,
                content_type: row.try_get("content_type")?,
                size: u64::try_from(row.try_get::<i64, _>("size")?).unwrap_or(0),
            };
            Ok((info, row.try_get("bytes")?))
        })
        .transpose()
    }
}

async fn insert_blob<'c>(
    executor: impl Executor<'c, Database = sqlx::Any>,
    tenant_id: Uuid,
    info: &BlobInfo,
    bytes: Vec<u8>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO blobs (tenant_id, blob_id, name, content_type, size, bytes) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant_id.to_string())
    .bind(info.blob_id.to_string())
    .bind(info.name.clone())
    .bind(info.content_type.clone())
    .bind(i64::try_from(info.size).unwrap_or(i64::MAX))
    .bind(bytes)
    .execute(executor)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_blob_reads_back_only_in_its_tenant() {
        sqlx::any::install_default_drivers();
        // One connection: each connection to `:memory:` is a database of its own.
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap();
        let store = BlobStore::open(pool).await.unwrap();
        let (tenant, other_tenant) = (Uuid::now_v7(), Uuid::now_v7());
        let info =
            BlobInfo { blob_id: Uuid::now_v7(), name: "a.png".into(), content_type: "image/png".into(), size: 3 };
        store.put(tenant, &info, vec![1, 2, 3]).await.unwrap();
        assert_eq!(store.get(tenant, info.blob_id).await.unwrap(), Some((info.clone(), vec![1, 2, 3])));
        assert_eq!(store.info(tenant, info.blob_id).await.unwrap(), Some(info.clone()));
        assert_eq!(store.get(other_tenant, info.blob_id).await.unwrap(), None);
        // Deleting is per tenant too.
        assert!(!store.delete(other_tenant, info.blob_id).await.unwrap());
        assert!(store.delete(tenant, info.blob_id).await.unwrap());
        assert_eq!(store.get(tenant, info.blob_id).await.unwrap(), None);
    }
}
