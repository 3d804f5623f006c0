//! Secrets kept out of the event log.
//!
//! The log is exported, streamed to integrators and kept forever, so it must not hold
//! password hashes. Commands store the hash here first, under a fresh credential id, and the
//! event records only that id. A credential stored for a command that then failed is never
//! referenced and does no harm.

use async_trait::async_trait;
use sqlx::{PgPool, SqlitePool};
use uuid::Uuid;

use crate::store::StoreResult;

#[async_trait]
pub trait SecretStore: Send + Sync + 'static {
    async fn put(&self, tenant_id: Uuid, credential_id: Uuid, secret: &str) -> StoreResult<()>;
    /// Stores many secrets of one tenant in one transaction (an import's keys).
    async fn put_many(&self, tenant_id: Uuid, secrets: &[(Uuid, String)]) -> StoreResult<()>;
    async fn get(&self, tenant_id: Uuid, credential_id: Uuid) -> StoreResult<Option<String>>;
    /// Deletes a secret for good (a destroyed key); deleting a missing one is not an error.
    async fn delete(&self, tenant_id: Uuid, credential_id: Uuid) -> StoreResult<()>;
}

pub struct SqliteSecretStore(pub SqlitePool);

#[async_trait]
impl SecretStore for SqliteSecretStore {
    async fn put_many(&self, tenant_id: Uuid, secrets: &[(Uuid, String)]) -> StoreResult<()> {
        let mut transaction = self.0.begin().await?;
        for (credential_id, secret) in secrets {
            sqlx::query("INSERT INTO credentials (tenant_id, credential_id, secret) VALUES (?, ?, ?)")
                .bind(tenant_id.to_string())
                .bind(credential_id.to_string())
                .bind(secret)
                .execute(&mut *transaction)
                .await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    async fn put(&self, tenant_id: Uuid, credential_id: Uuid, secret: &str) -> StoreResult<()> {
        sqlx::query("INSERT INTO credentials (tenant_id, credential_id, secret) VALUES (?, ?, ?)")
            .bind(tenant_id.to_string())
            .bind(credential_id.to_string())
            .bind(secret)
            .execute(&self.0)
            .await?;
        Ok(())
    }

    async fn get(&self, tenant_id: Uuid, credential_id: Uuid) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT secret FROM credentials WHERE tenant_id = ? AND credential_id = ?")
            .bind(tenant_id.to_string())
            .bind(credential_id.to_string())
            .fetch_optional(&self.0)
            .await?)
    }

    async fn delete(&self, tenant_id: Uuid, credential_id: Uuid) -> StoreResult<()> {
        sqlx::query("DELETE FROM credentials WHERE tenant_id = ? AND credential_id = ?")
            .bind(tenant_id.to_string())
            .bind(credential_id.to_string())
            .execute(&self.0)
            .await?;
        Ok(())
    }
}

pub struct PostgresSecretStore(pub PgPool);

#[async_trait]
impl SecretStore for PostgresSecretStore {
    async fn put_many(&self, tenant_id: Uuid, secrets: &[(Uuid, String)]) -> StoreResult<()> {
        let (ids, values): (Vec<Uuid>, Vec<String>) = secrets.iter().cloned().unzip();
        sqlx::query(
            "INSERT INTO credentials (tenant_id, credential_id, secret) \
             SELECT $1, id, secret FROM UNNEST($2::uuid[], $3::text[]) AS batch(id, secret)",
        )
        .bind(tenant_id)
        .bind(ids)
        .bind(values)
        .execute(&self.0)
        .await?;
        Ok(())
    }

    async fn put(&self, tenant_id: Uuid, credential_id: Uuid, secret: &str) -> StoreResult<()> {
        sqlx::query("INSERT INTO credentials (tenant_id, credential_id, secret) VALUES ($1, $2, $3)")
            .bind(tenant_id)
            .bind(credential_id)
            .bind(secret)
            .execute(&self.0)
            .await?;
        Ok(())
    }

    async fn get(&self, tenant_id: Uuid, credential_id: Uuid) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT secret FROM credentials WHERE tenant_id = $1 AND credential_id = $2")
            .bind(tenant_id)
            .bind(credential_id)
            .fetch_optional(&self.0)
            .await?)
    }

    async fn delete(&self, tenant_id: Uuid, credential_id: Uuid) -> StoreResult<()> {
        sqlx::query("DELETE FROM credentials WHERE tenant_id = $1 AND credential_id = $2")
            .bind(tenant_id)
            .bind(credential_id)
            .execute(&self.0)
            .await?;
        Ok(())
    }
}
