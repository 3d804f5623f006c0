//! Small helpers the read models share: SQL templates
//! naming suffixed tables, and conversions between read-model columns and domain values.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::runner::{ProjectionError, ProjectionResult, is_sqlite, table_name};

/// `template` with every `{table}` replaced by `table` plus `suffix`.
pub(crate) fn sql(template: &str, table: &str, suffix: &str) -> String {
    template.replace("{table}", &table_name(table, suffix))
}

pub(crate) async fn execute_all(connection: &mut AnyConnection, statements: &[String]) -> ProjectionResult<()> {
    for statement in statements {
        sqlx::query(AssertSqlSafe(statement.as_str())).execute(&mut *connection).await?;
    }
    Ok(())
}

/// Whether `table` has `column` (for read models that gained a column after release).
pub(crate) async fn has_column(connection: &mut AnyConnection, table: &str, column: &str) -> ProjectionResult<bool> {
    let count: i64 = if is_sqlite(connection) {
        sqlx::query_scalar("SELECT COUNT(*) FROM pragma_table_info($1) WHERE name = $2")
    } else {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2",
        )
    }
    .bind(table)
    .bind(column)
    .fetch_one(&mut *connection)
    .await?;
    Ok(count > 0)
}

pub(crate) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).expect("positions and versions stay below i64::MAX")
}

pub(crate) fn to_u64(column: &str, value: i64) -> ProjectionResult<u64> {
    u64::try_from(value).map_err(|_| ProjectionError::CorruptRow(format!("{column} is {value}")))
}

pub(crate) fn parse_uuid(text: &str) -> ProjectionResult<Uuid> {
    Uuid::parse_str(text).map_err(|error| ProjectionError::CorruptRow(format!("uuid {text:?}: {error}")))
}

pub(crate) fn uuid_column(row: &AnyRow, column: &str) -> ProjectionResult<Uuid> {
    parse_uuid(&row.try_get::<String, _>(column)?)
}

pub(crate) fn optional_uuid_column(row: &AnyRow, column: &str) -> ProjectionResult<Option<Uuid>> {
    row.try_get::<Option<String>, _>(column)?.as_deref().map(parse_uuid).transpose()
}

pub(crate) fn time_column(row: &AnyRow, column: &str) -> ProjectionResult<DateTime<Utc>> {
    let micros: i64 = row.try_get(column)?;
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| ProjectionError::CorruptRow(format!("{column} {micros} is out of range")))
}

/// Reads a column holding one of a domain enum's names (`parse` is the enum's own).
pub(crate) fn enum_column<T>(row: &AnyRow, column: &str, parse: fn(&str) -> Option<T>) -> ProjectionResult<T> {
    let text: String = row.try_get(column)?;
    parse(&text).ok_or_else(|| ProjectionError::CorruptRow(format!("{column} {text:?} is unknown")))
}

/// `text` for a `LIKE ... ESCAPE '\'` pattern: `\`, `%` and `_` match themselves.
pub(crate) fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if matches!(character, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}
