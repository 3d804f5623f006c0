//! The `dictionaries` and `dictionary_entries` read models: every tenant's code lists.
//!
//! `EntriesSet` replaces a dictionary's entries: the entry rows are deleted and written
//! again, guarded by the dictionary row's position (moved first), so applying a range of
//! events twice leaves the same rows.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::dictionary::{
    self, DICTIONARY_CREATED, DictionaryEntry, DictionaryEvent, ENTRIES_SET, ValueType, dictionary_id_for_code,
};
use hotline_domain::{DomainEvent, EventEnvelope};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::rows::{enum_column, execute_all, sql, time_column, to_i64, to_u64, uuid_column};
use crate::runner::{Projection, ProjectionError, ProjectionResult};

pub const DICTIONARIES_TABLE: &str = "dictionaries";
pub const DICTIONARY_ENTRIES_TABLE: &str = "dictionary_entries";

/// A dictionary with its entries, ordered by sort order and then code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DictionaryView {
    pub tenant_id: Uuid,
    pub dictionary_id: Uuid,
    pub code: String,
    pub name: String,
    pub value_type: ValueType,
    pub entries: Vec<DictionaryEntry>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Global position of the last event folded into this dictionary.
    pub position: u64,
}

/// Projects dictionary streams into `dictionaries` and `dictionary_entries`.
pub struct DictionariesProjection;

const CREATE_DICTIONARIES: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     dictionary_id TEXT NOT NULL, \
     code TEXT NOT NULL, \
     code_key TEXT NOT NULL, \
     name TEXT NOT NULL, \
     value_type TEXT NOT NULL, \
     created_at BIGINT NOT NULL, \
     updated_at BIGINT NOT NULL, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, dictionary_id))";

const CREATE_ENTRIES: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     dictionary_id TEXT NOT NULL, \
     code TEXT NOT NULL, \
     label TEXT NOT NULL, \
     sort_order BIGINT NOT NULL, \
     enabled BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, dictionary_id, code))";

const UPSERT_DICTIONARY: &str = "INSERT INTO {table} \
     (tenant_id, dictionary_id, code, code_key, name, value_type, created_at, updated_at, position) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (tenant_id, dictionary_id) DO UPDATE SET code = excluded.code, code_key = excluded.code_key, \
     name = excluded.name, value_type = excluded.value_type, created_at = excluded.created_at, \
     updated_at = excluded.updated_at, position = excluded.position \
     WHERE {table}.position < excluded.position";

const TOUCH_DICTIONARY: &str = "UPDATE {table} SET updated_at = $1, position = $2 \
     WHERE tenant_id = $3 AND dictionary_id = $4 AND position < $2";

const DELETE_ENTRIES: &str = "DELETE FROM {table} WHERE tenant_id = $1 AND dictionary_id = $2";

const INSERT_ENTRY: &str = "INSERT INTO {table} (tenant_id, dictionary_id, code, label, sort_order, enabled) \
     VALUES ($1, $2, $3, $4, $5, $6)";

const DICTIONARY_COLUMNS: &str = "tenant_id, dictionary_id, code, name, value_type, created_at, updated_at, position";

#[async_trait]
impl Projection for DictionariesProjection {
    fn name(&self) -> &'static str {
        "dictionaries"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[DICTIONARIES_TABLE, DICTIONARY_ENTRIES_TABLE]
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        let statements = [
            sql(CREATE_DICTIONARIES, DICTIONARIES_TABLE, suffix),
            sql(CREATE_ENTRIES, DICTIONARY_ENTRIES_TABLE, suffix),
        ];
        execute_all(connection, &statements).await
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let upsert_dictionary = sql(UPSERT_DICTIONARY, DICTIONARIES_TABLE, suffix);
        let touch_dictionary = sql(TOUCH_DICTIONARY, DICTIONARIES_TABLE, suffix);
        let delete_entries = sql(DELETE_ENTRIES, DICTIONARY_ENTRIES_TABLE, suffix);
        let insert_entry = sql(INSERT_ENTRY, DICTIONARY_ENTRIES_TABLE, suffix);
        let handled = |envelope: &&EventEnvelope| {
            envelope.stream_id.context() == dictionary::CONTEXT
                && matches!(envelope.event_type.as_str(), DICTIONARY_CREATED | ENTRIES_SET)
        };
        for envelope in events.iter().filter(handled) {
            let position = envelope.global_position;
            let tenant_id = envelope.tenant_id.to_string();
            let occurred_at = envelope.occurred_at.timestamp_micros();
            let event = DictionaryEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                .map_err(|source| ProjectionError::Upcast { position, source })?;
            match event {
                DictionaryEvent::DictionaryCreated(created) => {
                    sqlx::query(AssertSqlSafe(upsert_dictionary.as_str()))
                        .bind(tenant_id)
                        .bind(created.dictionary_id.to_string())
                        .bind(created.code.clone())
                        .bind(created.code.to_lowercase())
                        .bind(created.name)
                        .bind(created.value_type.as_str())
                        .bind(occurred_at)
                        .bind(occurred_at)
                        .bind(to_i64(position))
                        .execute(&mut *connection)
                        .await?;
                }
                DictionaryEvent::EntriesSet(set) => {
                    let dictionary_id = set.dictionary_id.to_string();
                    let touched = sqlx::query(AssertSqlSafe(touch_dictionary.as_str()))
                        .bind(occurred_at)
                        .bind(to_i64(position))
                        .bind(tenant_id.clone())
                        .bind(dictionary_id.clone())
                        .execute(&mut *connection)
                        .await?;
                    if touched.rows_affected() == 0 {
                        // Applied already (or, after a partial rebuild, no such dictionary).
                        continue;
                    }
                    sqlx::query(AssertSqlSafe(delete_entries.as_str()))
                        .bind(tenant_id.clone())
                        .bind(dictionary_id.clone())
                        .execute(&mut *connection)
                        .await?;
                    for entry in set.entries {
                        sqlx::query(AssertSqlSafe(insert_entry.as_str()))
                            .bind(tenant_id.clone())
                            .bind(dictionary_id.clone())
                            .bind(entry.code)
                            .bind(entry.label)
                            .bind(i64::from(entry.sort_order))
                            .bind(i64::from(entry.enabled))
                            .execute(&mut *connection)
                            .await?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn dictionary_from_row(row: &AnyRow) -> ProjectionResult<DictionaryView> {
    Ok(DictionaryView {
        tenant_id: uuid_column(row, "tenant_id")?,
        dictionary_id: uuid_column(row, "dictionary_id")?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        value_type: enum_column(row, "value_type", ValueType::parse)?,
        entries: Vec::new(),
        created_at: time_column(row, "created_at")?,
        updated_at: time_column(row, "updated_at")?,
        position: to_u64("position", row.try_get("position")?)?,
    })
}

fn entry_from_row(row: &AnyRow) -> ProjectionResult<(Uuid, DictionaryEntry)> {
    let sort_order: i64 = row.try_get("sort_order")?;
    let enabled: i64 = row.try_get("enabled")?;
    let entry = DictionaryEntry {
        code: row.try_get("code")?,
        label: row.try_get("label")?,
        sort_order: i32::try_from(sort_order)
            .map_err(|_| ProjectionError::CorruptRow(format!("sort order {sort_order}")))?,
        enabled: enabled != 0,
    };
    Ok((uuid_column(row, "dictionary_id")?, entry))
}

fn sort_entries(entries: &mut [DictionaryEntry]) {
    entries.sort_by(|left, right| (left.sort_order, &left.code).cmp(&(right.sort_order, &right.code)));
}

/// Every dictionary of the caller's tenant, by code (ignoring case), with its entries.
pub async fn list_dictionaries(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<Vec<DictionaryView>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {DICTIONARY_COLUMNS} FROM {DICTIONARIES_TABLE} WHERE tenant_id = $1 ORDER BY code_key"
    )))
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    let mut dictionaries = rows.iter().map(dictionary_from_row).collect::<ProjectionResult<Vec<_>>>()?;
    let entry_rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT dictionary_id, code, label, sort_order, enabled FROM {DICTIONARY_ENTRIES_TABLE} WHERE tenant_id = $1"
    )))
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    let mut entries_by_dictionary: HashMap<Uuid, Vec<DictionaryEntry>> = HashMap::new();
    for row in &entry_rows {
        let (dictionary_id, entry) = entry_from_row(row)?;
        entries_by_dictionary.entry(dictionary_id).or_default().push(entry);
    }
    for dictionary in &mut dictionaries {
        dictionary.entries = entries_by_dictionary.remove(&dictionary.dictionary_id).unwrap_or_default();
        sort_entries(&mut dictionary.entries);
    }
    Ok(dictionaries)
}

/// The dictionary with this code (ignoring case) in the caller's tenant, with its entries.
pub async fn get_dictionary(pool: &AnyPool, tenant_id: Uuid, code: &str) -> ProjectionResult<Option<DictionaryView>> {
    let dictionary_id = dictionary_id_for_code(tenant_id, code);
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {DICTIONARY_COLUMNS} FROM {DICTIONARIES_TABLE} WHERE tenant_id = $1 AND dictionary_id = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(dictionary_id.to_string())
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut dictionary = dictionary_from_row(&row)?;
    let entry_rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT dictionary_id, code, label, sort_order, enabled FROM {DICTIONARY_ENTRIES_TABLE} \
         WHERE tenant_id = $1 AND dictionary_id = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(dictionary_id.to_string())
    .fetch_all(pool)
    .await?;
    dictionary.entries =
        entry_rows.iter().map(|row| entry_from_row(row).map(|(_, entry)| entry)).collect::<ProjectionResult<_>>()?;
    sort_entries(&mut dictionary.entries);
    Ok(Some(dictionary))
}
