//! Where background processes (process managers, relays) remember how far through the log
//! they are. Not a read model: losing it means re-running from the start, which the
//! processes tolerate (their commands are idempotent) but should not have to.

use sqlx::{AnyPool, Executor, Row};

use crate::store::StoreResult;

const CREATE_CHECKPOINTS: &str = "CREATE TABLE IF NOT EXISTS process_checkpoints (\
     name TEXT NOT NULL PRIMARY KEY, \
     position BIGINT NOT NULL)";

#[derive(Clone)]
pub struct ProcessCheckpoints {
    pool: AnyPool,
}

impl ProcessCheckpoints {
    pub async fn open(pool: AnyPool) -> StoreResult<Self> {
        pool.execute(CREATE_CHECKPOINTS).await?;
        Ok(Self { pool })
    }

    /// The last position the process finished, 0 if it never ran.
    pub async fn load(&self, name: &str) -> StoreResult<u64> {
        let row = sqlx::query("SELECT position FROM process_checkpoints WHERE name = $1")
            .bind(name.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get::<i64, _>("position")).transpose()?.map_or(0, |position| position.max(0) as u64))
    }

    pub async fn save(&self, name: &str, position: u64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO process_checkpoints (name, position) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET position = excluded.position",
        )
        .bind(name.to_owned())
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_checkpoint_starts_at_zero_and_keeps_the_last_save() {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap();
        let checkpoints = ProcessCheckpoints::open(pool).await.unwrap();
        assert_eq!(checkpoints.load("reactor").await.unwrap(), 0);
        checkpoints.save("reactor", 41).await.unwrap();
        checkpoints.save("reactor", 42).await.unwrap();
        assert_eq!(checkpoints.load("reactor").await.unwrap(), 42);
    }
}
