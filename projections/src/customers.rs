//! The customer read models: profiles (`customers`), their values one row per field
//! (`customer_values`, for queries), the type of every field a tenant ever defined
//! (`customer_field_types`) and the saved customer queries (`customer_saved_queries`).
//!
//! A profile's values reach the log only sealed with the customer's own key. This projection
//! holds the [`SubjectKeys`] and opens them: when the key is gone (the customer was forgotten
//! before this replay) or the sealed text does not open with it, the customer's row is kept
//! as forgotten, with no values. `hotline.customer.forgotten` blanks the row, deletes its
//! value rows and drops the key from this process's cache: after it, no read model holds the
//! customer's data, and a rebuild after the key was destroyed finds nothing to open.
//!
//! A customer row holds the position of the last event folded into it and every write is
//! guarded by it; a forgotten row only stays forgotten. Values are rewritten as a whole with
//! their row. The field types never change (a key keeps its type for good), so a value's
//! number column and the ID-card key do not depend on when the fields were read: among the
//! tenant's fields of type ID_CARD that a profile has a value for, the one with the first key
//! (in key order) gives `id_card_key`.
//!
//! Batches: a batch's events are folded per customer first (a creation, updates and a
//! forgetting in one batch write the last state once); the keys are fetched concurrently;
//! then the rows are written with multi-row statements (an upsert that returns the rows it
//! wrote, the deletion of their old values, the insertion of the new ones), whose full-size
//! chunks are the same SQL each time, so the connection's prepared statements are reused.
//!
//! Saved queries are removed by a tombstone (`deleted`), so that applying an old `saved`
//! event again cannot bring one back. Every query takes the caller's tenant id and filters
//! on it.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use futures::StreamExt;
use hotline_domain::customer::{
    self, Condition, ConditionOp, CustomerEvent, CustomerQueries, FIELDS_CONTEXT, FIELDS_DEFINED, FieldType,
    FieldsDefined, SavedQuery, Sealed,
};
use hotline_domain::{DomainEvent, EventEnvelope};
use hotline_infra::keys::{self, SubjectKeys};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::rows::{execute_all, like_escaped, sql, time_column, to_i64, uuid_column};
use crate::runner::{Projection, ProjectionError, ProjectionResult, table_name};
use crate::saved_queries;

pub const CUSTOMERS_TABLE: &str = "customers";
pub const CUSTOMER_VALUES_TABLE: &str = "customer_values";
pub const CUSTOMER_FIELD_TYPES_TABLE: &str = "customer_field_types";
pub const CUSTOMER_SAVED_QUERIES_TABLE: &str = "customer_saved_queries";

/// The most customers one [`find_customers`] page returns (an export asks for all of a
/// tenant's, and an import holds at most this many).
pub const MAX_CUSTOMERS_PER_PAGE: usize = 100_000;

/// The most customers [`duplicates`] and [`customers_by_phone_or_email`] return.
pub const MAX_MATCHES: usize = 100;

/// Keys fetched from the secret store at once while a batch is applied.
const KEYS_FETCHED_AT_ONCE: usize = 16;

/// A customer as the API shows it. A forgotten customer has no values, name or phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerView {
    pub customer_id: Uuid,
    pub forgotten: bool,
    /// Field key to value, as validated (normalised); blank values are left out.
    pub values: BTreeMap<String, String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Projects customer, customer-field and saved-query streams into the customer read models.
pub struct CustomersProjection {
    keys: SubjectKeys,
}

impl CustomersProjection {
    pub fn new(keys: SubjectKeys) -> Self {
        Self { keys }
    }
}

const CREATE_CUSTOMERS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     customer_id TEXT NOT NULL, \
     forgotten BIGINT NOT NULL, \
     name TEXT, \
     phone TEXT, \
     phone_key TEXT, \
     id_card_key TEXT, \
     created_at BIGINT NOT NULL, \
     updated_at BIGINT NOT NULL, \
     values_json TEXT, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, customer_id))";

const CREATE_CUSTOMERS_INDEXES: [&str; 3] = [
    "CREATE INDEX IF NOT EXISTS {table}_by_created ON {table} (tenant_id, created_at)",
    "CREATE INDEX IF NOT EXISTS {table}_by_phone ON {table} (tenant_id, phone_key)",
    "CREATE INDEX IF NOT EXISTS {table}_by_id_card ON {table} (tenant_id, id_card_key)",
];

/// `folded_value` is the value trimmed and lower-cased: text conditions and the screen pop's
/// email match compare it, so that both databases ignore case the same way.
const CREATE_VALUES: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     customer_id TEXT NOT NULL, \
     key TEXT NOT NULL, \
     text_value TEXT NOT NULL, \
     folded_value TEXT NOT NULL, \
     number_value DOUBLE PRECISION NULL, \
     PRIMARY KEY (tenant_id, customer_id, key))";

const CREATE_VALUES_INDEXES: [&str; 1] =
    ["CREATE INDEX IF NOT EXISTS {table}_by_folded ON {table} (tenant_id, folded_value)"];

const CREATE_FIELD_TYPES: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     key TEXT NOT NULL, \
     field_type TEXT NOT NULL, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, key))";

const UPSERT_FIELD_TYPE: &str = "INSERT INTO {table} (tenant_id, key, field_type, position) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (tenant_id, key) DO UPDATE SET field_type = excluded.field_type, position = excluded.position \
     WHERE {table}.position < excluded.position";

const SELECT_FIELD_TYPES: &str = "SELECT key, field_type FROM {table} WHERE tenant_id = $1";

const CUSTOMER_COLUMNS: &str = "c.customer_id, c.forgotten, c.name, c.phone, c.created_at, c.updated_at, c.values_json";

/// Parameters per row of [`upsert_customers_sql`].
const CUSTOMER_PARAMS: usize = 11;
/// Parameters per row of [`insert_values_sql`].
const VALUE_PARAMS: usize = 6;

/// Rows per multi-row statement. SQLite (through sqlx) binds a statement's parameters in
/// time that grows faster than their number (1,000 value rows take 40 µs a row, 25 take 5), so
/// its statements stay small; PostgreSQL's are larger, to save round trips. Either way far
/// below the parameter limits (SQLite 32,766, PostgreSQL 65,535), and the full-size chunks
/// are the same SQL every time, so the connection's prepared statements are reused.
#[derive(Debug, Clone, Copy)]
struct ChunkSizes {
    customers: usize,
    ids: usize,
    values: usize,
}

impl ChunkSizes {
    fn of(connection: &AnyConnection) -> Self {
        if connection.backend_name().eq_ignore_ascii_case("sqlite") {
            Self { customers: 20, ids: 50, values: 25 }
        } else {
            Self { customers: 500, ids: 1_000, values: 1_000 }
        }
    }
}

/// A field type as the read model stores it (its serde name, `id_card`).
fn field_type_name(field_type: FieldType) -> String {
    match serde_json::to_value(field_type) {
        Ok(Value::String(name)) => name,
        _ => unreachable!("a field type serialises to its name"),
    }
}

fn parse_field_type(name: &str) -> Option<FieldType> {
    serde_json::from_value(Value::String(name.to_owned())).ok()
}

/// A phone number as duplicates are found by: its digits only; `None` when it has none.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

/// An ID-card number as duplicates are found by: trimmed and upper-case; `None` when blank.
pub fn id_card_key(id_card: &str) -> Option<String> {
    let key = id_card.trim().to_uppercase();
    (!key.is_empty()).then_some(key)
}

/// A value as text conditions compare it.
fn fold(value: &str) -> String {
    value.trim().to_lowercase()
}

fn is_numeric(field_type: FieldType) -> bool {
    matches!(field_type, FieldType::Number | FieldType::Money)
}

/// What a batch leaves of one customer.
enum Fate {
    /// Its last event carried a profile (created or updated).
    Profile(Sealed),
    Forgotten,
}

struct Change {
    tenant_id: Uuid,
    customer_id: Uuid,
    /// When a creation is in the batch: its time.
    created_at: Option<i64>,
    updated_at: i64,
    /// The last event's global position.
    position: u64,
    fate: Fate,
}

/// A customer row to write, and its values (none for a forgotten one).
struct CustomerRow {
    tenant_id: String,
    customer_id: String,
    forgotten: bool,
    name: Option<String>,
    phone: Option<String>,
    phone_key: Option<String>,
    id_card_key: Option<String>,
    created_at: i64,
    updated_at: i64,
    values_json: Option<String>,
    position: i64,
    values: Vec<ValueRow>,
}

struct ValueRow {
    key: String,
    text_value: String,
    folded_value: String,
    number_value: Option<f64>,
}

impl CustomerRow {
    fn forgotten(change: &Change) -> Self {
        Self {
            tenant_id: change.tenant_id.to_string(),
            customer_id: change.customer_id.to_string(),
            forgotten: true,
            name: None,
            phone: None,
            phone_key: None,
            id_card_key: None,
            created_at: change.created_at.unwrap_or(change.updated_at),
            updated_at: change.updated_at,
            values_json: None,
            position: to_i64(change.position),
            values: Vec::new(),
        }
    }

    fn with_values(change: &Change, values: BTreeMap<String, String>, types: &HashMap<String, FieldType>) -> Self {
        let id_card = values
            .iter()
            .find(|(key, _)| types.get(key.as_str()) == Some(&FieldType::IdCard))
            .and_then(|(_, value)| id_card_key(value));
        let rows = values
            .iter()
            .map(|(key, value)| ValueRow {
                key: key.clone(),
                text_value: value.clone(),
                folded_value: fold(value),
                number_value: types
                    .get(key.as_str())
                    .filter(|field_type| is_numeric(**field_type))
                    .and_then(|_| value.trim().parse::<f64>().ok())
                    .filter(|number| number.is_finite()),
            })
            .collect();
        let phone = values.get("phone").cloned();
        Self {
            tenant_id: change.tenant_id.to_string(),
            customer_id: change.customer_id.to_string(),
            forgotten: false,
            name: values.get("name").cloned(),
            phone_key: phone.as_deref().and_then(phone_key),
            phone,
            id_card_key: id_card,
            created_at: change.created_at.unwrap_or(change.updated_at),
            updated_at: change.updated_at,
            values_json: Some(serde_json::to_string(&values).expect("a map of strings serialises")),
            position: to_i64(change.position),
            values: rows,
        }
    }
}

/// The opened profile: field key to value, blank values left out. Values that are not text
/// (a writer's slip) are kept as their JSON text.
fn read_profile(position: u64, plaintext: &[u8]) -> ProjectionResult<BTreeMap<String, String>> {
    let unreadable = |reason: String| ProjectionError::Apply { position, reason };
    let object: serde_json::Map<String, Value> = serde_json::from_slice(plaintext)
        .map_err(|error| unreadable(format!("the opened profile is not a JSON object: {error}")))?;
    Ok(object
        .into_iter()
        .filter_map(|(key, value)| {
            let text = match value {
                Value::String(text) => text,
                Value::Null => return None,
                other => other.to_string(),
            };
            (!text.trim().is_empty()).then_some((key, text))
        })
        .collect())
}

/// `{table}` of `rows` customers, inserting or updating each one unless its row holds a
/// later event already, or is forgotten and the new state is not; returns the rows written.
fn upsert_customers_sql(table: &str, rows: usize) -> String {
    let mut statement = format!(
        "INSERT INTO {table} (tenant_id, customer_id, forgotten, name, phone, phone_key, id_card_key, created_at, \
         updated_at, values_json, position) VALUES "
    );
    for row in 0..rows {
        let first = row * CUSTOMER_PARAMS;
        let separator = if row == 0 { "" } else { ", " };
        let [a, b, c, d, e, f, g, h, i, j, k] = std::array::from_fn(|offset| first + offset + 1);
        let _ = write!(statement, "{separator}(${a}, ${b}, ${c}, ${d}, ${e}, ${f}, ${g}, ${h}, ${i}, ${j}, ${k})");
    }
    let _ = write!(
        statement,
        " ON CONFLICT (tenant_id, customer_id) DO UPDATE SET forgotten = excluded.forgotten, name = excluded.name, \
         phone = excluded.phone, phone_key = excluded.phone_key, id_card_key = excluded.id_card_key, \
         updated_at = excluded.updated_at, values_json = excluded.values_json, position = excluded.position \
         WHERE {table}.position < excluded.position AND ({table}.forgotten = 0 OR excluded.forgotten = 1) \
         RETURNING tenant_id, customer_id"
    );
    statement
}

/// Deletes the values of `rows` customers of one tenant (`$1`).
fn delete_values_sql(table: &str, rows: usize) -> String {
    let mut statement = format!("DELETE FROM {table} WHERE tenant_id = $1 AND customer_id IN (");
    for row in 0..rows {
        let separator = if row == 0 { "" } else { ", " };
        let _ = write!(statement, "{separator}${}", row + 2);
    }
    statement.push(')');
    statement
}

/// Inserts `rows` value rows. The number travels as text: sqlx's `Any` driver sends a NULL
/// `f64` to PostgreSQL as a `float4`, and a statement prepared with one then refuses the
/// `float8` of the next execution.
fn insert_values_sql(table: &str, rows: usize) -> String {
    let mut statement =
        format!("INSERT INTO {table} (tenant_id, customer_id, key, text_value, folded_value, number_value) VALUES ");
    for row in 0..rows {
        let first = row * VALUE_PARAMS;
        let separator = if row == 0 { "" } else { ", " };
        let [a, b, c, d, e, f] = std::array::from_fn(|offset| first + offset + 1);
        let _ = write!(statement, "{separator}(${a}, ${b}, ${c}, ${d}, ${e}, CAST(${f} AS DOUBLE PRECISION))");
    }
    statement.push_str(" ON CONFLICT (tenant_id, customer_id, key) DO NOTHING");
    statement
}

fn handled(envelope: &&EventEnvelope) -> bool {
    match envelope.stream_id.context() {
        customer::CONTEXT => {
            matches!(envelope.event_type.as_str(), customer::CREATED | customer::UPDATED | customer::FORGOTTEN)
        }
        FIELDS_CONTEXT => envelope.event_type == FIELDS_DEFINED,
        _ if saved_queries::handles::<CustomerQueries>(envelope) => true,
        _ => false,
    }
}

/// The tables of one `apply`, named with its suffix.
struct Tables {
    customers: String,
    values: String,
    field_types: String,
}

impl Tables {
    fn new(suffix: &str) -> Self {
        Self {
            customers: table_name(CUSTOMERS_TABLE, suffix),
            values: table_name(CUSTOMER_VALUES_TABLE, suffix),
            field_types: table_name(CUSTOMER_FIELD_TYPES_TABLE, suffix),
        }
    }
}

#[async_trait]
impl Projection for CustomersProjection {
    fn name(&self) -> &'static str {
        "customers"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[CUSTOMERS_TABLE, CUSTOMER_VALUES_TABLE, CUSTOMER_FIELD_TYPES_TABLE, CUSTOMER_SAVED_QUERIES_TABLE]
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        let mut statements = vec![sql(CREATE_CUSTOMERS, CUSTOMERS_TABLE, suffix)];
        statements.extend(CREATE_CUSTOMERS_INDEXES.iter().map(|index| sql(index, CUSTOMERS_TABLE, suffix)));
        statements.push(sql(CREATE_VALUES, CUSTOMER_VALUES_TABLE, suffix));
        statements.extend(CREATE_VALUES_INDEXES.iter().map(|index| sql(index, CUSTOMER_VALUES_TABLE, suffix)));
        statements.push(sql(CREATE_FIELD_TYPES, CUSTOMER_FIELD_TYPES_TABLE, suffix));
        statements.extend(saved_queries::create_statements(CUSTOMER_SAVED_QUERIES_TABLE, suffix));
        execute_all(connection, &statements).await
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let tables = Tables::new(suffix);
        let upsert_field_type = sql(UPSERT_FIELD_TYPE, CUSTOMER_FIELD_TYPES_TABLE, suffix);
        let mut changes: Vec<Change> = Vec::new();
        let mut change_of: HashMap<(Uuid, Uuid), usize> = HashMap::new();
        for envelope in events.iter().filter(handled) {
            let position = envelope.global_position;
            let upcast = |source| ProjectionError::Upcast { position, source };
            let tenant_id = envelope.tenant_id;
            match envelope.stream_id.context() {
                FIELDS_CONTEXT => {
                    let defined =
                        FieldsDefined::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                            .map_err(upcast)?;
                    // A key never changes type, and a removed field keeps its key's type.
                    for field in defined.fields {
                        sqlx::query(AssertSqlSafe(upsert_field_type.as_str()))
                            .bind(tenant_id.to_string())
                            .bind(field.key)
                            .bind(field_type_name(field.field_type))
                            .bind(to_i64(position))
                            .execute(&mut *connection)
                            .await?;
                    }
                }
                _ if saved_queries::handles::<CustomerQueries>(envelope) => {
                    saved_queries::apply::<CustomerQueries>(connection, CUSTOMER_SAVED_QUERIES_TABLE, suffix, envelope)
                        .await?;
                }
                _ => {
                    let event =
                        CustomerEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                            .map_err(upcast)?;
                    fold_customer_event(&mut changes, &mut change_of, &self.keys, tenant_id, position, event);
                }
            }
        }
        if changes.is_empty() {
            return Ok(());
        }
        let rows = self.rows_of(connection, &tables, &changes).await?;
        write_customers(connection, &tables, rows).await
    }
}

/// Folds one customer event into the batch's change of that customer.
fn fold_customer_event(
    changes: &mut Vec<Change>,
    change_of: &mut HashMap<(Uuid, Uuid), usize>,
    keys: &SubjectKeys,
    tenant_id: Uuid,
    position: u64,
    event: CustomerEvent,
) {
    let (customer_id, at, created, fate) = match event {
        CustomerEvent::Created(created) => {
            (created.customer_id, created.at.timestamp_micros(), true, Fate::Profile(created.sealed))
        }
        CustomerEvent::Updated(updated) => {
            (updated.customer_id, updated.at.timestamp_micros(), false, Fate::Profile(updated.sealed))
        }
        CustomerEvent::Forgotten(forgotten) => {
            keys.forget_cached(tenant_id, forgotten.key_id);
            (forgotten.customer_id, forgotten.at.timestamp_micros(), false, Fate::Forgotten)
        }
    };
    match change_of.get(&(tenant_id, customer_id)) {
        Some(&index) => {
            let change = &mut changes[index];
            if created {
                change.created_at = Some(at);
            }
            change.updated_at = at;
            change.position = position;
            // Forgotten is for good (the decider allows nothing after it).
            if !matches!(change.fate, Fate::Forgotten) {
                change.fate = fate;
            }
        }
        None => {
            change_of.insert((tenant_id, customer_id), changes.len());
            changes.push(Change {
                tenant_id,
                customer_id,
                created_at: created.then_some(at),
                updated_at: at,
                position,
                fate,
            });
        }
    }
}

impl CustomersProjection {
    /// Opens the profiles of the batch's changes (fetching the keys concurrently) and makes
    /// their rows.
    async fn rows_of(
        &self,
        connection: &mut AnyConnection,
        tables: &Tables,
        changes: &[Change],
    ) -> ProjectionResult<Vec<CustomerRow>> {
        let wanted: Vec<(usize, Uuid, Uuid)> = changes
            .iter()
            .enumerate()
            .filter_map(|(index, change)| match &change.fate {
                Fate::Profile(sealed) => Some((index, change.tenant_id, sealed.key_id)),
                Fate::Forgotten => None,
            })
            .collect();
        let fetched: Vec<(usize, Option<[u8; 32]>)> =
            futures::stream::iter(wanted)
                .map(|(index, tenant_id, key_id)| async move {
                    self.keys.get(tenant_id, key_id).await.map(|key| (index, key))
                })
                .buffered(KEYS_FETCHED_AT_ONCE)
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<Result<_, _>>()?;
        let mut key_of: HashMap<usize, [u8; 32]> = HashMap::new();
        for (index, key) in fetched {
            if let Some(key) = key {
                key_of.insert(index, key);
            }
        }
        let mut types_of: HashMap<Uuid, HashMap<String, FieldType>> = HashMap::new();
        let mut rows = Vec::with_capacity(changes.len());
        for (index, change) in changes.iter().enumerate() {
            let Fate::Profile(sealed) = &change.fate else {
                rows.push(CustomerRow::forgotten(change));
                continue;
            };
            // The key is gone (forgotten before this replay), or the text does not open with it.
            let Some(plaintext) = key_of.get(&index).and_then(|key| keys::open(key, &sealed.ciphertext).ok()) else {
                rows.push(CustomerRow::forgotten(change));
                continue;
            };
            let values = read_profile(change.position, &plaintext)?;
            let types = match types_of.entry(change.tenant_id) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(unknown) => unknown.insert(field_types_of(connection, tables, change.tenant_id).await?),
            };
            rows.push(CustomerRow::with_values(change, values, types));
        }
        Ok(rows)
    }
}

/// Every field type the tenant ever defined (this batch's definitions included).
async fn field_types_of(
    connection: &mut AnyConnection,
    tables: &Tables,
    tenant_id: Uuid,
) -> ProjectionResult<HashMap<String, FieldType>> {
    let rows = sqlx::query(AssertSqlSafe(SELECT_FIELD_TYPES.replace("{table}", &tables.field_types)))
        .bind(tenant_id.to_string())
        .fetch_all(&mut *connection)
        .await?;
    let mut types: HashMap<String, FieldType> = rows
        .iter()
        .map(|row| {
            let key: String = row.try_get("key")?;
            let name: String = row.try_get("field_type")?;
            let field_type = parse_field_type(&name)
                .ok_or_else(|| ProjectionError::CorruptRow(format!("field type {name:?} is unknown")))?;
            Ok((key, field_type))
        })
        .collect::<ProjectionResult<_>>()?;
    for field in customer::BUILT_IN_FIELDS.iter() {
        types.insert(field.key.clone(), field.field_type);
    }
    Ok(types)
}

/// Writes the rows: upserts them, then replaces the values of those written.
async fn write_customers(
    connection: &mut AnyConnection,
    tables: &Tables,
    rows: Vec<CustomerRow>,
) -> ProjectionResult<()> {
    let sizes = ChunkSizes::of(connection);
    let mut written: HashSet<(String, String)> = HashSet::new();
    for chunk in rows.chunks(sizes.customers) {
        let statement = upsert_customers_sql(&tables.customers, chunk.len());
        let mut query = sqlx::query(AssertSqlSafe(statement));
        for row in chunk {
            query = query
                .bind(row.tenant_id.as_str())
                .bind(row.customer_id.as_str())
                .bind(i64::from(row.forgotten))
                .bind(row.name.as_deref())
                .bind(row.phone.as_deref())
                .bind(row.phone_key.as_deref())
                .bind(row.id_card_key.as_deref())
                .bind(row.created_at)
                .bind(row.updated_at)
                .bind(row.values_json.as_deref())
                .bind(row.position);
        }
        for returned in query.fetch_all(&mut *connection).await? {
            written.insert((returned.try_get("tenant_id")?, returned.try_get("customer_id")?));
        }
    }
    let written: Vec<&CustomerRow> =
        rows.iter().filter(|row| written.contains(&(row.tenant_id.clone(), row.customer_id.clone()))).collect();
    let mut by_tenant: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for row in &written {
        by_tenant.entry(row.tenant_id.as_str()).or_default().push(row.customer_id.as_str());
    }
    for (tenant_id, customer_ids) in by_tenant {
        for chunk in customer_ids.chunks(sizes.ids) {
            let mut query = sqlx::query(AssertSqlSafe(delete_values_sql(&tables.values, chunk.len()))).bind(tenant_id);
            for customer_id in chunk {
                query = query.bind(*customer_id);
            }
            query.execute(&mut *connection).await?;
        }
    }
    let values: Vec<(&CustomerRow, &ValueRow)> =
        written.iter().flat_map(|row| row.values.iter().map(move |value| (*row, value))).collect();
    for chunk in values.chunks(sizes.values) {
        let mut query = sqlx::query(AssertSqlSafe(insert_values_sql(&tables.values, chunk.len())));
        for (row, value) in chunk {
            query = query
                .bind(row.tenant_id.as_str())
                .bind(row.customer_id.as_str())
                .bind(value.key.as_str())
                .bind(value.text_value.as_str())
                .bind(value.folded_value.as_str())
                .bind(value.number_value.map(|number| number.to_string()));
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

fn customer_from_row(row: &AnyRow) -> ProjectionResult<CustomerView> {
    let forgotten: i64 = row.try_get("forgotten")?;
    let values_json: Option<String> = row.try_get("values_json")?;
    let values = match values_json {
        Some(json) => serde_json::from_str(&json)
            .map_err(|error| ProjectionError::CorruptRow(format!("customer values {error}")))?,
        None => BTreeMap::new(),
    };
    Ok(CustomerView {
        customer_id: uuid_column(row, "customer_id")?,
        forgotten: forgotten != 0,
        values,
        name: row.try_get("name")?,
        phone: row.try_get("phone")?,
        created_at: time_column(row, "created_at")?,
        updated_at: time_column(row, "updated_at")?,
    })
}

/// One customer of the caller's tenant (a forgotten one shows as forgotten, with no data);
/// `None` also when it is another tenant's.
pub async fn get_customer(
    pool: &AnyPool,
    tenant_id: Uuid,
    customer_id: Uuid,
) -> ProjectionResult<Option<CustomerView>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {CUSTOMER_COLUMNS} FROM {CUSTOMERS_TABLE} c WHERE c.tenant_id = $1 AND c.customer_id = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(customer_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(customer_from_row).transpose()
}

/// A bound parameter of a query built at run time.
enum Param {
    Text(String),
    Number(f64),
    Integer(i64),
}

/// A query's text and its parameters, numbered as they are added.
#[derive(Default)]
struct Built {
    params: Vec<Param>,
}

impl Built {
    /// Adds a parameter; returns its placeholder (`$3`).
    fn param(&mut self, param: Param) -> String {
        self.params.push(param);
        format!("${}", self.params.len())
    }

    fn text(&mut self, text: impl Into<String>) -> String {
        self.param(Param::Text(text.into()))
    }

    fn bind<'q>(
        &self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        for param in &self.params {
            query = match param {
                Param::Text(text) => query.bind(text.clone()),
                Param::Number(number) => query.bind(*number),
                Param::Integer(integer) => query.bind(*integer),
            };
        }
        query
    }
}

/// The type a query treats a field as: the given one, a built-in field's, or text.
fn type_of(field_types: &BTreeMap<String, FieldType>, key: &str) -> FieldType {
    field_types.get(key).copied().unwrap_or_else(|| {
        customer::BUILT_IN_FIELDS
            .iter()
            .find(|field| field.key == key)
            .map_or(FieldType::Text, |field| field.field_type)
    })
}

/// `value` as stored values of the type are written, for comparing with them: dates
/// `YYYY-MM-DD`, times `HH:MM:SS`; `None` when it does not read as one.
fn comparable(field_type: FieldType, value: &str) -> Option<String> {
    let value = value.trim();
    match field_type {
        FieldType::Date => {
            NaiveDate::parse_from_str(value, "%Y-%m-%d").ok().map(|date| date.format("%Y-%m-%d").to_string())
        }
        FieldType::Time => NaiveTime::parse_from_str(value, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(value, "%H:%M"))
            .ok()
            .map(|time| time.format("%H:%M:%S").to_string()),
        _ => Some(value.to_owned()),
    }
}

fn number(value: Option<&str>) -> Option<f64> {
    value?.trim().parse::<f64>().ok().filter(|number| number.is_finite())
}

/// The predicate on a value row `v` that a condition with a value asks for; `None` when the
/// condition cannot hold (an operator the type does not take, a value that does not read as
/// the type: what `check_conditions` refuses).
fn value_predicate(built: &mut Built, field_type: FieldType, condition: &Condition) -> Option<String> {
    let value = condition.value.as_deref().filter(|value| !value.trim().is_empty())?;
    let value_to = condition.value_to.as_deref().filter(|value| !value.trim().is_empty());
    if !condition.op.applies_to(field_type) {
        return None;
    }
    let predicate = if is_numeric(field_type) {
        let low = built.param(Param::Number(number(Some(value))?));
        match condition.op {
            ConditionOp::Equals => format!("v.number_value = {low}"),
            ConditionOp::GreaterThan => format!("v.number_value > {low}"),
            ConditionOp::LessThan => format!("v.number_value < {low}"),
            ConditionOp::Between => {
                let high = built.param(Param::Number(number(value_to)?));
                format!("v.number_value BETWEEN {low} AND {high}")
            }
            _ => return None,
        }
    } else if matches!(field_type, FieldType::Date | FieldType::Time) {
        let low = built.text(comparable(field_type, value)?);
        match condition.op {
            ConditionOp::Equals => format!("v.text_value = {low}"),
            ConditionOp::GreaterThan => format!("v.text_value > {low}"),
            ConditionOp::LessThan => format!("v.text_value < {low}"),
            ConditionOp::Between => {
                let high = built.text(comparable(field_type, value_to?)?);
                format!("v.text_value BETWEEN {low} AND {high}")
            }
            _ => return None,
        }
    } else {
        let folded = fold(value);
        match condition.op {
            ConditionOp::Equals => format!("v.folded_value = {}", built.text(folded)),
            ConditionOp::Contains => {
                format!("v.folded_value LIKE {} ESCAPE '\\'", built.text(format!("%{}%", like_escaped(&folded))))
            }
            ConditionOp::StartsWith => {
                format!("v.folded_value LIKE {} ESCAPE '\\'", built.text(format!("{}%", like_escaped(&folded))))
            }
            _ => return None,
        }
    };
    Some(predicate)
}

/// The caller's tenant's customers that every condition admits, and how many there are in
/// all: a page of at most `limit` (capped at [`MAX_CUSTOMERS_PER_PAGE`]) after skipping
/// `offset`.
///
/// `field_types` gives the type of each field a condition or the sort names (the built-in
/// fields need not be in it). Text, phone, ID-card and gender values compare ignoring case
/// (`contains` and `starts_with` take `%` and `_` literally); numbers and money by value;
/// dates and times as their normalised text (a condition's `9:30` is `09:30:00`). `is_empty`
/// holds when the customer has no value for the field. Check conditions with
/// `hotline_domain::customer::check_conditions` first: one it would refuse matches nothing.
///
/// Sorted by the value of `sort`'s field (customers without one last), or newest first.
/// Forgotten customers are listed (as forgotten) only when there is no condition.
pub async fn find_customers(
    pool: &AnyPool,
    tenant_id: Uuid,
    conditions: &[Condition],
    field_types: &BTreeMap<String, FieldType>,
    sort: Option<(&str, bool)>,
    limit: usize,
    offset: usize,
) -> ProjectionResult<(Vec<CustomerView>, u64)> {
    let mut built = Built::default();
    let mut filters = vec![format!("c.tenant_id = {}", built.text(tenant_id.to_string()))];
    if !conditions.is_empty() {
        filters.push("c.forgotten = 0".to_owned());
    }
    for condition in conditions {
        let field_type = type_of(field_types, &condition.field);
        let key = built.text(condition.field.as_str());
        let value_of_field = format!(
            "SELECT 1 FROM {CUSTOMER_VALUES_TABLE} v WHERE v.tenant_id = c.tenant_id AND v.customer_id = c.customer_id \
             AND v.key = {key}"
        );
        let filter = match condition.op {
            ConditionOp::IsEmpty => format!("NOT EXISTS ({value_of_field})"),
            ConditionOp::NotEmpty => format!("EXISTS ({value_of_field})"),
            _ => match value_predicate(&mut built, field_type, condition) {
                Some(predicate) => format!("EXISTS ({value_of_field} AND {predicate})"),
                None => "1 = 0".to_owned(),
            },
        };
        filters.push(filter);
    }
    let filters = filters.join(" AND ");

    let count_query = format!("SELECT COUNT(*) FROM {CUSTOMERS_TABLE} c WHERE {filters}");
    let total: i64 = built.bind(sqlx::query(AssertSqlSafe(count_query))).fetch_one(pool).await?.try_get(0)?;

    let (join, order) = match sort {
        Some((field, descending)) => {
            let key = built.text(field);
            let column = match type_of(field_types, field) {
                field_type if is_numeric(field_type) => "s.number_value",
                FieldType::Date | FieldType::Time => "s.text_value",
                _ => "s.folded_value",
            };
            let direction = if descending { "DESC" } else { "ASC" };
            (
                format!(
                    "LEFT JOIN {CUSTOMER_VALUES_TABLE} s ON s.tenant_id = c.tenant_id \
                     AND s.customer_id = c.customer_id AND s.key = {key}"
                ),
                format!(
                    "CASE WHEN {column} IS NULL THEN 1 ELSE 0 END, {column} {direction}, c.created_at DESC, \
                     c.customer_id DESC"
                ),
            )
        }
        None => (String::new(), "c.created_at DESC, c.customer_id DESC".to_owned()),
    };
    let limit_param = built.param(Param::Integer(to_i64_clamped(limit.min(MAX_CUSTOMERS_PER_PAGE))));
    let offset_param = built.param(Param::Integer(to_i64_clamped(offset)));
    let page_query = format!(
        "SELECT {CUSTOMER_COLUMNS} FROM {CUSTOMERS_TABLE} c {join} WHERE {filters} ORDER BY {order} \
         LIMIT {limit_param} OFFSET {offset_param}"
    );
    let rows = built.bind(sqlx::query(AssertSqlSafe(page_query))).fetch_all(pool).await?;
    let customers = rows.iter().map(customer_from_row).collect::<ProjectionResult<Vec<_>>>()?;
    Ok((customers, u64::try_from(total).unwrap_or_default()))
}

fn to_i64_clamped(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// The caller's tenant's customers (not forgotten) with the same phone number (its digits)
/// or ID-card number (ignoring case) as given, oldest first, at most [`MAX_MATCHES`]. Blank
/// details match nobody.
pub async fn duplicates(
    pool: &AnyPool,
    tenant_id: Uuid,
    phone: Option<&str>,
    id_card: Option<&str>,
) -> ProjectionResult<Vec<CustomerView>> {
    let mut built = Built::default();
    let tenant = built.text(tenant_id.to_string());
    let mut matches = Vec::new();
    if let Some(key) = phone.and_then(phone_key) {
        matches.push(format!("c.phone_key = {}", built.text(key)));
    }
    if let Some(key) = id_card.and_then(id_card_key) {
        matches.push(format!("c.id_card_key = {}", built.text(key)));
    }
    if matches.is_empty() {
        return Ok(Vec::new());
    }
    let query = format!(
        "SELECT {CUSTOMER_COLUMNS} FROM {CUSTOMERS_TABLE} c WHERE c.tenant_id = {tenant} AND c.forgotten = 0 \
         AND ({}) ORDER BY c.created_at, c.customer_id LIMIT {MAX_MATCHES}",
        matches.join(" OR ")
    );
    let rows = built.bind(sqlx::query(AssertSqlSafe(query))).fetch_all(pool).await?;
    rows.iter().map(customer_from_row).collect()
}

/// Every phone key and ID-card key of the caller's tenant's customers (not forgotten), as
/// [`phone_key`] and [`id_card_key`] make them: for checking a whole import for duplicates
/// with two queries rather than one per row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DuplicateKeys {
    pub phones: HashSet<String>,
    pub id_cards: HashSet<String>,
}

pub async fn duplicate_keys(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<DuplicateKeys> {
    let phones: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT phone_key FROM {CUSTOMERS_TABLE} WHERE tenant_id = $1 AND forgotten = 0 AND phone_key IS NOT NULL"
    )))
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    let id_cards: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT id_card_key FROM {CUSTOMERS_TABLE} WHERE tenant_id = $1 AND forgotten = 0 AND id_card_key IS NOT NULL"
    )))
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    Ok(DuplicateKeys { phones: phones.into_iter().collect(), id_cards: id_cards.into_iter().collect() })
}

/// The screen pop: the caller's tenant's customers (not forgotten) with the phone number
/// (its digits), or any value equal to the email ignoring case and surrounding spaces;
/// most recently updated first, at most [`MAX_MATCHES`]. Blank details match nobody.
pub async fn customers_by_phone_or_email(
    pool: &AnyPool,
    tenant_id: Uuid,
    phone: Option<&str>,
    email: Option<&str>,
) -> ProjectionResult<Vec<CustomerView>> {
    let mut built = Built::default();
    let tenant = built.text(tenant_id.to_string());
    let mut matches = Vec::new();
    if let Some(key) = phone.and_then(phone_key) {
        matches.push(format!("c.phone_key = {}", built.text(key)));
    }
    if let Some(email) = email.map(fold).filter(|email| !email.is_empty()) {
        matches.push(format!(
            "c.customer_id IN (SELECT v.customer_id FROM {CUSTOMER_VALUES_TABLE} v \
             WHERE v.tenant_id = {tenant} AND v.folded_value = {})",
            built.text(email)
        ));
    }
    if matches.is_empty() {
        return Ok(Vec::new());
    }
    let query = format!(
        "SELECT {CUSTOMER_COLUMNS} FROM {CUSTOMERS_TABLE} c WHERE c.tenant_id = {tenant} AND c.forgotten = 0 \
         AND ({}) ORDER BY c.updated_at DESC, c.customer_id LIMIT {MAX_MATCHES}",
        matches.join(" OR ")
    );
    let rows = built.bind(sqlx::query(AssertSqlSafe(query))).fetch_all(pool).await?;
    rows.iter().map(customer_from_row).collect()
}

/// The saved queries `user_id` sees in the caller's tenant: their own and the shared ones,
/// ordered by name.
pub async fn list_saved_queries(pool: &AnyPool, tenant_id: Uuid, user_id: Uuid) -> ProjectionResult<Vec<SavedQuery>> {
    saved_queries::list(pool, CUSTOMER_SAVED_QUERIES_TABLE, tenant_id, user_id).await
}

/// One saved query of the caller's tenant, when `user_id` sees it (theirs, or shared).
pub async fn get_saved_query(
    pool: &AnyPool,
    tenant_id: Uuid,
    user_id: Uuid,
    query_id: Uuid,
) -> ProjectionResult<Option<SavedQuery>> {
    saved_queries::get(pool, CUSTOMER_SAVED_QUERIES_TABLE, tenant_id, user_id, query_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_for_duplicates_keep_digits_and_ignore_case() {
        assert_eq!(phone_key("+86 (138) 0013-8000").as_deref(), Some("8613800138000"));
        assert_eq!(phone_key(" - "), None);
        assert_eq!(id_card_key(" 11010519491231002x ").as_deref(), Some("11010519491231002X"));
        assert_eq!(id_card_key("  "), None);
    }

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(like_escaped(r"50%_off\"), r"50\%\_off\\");
    }

    #[test]
    fn condition_values_compare_as_stored_values_are_written() {
        assert_eq!(comparable(FieldType::Time, "9:30").as_deref(), Some("09:30:00"));
        assert_eq!(comparable(FieldType::Time, "17:05:09").as_deref(), Some("17:05:09"));
        assert_eq!(comparable(FieldType::Date, "2026-1-5").as_deref(), Some("2026-01-05"));
        assert_eq!(comparable(FieldType::Date, "soon"), None);
        assert_eq!(number(Some(" 12.50 ")), Some(12.5));
        assert_eq!(number(Some("inf")), None);
    }

    #[test]
    fn field_types_round_trip_through_their_names() {
        for field_type in [FieldType::Text, FieldType::IdCard, FieldType::Money] {
            assert_eq!(parse_field_type(&field_type_name(field_type)), Some(field_type));
        }
        assert_eq!(field_type_name(FieldType::IdCard), "id_card");
    }

    #[test]
    fn opened_profiles_leave_out_blank_values() {
        let values = read_profile(1, br#"{"name":"Ann","city":" ","vip_level":3,"note":null}"#).unwrap();
        assert_eq!(values, BTreeMap::from([("name".into(), "Ann".into()), ("vip_level".into(), "3".into())]));
        assert!(matches!(read_profile(7, b"[1]"), Err(ProjectionError::Apply { position: 7, .. })));
    }
}
