//! The customer service: field definitions, profiles sealed with each customer's own key,
//! forgetting (crypto-shredding), and the spreadsheet import.
//!
//! Personal data is validated here in clear, sealed, and only then given to the log. A key
//! is made before its customer's first event; if that event is then refused, the key is
//! simply never used.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use hotline_domain::customer::{
    self, Customer, CustomerAction, CustomerCommand, CustomerFields, DefineFields, FieldDefinition, FieldError,
    FieldType, Sealed, Status, validate_values,
};
use hotline_infra::keys::{self, SubjectKeys};
use serde::Serialize;
use uuid::Uuid;

use super::excel;
use crate::auth::Session;
use crate::dispatcher::{CommandMeta, CommandOutcome, Dispatcher};
use crate::error::{ApiError, FieldProblem};

pub const MENU_PERMISSION: &str = "menu.customers";
pub const EDIT_PERMISSION: &str = "customer.edit";
pub const FORGET_PERMISSION: &str = "customer.forget";
pub const FIELDS_PERMISSION: &str = "customer.fields.edit";
pub const IMPORT_PERMISSION: &str = "customer.import";
pub const EXPORT_PERMISSION: &str = "customers.export";
/// Rows imported at once (keys stored together, commands in flight together).
const IMPORT_CHUNK: usize = 1000;
const IMPORT_CONCURRENCY: usize = 64;

/// What an import did, row by row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub imported: u32,
    pub failed: u32,
    pub duplicates: u32,
    pub errors: Vec<ImportRowError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRowError {
    pub row: u32,
    pub field: Option<String>,
    pub message: String,
}

/// The keys two customers clash on: the phone's digits, and an ID-card number.
pub fn duplicate_keys(fields: &[FieldDefinition], values: &BTreeMap<String, String>) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(phone) = values.get("phone") {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            keys.push(format!("phone:{digits}"));
        }
    }
    for field in fields.iter().filter(|field| field.field_type == FieldType::IdCard) {
        if let Some(number) = values.get(&field.key) {
            keys.push(format!("id:{}", number.to_ascii_uppercase()));
        }
    }
    keys
}

fn invalid_values(errors: Vec<FieldError>) -> ApiError {
    let listed: Vec<String> = errors.iter().map(|error| format!("{}: {}", error.field, error.message)).collect();
    ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "customer.invalid_values", listed.join("; "))
        .with_fields(
            errors.into_iter().map(|error| FieldProblem { field: error.field, message: error.message }).collect(),
        )
}

#[derive(Clone)]
pub struct CustomerService {
    dispatcher: Arc<Dispatcher>,
    keys: SubjectKeys,
}

impl CustomerService {
    pub fn new(dispatcher: Arc<Dispatcher>, keys: SubjectKeys) -> Self {
        Self { dispatcher, keys }
    }

    /// The process's subject keys (customers' and callers'), for opening what they sealed.
    pub fn keys(&self) -> &SubjectKeys {
        &self.keys
    }

    /// The id a customer created by this command gets (a retried command names the same one).
    pub fn customer_id_for_command(command_id: Uuid) -> Uuid {
        Uuid::new_v5(&command_id, b"customer")
    }

    fn meta(
        session: &Session,
        permission: &str,
        command_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CommandMeta, ApiError> {
        session.require(permission)?;
        Ok(CommandMeta::new(command_id, session.tenant_id, session.actor(), now))
    }

    /// The tenant's own fields (the built-in ones are `customer::BUILT_IN_FIELDS`).
    pub async fn fields(&self, tenant_id: Uuid) -> Result<Vec<FieldDefinition>, ApiError> {
        let stream_id = customer::fields_stream_id(tenant_id);
        Ok(self.dispatcher.load::<CustomerFields>(tenant_id, &stream_id).await?.0.fields)
    }

    /// Built-in and tenant fields, in form order.
    pub async fn all_fields(&self, tenant_id: Uuid) -> Result<Vec<FieldDefinition>, ApiError> {
        let mut fields: Vec<FieldDefinition> = customer::BUILT_IN_FIELDS.to_vec();
        fields.extend(self.fields(tenant_id).await?);
        fields.sort_by_key(|field| field.sort_order);
        Ok(fields)
    }

    pub async fn define_fields(
        &self,
        session: &Session,
        command_id: Uuid,
        fields: Vec<FieldDefinition>,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = Self::meta(session, FIELDS_PERMISSION, command_id, now)?;
        self.dispatcher.dispatch::<CustomerFields>(&meta, &DefineFields { tenant_id: session.tenant_id, fields }).await
    }

    fn seal(key: &[u8; 32], key_id: Uuid, values: &BTreeMap<String, String>) -> Sealed {
        let plaintext = serde_json::to_vec(values).expect("text values serialise");
        Sealed { key_id, ciphertext: keys::seal(key, &plaintext) }
    }

    pub async fn create(
        &self,
        session: &Session,
        command_id: Uuid,
        values: BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, CommandOutcome), ApiError> {
        let meta = Self::meta(session, EDIT_PERMISSION, command_id, now)?;
        let fields = self.fields(session.tenant_id).await?;
        let values = validate_values(&fields, &values).map_err(invalid_values)?;
        let customer_id = Self::customer_id_for_command(command_id);
        let key_id = Uuid::new_v5(&customer_id, b"key");
        let key = match self.keys.get(session.tenant_id, key_id).await? {
            // A retried command: its key was made the first time.
            Some(key) => key,
            None => self.keys.create(session.tenant_id, key_id).await?,
        };
        let sealed = Self::seal(&key, key_id, &values);
        let command = CustomerCommand {
            tenant_id: session.tenant_id,
            customer_id,
            at: now,
            action: CustomerAction::Create { values, fields, sealed },
        };
        let outcome = self.dispatcher.dispatch::<Customer>(&meta, &command).await?;
        Ok((customer_id, outcome))
    }

    pub async fn update(
        &self,
        session: &Session,
        command_id: Uuid,
        customer_id: Uuid,
        values: BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = Self::meta(session, EDIT_PERMISSION, command_id, now)?;
        let (state, _) = self.dispatcher.load::<Customer>(session.tenant_id, &customer::stream_id(customer_id)).await?;
        let key_id = match (state.status, state.key_id) {
            (Status::Active, Some(key_id)) => key_id,
            (Status::Forgotten, _) => {
                return Err(ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "customer.forgotten",
                    "the customer was forgotten; their data is gone",
                ));
            }
            _ => return Err(not_found(customer_id)),
        };
        let key = self.keys.get(session.tenant_id, key_id).await?.ok_or_else(|| not_found(customer_id))?;
        let fields = self.fields(session.tenant_id).await?;
        let values = validate_values(&fields, &values).map_err(invalid_values)?;
        let sealed = Self::seal(&key, key_id, &values);
        let command = CustomerCommand {
            tenant_id: session.tenant_id,
            customer_id,
            at: now,
            action: CustomerAction::Update { values, fields, sealed },
        };
        self.dispatcher.dispatch::<Customer>(&meta, &command).await
    }

    /// Records that the customer is forgotten, then destroys their key: from then on nothing
    /// sealed with it can be read, anywhere. Forgetting twice destroys nothing new.
    pub async fn forget(
        &self,
        session: &Session,
        command_id: Uuid,
        customer_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = Self::meta(session, FORGET_PERMISSION, command_id, now)?;
        let command =
            CustomerCommand { tenant_id: session.tenant_id, customer_id, at: now, action: CustomerAction::Forget };
        let outcome = self.dispatcher.dispatch::<Customer>(&meta, &command).await?;
        // Also after a repeat: a key left behind by an earlier, interrupted forget goes now.
        let (state, _) = self.dispatcher.load::<Customer>(session.tenant_id, &customer::stream_id(customer_id)).await?;
        if let Some(key_id) = state.key_id {
            self.keys.destroy(session.tenant_id, key_id).await?;
        }
        Ok(outcome)
    }

    /// Imports the rows of a spreadsheet: each good row becomes a customer, each bad row is
    /// reported with its problems, and a row whose phone or ID-card number is already a
    /// customer's (`existing`, from the read model) or an earlier row's is a duplicate.
    /// Rows are named by `command_id` and their row number, so sending the same file again
    /// under the same command id imports nothing twice.
    pub async fn import(
        &self,
        session: &Session,
        command_id: Uuid,
        bytes: &[u8],
        existing: &HashSet<String>,
        now: DateTime<Utc>,
    ) -> Result<ImportReport, ApiError> {
        Self::meta(session, IMPORT_PERMISSION, command_id, now)?;
        let fields = self.fields(session.tenant_id).await?;
        let rows = excel::read_rows(bytes, &fields).map_err(sheet_error)?;
        let mut report = ImportReport::default();
        let mut seen: HashSet<String> = existing.clone();
        let mut good = Vec::new();
        for row in rows {
            match validate_values(&fields, &row.values) {
                Err(errors) => {
                    report.failed += 1;
                    report.errors.extend(errors.into_iter().map(|error| ImportRowError {
                        row: row.row,
                        field: Some(error.field),
                        message: error.message,
                    }));
                }
                Ok(values) => {
                    let keys = duplicate_keys(&fields, &values);
                    if let Some(clash) = keys.iter().find(|key| seen.contains(*key)) {
                        report.duplicates += 1;
                        let (kind, value) = clash.split_once(':').unwrap_or(("", clash));
                        let field = if kind == "phone" { "phone" } else { "id_card" };
                        report.errors.push(ImportRowError {
                            row: row.row,
                            field: Some(field.to_owned()),
                            message: format!(
                                "a customer with this {} exists already ({value})",
                                field.replace('_', "-")
                            ),
                        });
                        continue;
                    }
                    seen.extend(keys);
                    good.push((row.row, values));
                }
            }
        }
        for chunk in good.chunks(IMPORT_CHUNK) {
            let ids: Vec<(Uuid, Uuid, Uuid)> = chunk
                .iter()
                .map(|(row, _)| {
                    let row_command = Uuid::new_v5(&command_id, format!("row:{row}").as_bytes());
                    let customer_id = Self::customer_id_for_command(row_command);
                    (row_command, customer_id, Uuid::new_v5(&customer_id, b"key"))
                })
                .collect();
            let key_ids: Vec<Uuid> = ids.iter().map(|(_, _, key_id)| *key_id).collect();
            let keys = match self.keys.create_many(session.tenant_id, &key_ids).await {
                Ok(keys) => keys,
                // The same file again under the same command id: its keys exist; read them.
                Err(_) => {
                    let mut keys = Vec::with_capacity(key_ids.len());
                    for key_id in &key_ids {
                        let key = self.keys.get(session.tenant_id, *key_id).await?;
                        keys.push(key.ok_or_else(|| ApiError::internal("an import's key is missing"))?);
                    }
                    keys
                }
            };
            // Owned commands first: the futures below borrow nothing from this chunk.
            let commands: Vec<(u32, CommandMeta, CustomerCommand)> = chunk
                .iter()
                .zip(&ids)
                .zip(keys)
                .map(|(((row, values), (row_command, customer_id, key_id)), key)| {
                    let meta = CommandMeta::new(*row_command, session.tenant_id, session.actor(), now);
                    let action = CustomerAction::Create {
                        values: values.clone(),
                        fields: fields.clone(),
                        sealed: Self::seal(&key, *key_id, values),
                    };
                    let command =
                        CustomerCommand { tenant_id: session.tenant_id, customer_id: *customer_id, at: now, action };
                    (*row, meta, command)
                })
                .collect();
            let results: Vec<(u32, Result<CommandOutcome, ApiError>)> = futures::stream::iter(commands)
                .map(|(row, meta, command)| {
                    let dispatcher = self.dispatcher.clone();
                    async move { (row, dispatcher.dispatch::<Customer>(&meta, &command).await) }
                })
                .buffer_unordered(IMPORT_CONCURRENCY)
                .collect()
                .await;
            for (row, result) in results {
                match result {
                    Ok(_) => report.imported += 1,
                    Err(error) => {
                        report.failed += 1;
                        report.errors.push(ImportRowError { row, field: None, message: error.message });
                    }
                }
            }
        }
        report.errors.sort_by_key(|error| error.row);
        Ok(report)
    }

    /// Saves one of the caller's queries (checked against the tenant's fields first).
    pub async fn save_query(
        &self,
        session: &Session,
        command_id: Uuid,
        query: customer::SavedQuery,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = Self::meta(session, MENU_PERMISSION, command_id, now)?;
        let fields = self.fields(session.tenant_id).await?;
        customer::check_conditions(&fields, &query.body.conditions)?;
        if let Some(sort_field) = &query.body.sort_field {
            customer::check_sort_field(&fields, sort_field)?;
        }
        let command =
            customer::SavedQueriesCommand::Save { tenant_id: session.tenant_id, query, by_user: session.user_id };
        self.dispatcher.dispatch::<customer::SavedQueries>(&meta, &command).await
    }

    pub async fn delete_query(
        &self,
        session: &Session,
        command_id: Uuid,
        query_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = Self::meta(session, MENU_PERMISSION, command_id, now)?;
        let command =
            customer::SavedQueriesCommand::Delete { tenant_id: session.tenant_id, query_id, by_user: session.user_id };
        self.dispatcher.dispatch::<customer::SavedQueries>(&meta, &command).await
    }
}

fn not_found(customer_id: Uuid) -> ApiError {
    ApiError::new(axum::http::StatusCode::NOT_FOUND, "customer.not_found", format!("no customer {customer_id}"))
}

fn sheet_error(error: excel::SheetError) -> ApiError {
    match error {
        excel::SheetError::TooLarge { .. } => {
            ApiError::new(axum::http::StatusCode::PAYLOAD_TOO_LARGE, "customer.import_too_large", error.to_string())
        }
        _ => ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "customer.import_unreadable",
            error.to_string(),
        ),
    }
}
