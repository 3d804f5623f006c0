//! The read model of saved queries, one table per kind (`customer_saved_queries`,
//! `ticket_saved_queries`), each kept by the projection of the list it searches. A row holds
//! the whole query as saved (`definition_json`) beside the columns the lists filter on.

use hotline_domain::saved_queries::{QueryKind, SavedQueriesEvent, SavedQuery};
use hotline_domain::{DomainEvent, EventEnvelope};
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::rows::{sql, to_i64};
use crate::runner::{ProjectionError, ProjectionResult};

const CREATE: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     query_id TEXT NOT NULL, \
     owner_id TEXT NOT NULL, \
     name TEXT NOT NULL, \
     shared BIGINT NOT NULL, \
     definition_json TEXT NOT NULL, \
     deleted BIGINT NOT NULL, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, query_id))";

const INDEX_BY_OWNER: &str = "CREATE INDEX IF NOT EXISTS {table}_by_owner ON {table} (tenant_id, owner_id)";

const SAVE: &str = "INSERT INTO {table} (tenant_id, query_id, owner_id, name, shared, definition_json, \
     deleted, position) VALUES ($1, $2, $3, $4, $5, $6, 0, $7) \
     ON CONFLICT (tenant_id, query_id) DO UPDATE SET owner_id = excluded.owner_id, name = excluded.name, \
     shared = excluded.shared, definition_json = excluded.definition_json, deleted = 0, \
     position = excluded.position WHERE {table}.position < excluded.position";

const DELETE: &str = "INSERT INTO {table} (tenant_id, query_id, owner_id, name, shared, definition_json, \
     deleted, position) VALUES ($1, $2, $3, '', 0, '{}', 1, $4) \
     ON CONFLICT (tenant_id, query_id) DO UPDATE SET name = '', shared = 0, definition_json = '{}', deleted = 1, \
     position = excluded.position WHERE {table}.position < excluded.position";

/// The statements that make the table `table` (with the apply's `suffix`).
pub(crate) fn create_statements(table: &str, suffix: &str) -> [String; 2] {
    [sql(CREATE, table, suffix), sql(INDEX_BY_OWNER, table, suffix)]
}

/// Whether the envelope is one of the kind's events.
pub(crate) fn handles<K: QueryKind>(envelope: &EventEnvelope) -> bool {
    envelope.stream_id.context() == K::CONTEXT && [K::SAVED, K::DELETED].contains(&envelope.event_type.as_str())
}

/// Applies one of the kind's events to `table` (with the apply's `suffix`); replays of older
/// positions change nothing.
pub(crate) async fn apply<K: QueryKind>(
    connection: &mut AnyConnection,
    table: &str,
    suffix: &str,
    envelope: &EventEnvelope,
) -> ProjectionResult<()> {
    let position = envelope.global_position;
    let event = SavedQueriesEvent::<K>::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
        .map_err(|source| ProjectionError::Upcast { position, source })?;
    let tenant_id = envelope.tenant_id.to_string();
    match event {
        SavedQueriesEvent::Saved(query) => {
            let definition = serde_json::to_string(&query).expect("a saved query serialises");
            sqlx::query(AssertSqlSafe(sql(SAVE, table, suffix)))
                .bind(tenant_id)
                .bind(query.query_id.to_string())
                .bind(query.owner_id.to_string())
                .bind(query.name)
                .bind(i64::from(query.shared))
                .bind(definition)
                .bind(to_i64(position))
                .execute(&mut *connection)
                .await?;
        }
        SavedQueriesEvent::Deleted(deleted) => {
            sqlx::query(AssertSqlSafe(sql(DELETE, table, suffix)))
                .bind(tenant_id)
                .bind(deleted.query_id.to_string())
                .bind(deleted.owner_id.to_string())
                .bind(to_i64(position))
                .execute(&mut *connection)
                .await?;
        }
    }
    Ok(())
}

fn from_row<B: DeserializeOwned>(row: &AnyRow) -> ProjectionResult<SavedQuery<B>> {
    let definition: String = row.try_get("definition_json")?;
    serde_json::from_str(&definition).map_err(|error| ProjectionError::CorruptRow(format!("saved query: {error}")))
}

/// The saved queries `user_id` sees in the caller's tenant: their own and the shared ones,
/// ordered by name.
pub(crate) async fn list<B: DeserializeOwned>(
    pool: &AnyPool,
    table: &str,
    tenant_id: Uuid,
    user_id: Uuid,
) -> ProjectionResult<Vec<SavedQuery<B>>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT definition_json FROM {table} \
         WHERE tenant_id = $1 AND deleted = 0 AND (owner_id = $2 OR shared = 1) ORDER BY name, query_id"
    )))
    .bind(tenant_id.to_string())
    .bind(user_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// One saved query of the caller's tenant, when `user_id` sees it (theirs, or shared).
pub(crate) async fn get<B: DeserializeOwned>(
    pool: &AnyPool,
    table: &str,
    tenant_id: Uuid,
    user_id: Uuid,
    query_id: Uuid,
) -> ProjectionResult<Option<SavedQuery<B>>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT definition_json FROM {table} \
         WHERE tenant_id = $1 AND query_id = $2 AND deleted = 0 AND (owner_id = $3 OR shared = 1)"
    )))
    .bind(tenant_id.to_string())
    .bind(query_id.to_string())
    .bind(user_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}
