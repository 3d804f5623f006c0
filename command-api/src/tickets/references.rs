//! Form values that point at other things: the users, groups, units and tickets of pickers,
//! the files of uploads, and the dictionary entries and customers of query fields. The domain
//! checks their shape; only the log and the blob store can say whether an id names something
//! of the ticket's tenant, so that is checked here before a command goes on. A hand-made
//! request cannot link a ticket to another tenant's user, file or customer, to a disabled
//! entry, or to an id that names nothing. The sources query fields name (a dictionary, the
//! customer fields their conditions use) are checked when a form is saved.
//!
//! Uploads are stored first ([`TicketService::store_file`]) and named by the values after,
//! so that a form never carries file bytes. A file stays unclaimed until a value naming it is
//! checked here; files of forms given up go after [`UNCLAIMED_FILE_HOURS`]
//! ([`TicketService::sweep_unclaimed_files`]).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use hotline_domain::access::role::{self, BuiltInRole, Role};
use hotline_domain::customer::{self, BUILT_IN_FIELDS, Customer};
use hotline_domain::dictionary::{self, Dictionary, DictionaryEntry};
use hotline_domain::identity::user::{self, User};
use hotline_domain::organisation::{self, Organisation, OrganisationState};
use hotline_domain::ticket::{
    self, FieldKind, FileValue, FormSpec, QuerySource, QueryValue, ReferenceKind, Ticket, query_values, references,
};
use hotline_domain::{DomainError, FieldError, StreamId};
use hotline_infra::blobs::BlobInfo;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{CREATE_PERMISSION, MENU_PERMISSION, TicketService, invalid_values};
use crate::auth::Session;
use crate::error::ApiError;

/// The largest file a ticket form takes.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// How long an uploaded file waits for the form that names it to be sent.
pub const UNCLAIMED_FILE_HOURS: i64 = 24;
/// Unclaimed files deleted per sweep at most; the rest go at the next.
const SWEEP_BATCH: u32 = 500;

fn missing(kind: ReferenceKind) -> &'static str {
    match kind {
        ReferenceKind::User => "no such user in this organisation",
        ReferenceKind::Group => "no such user group in this organisation",
        ReferenceKind::Department => "no such department in this organisation",
        ReferenceKind::Ticket => "no such ticket",
        ReferenceKind::File => "no such uploaded file",
    }
}

fn invalid_form(message: String) -> DomainError {
    DomainError::new("ticket_type.invalid_form", message)
}

impl TicketService {
    /// Refuses values (typed, and calculated by the rules) whose pickers, uploads or query
    /// fields name what the tenant does not have, naming every such field at once. What a
    /// field already `held` (the ticket's values before; empty when opening) was checked when
    /// it was recorded: it stays, though its dictionary entry was disabled since.
    pub(crate) async fn check_references(
        &self,
        tenant_id: Uuid,
        form: &FormSpec,
        values: &[&Map<String, Value>],
        held: &Map<String, Value>,
    ) -> Result<(), ApiError> {
        let mut checked: BTreeSet<(ReferenceKind, Uuid)> = BTreeSet::new();
        checked.extend(references(form, held).into_iter().map(|found| (found.kind, found.id)));
        let mut organisation: Option<OrganisationState> = None;
        let mut errors: Vec<FieldError> = Vec::new();
        for found in values.iter().flat_map(|values| references(form, values)) {
            // Who decided an approval is the ticket's to record, whatever the browser says.
            let stamped = form.field(&found.field).is_some_and(|field| field.kind == FieldKind::Approval);
            if stamped
                || errors.iter().any(|error| error.field == found.field)
                || !checked.insert((found.kind, found.id))
            {
                continue;
            }
            let exists = match found.kind {
                ReferenceKind::User => {
                    let (state, _) =
                        self.dispatcher.load::<User>(tenant_id, &StreamId::new(user::CONTEXT, found.id)).await?;
                    state.created.is_some()
                }
                ReferenceKind::Group => self.role_exists(tenant_id, found.id).await?,
                ReferenceKind::Department => {
                    if organisation.is_none() {
                        let stream = organisation::stream_id(tenant_id);
                        organisation = Some(self.dispatcher.load::<Organisation>(tenant_id, &stream).await?.0);
                    }
                    organisation.as_ref().is_some_and(|state| state.units.contains_key(&found.id))
                }
                ReferenceKind::Ticket => {
                    let stream = ticket::stream_id(found.id);
                    self.dispatcher.load::<Ticket>(tenant_id, &stream).await?.0.type_id.is_some()
                }
                // Claimed as it is checked: the clean-up leaves it from now on.
                ReferenceKind::File => self.blobs.claim(tenant_id, found.id).await?,
            };
            if !exists {
                errors.push(FieldError::new(&found.field, missing(found.kind)));
            }
        }
        let held = query_values(form, held);
        let mut dictionaries: HashMap<String, Vec<DictionaryEntry>> = HashMap::new();
        for found in values.iter().flat_map(|values| query_values(form, values)) {
            if errors.iter().any(|error| error.field == found.field) || held.contains(&found) {
                continue;
            }
            if let Some(problem) = self.query_value_problem(tenant_id, &found, &mut dictionaries).await? {
                errors.push(FieldError::new(&found.field, problem));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(invalid_values(errors)) }
    }

    /// Why a query field may not hold a value, or `None` when it may: an enabled entry of its
    /// dictionary, or a customer of the tenant who was not forgotten. (A customer's values are
    /// not in the log's clear text, so the field's conditions narrow what is offered but are
    /// not checked again here.)
    async fn query_value_problem(
        &self,
        tenant_id: Uuid,
        found: &QueryValue,
        dictionaries: &mut HashMap<String, Vec<DictionaryEntry>>,
    ) -> Result<Option<String>, ApiError> {
        let problem = match &found.source {
            QuerySource::Dictionary { code } => {
                if !dictionaries.contains_key(code) {
                    let entries = self.dictionary(tenant_id, code).await?.unwrap_or_default();
                    dictionaries.insert(code.clone(), entries);
                }
                match dictionaries[code].iter().find(|entry| entry.code == found.value) {
                    None => Some(format!("{:?} is not an entry of the dictionary {code}", found.value)),
                    Some(entry) if !entry.enabled => Some(format!("the entry {:?} is disabled", found.value)),
                    Some(_) => None,
                }
            }
            QuerySource::Customers { .. } => {
                let customer_id = Uuid::parse_str(&found.value).unwrap_or_default();
                let stream = customer::stream_id(customer_id);
                match self.dispatcher.load::<Customer>(tenant_id, &stream).await?.0.status {
                    customer::Status::Active => None,
                    customer::Status::Forgotten => Some("the customer was forgotten".to_owned()),
                    customer::Status::NotCreated => Some("no such customer in this organisation".to_owned()),
                }
            }
        };
        Ok(problem)
    }

    /// The entries of the tenant's dictionary with this code; `None` when there is none.
    async fn dictionary(&self, tenant_id: Uuid, code: &str) -> Result<Option<Vec<DictionaryEntry>>, ApiError> {
        let stream = StreamId::new(dictionary::CONTEXT, dictionary::dictionary_id_for_code(tenant_id, code));
        let (state, _) = self.dispatcher.load::<Dictionary>(tenant_id, &stream).await?;
        Ok(state.created.map(|_| state.entries))
    }

    async fn role_exists(&self, tenant_id: Uuid, role_id: Uuid) -> Result<bool, ApiError> {
        if BuiltInRole::from_id(role_id).is_some() {
            return Ok(true);
        }
        let stream = StreamId::new(role::CONTEXT, role_id);
        Ok(self.dispatcher.load::<Role>(tenant_id, &stream).await?.0.definition.is_some())
    }

    /// Refuses a form with a form for a role the tenant does not have. A form the domain
    /// cannot read passes: saving it is refused with the domain's own message.
    pub(crate) async fn check_role_forms(&self, tenant_id: Uuid, form: &Value) -> Result<(), ApiError> {
        let Ok(spec) = FormSpec::from_form_js(form) else { return Ok(()) };
        for role_id in spec.role_forms.roles.keys() {
            if !self.role_exists(tenant_id, *role_id).await? {
                return Err(invalid_form(format!(
                    "the form has a form for the role {role_id}, which this organisation does not have"
                ))
                .into());
            }
        }
        Ok(())
    }

    /// Refuses a form whose query fields name a dictionary the tenant does not have, or
    /// customer fields (in conditions or columns) it does not define. A form the domain
    /// cannot read passes: saving it is refused with the domain's own message.
    pub(crate) async fn check_query_sources(&self, tenant_id: Uuid, form: &Value) -> Result<(), ApiError> {
        let Ok(spec) = FormSpec::from_form_js(form) else { return Ok(()) };
        let mut customer_fields = None;
        for field in &spec.fields {
            let key = &field.key;
            match &field.query {
                None => {}
                Some(QuerySource::Dictionary { code }) => {
                    let known = self.dictionary(tenant_id, code).await?.is_some();
                    if !known {
                        return Err(invalid_form(format!(
                            "the query field {key:?} names the dictionary {code:?}, which this organisation does not have"
                        ))
                        .into());
                    }
                }
                Some(QuerySource::Customers { conditions, columns }) => {
                    if customer_fields.is_none() {
                        let stream = customer::fields_stream_id(tenant_id);
                        customer_fields =
                            Some(self.dispatcher.load::<customer::CustomerFields>(tenant_id, &stream).await?.0.fields);
                    }
                    let fields = customer_fields.as_deref().unwrap_or_default();
                    customer::check_conditions(fields, conditions).map_err(|error| {
                        invalid_form(format!(
                            "the query field {key:?} has a condition that does not fit: {}",
                            error.message
                        ))
                    })?;
                    if let Some(column) = columns
                        .iter()
                        .find(|column| !BUILT_IN_FIELDS.iter().chain(fields).any(|known| &known.key == *column))
                    {
                        return Err(invalid_form(format!(
                            "the query field {key:?} shows the column {column:?}, which is not a customer field"
                        ))
                        .into());
                    }
                }
            }
        }
        Ok(())
    }

    /// Keeps a file a user is about to put in a ticket's upload field, and answers the value
    /// the field holds for it.
    pub async fn store_file(
        &self,
        session: &Session,
        name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<FileValue, ApiError> {
        if !session.has(MENU_PERMISSION) {
            session.require(CREATE_PERMISSION)?;
        }
        self.keep_file(session.tenant_id, name, content_type, bytes).await
    }

    /// Keeps a file for a ticket of the tenant (a user's or an outside collaborator's).
    pub(crate) async fn keep_file(
        &self,
        tenant_id: Uuid,
        name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<FileValue, ApiError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 255 {
            return Err(ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "ticket.invalid_file",
                "a file needs a name of 1 to 255 characters (the X-File-Name header)",
            ));
        }
        if bytes.is_empty() {
            return Err(ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "ticket.invalid_file",
                "the file is empty",
            ));
        }
        if bytes.len() > MAX_FILE_BYTES {
            return Err(ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "ticket.file_too_large",
                format!("a ticket's file may be at most {} MB", MAX_FILE_BYTES / (1024 * 1024)),
            ));
        }
        let info = BlobInfo {
            blob_id: Uuid::new_v4(),
            name: name.to_owned(),
            content_type: if content_type.trim().is_empty() { "application/octet-stream" } else { content_type }
                .to_owned(),
            size: bytes.len() as u64,
        };
        self.blobs.put_unclaimed(tenant_id, &info, bytes, Utc::now()).await?;
        Ok(FileValue { blob_id: info.blob_id, name: info.name, size: info.size, content_type: info.content_type })
    }

    /// Deletes the files uploaded for forms that were not sent within
    /// [`UNCLAIMED_FILE_HOURS`] of `now`; returns how many.
    pub async fn sweep_unclaimed_files(&self, now: DateTime<Utc>) -> Result<u64, ApiError> {
        let kept_before = now - chrono::Duration::hours(UNCLAIMED_FILE_HOURS);
        Ok(self.blobs.sweep_unclaimed(kept_before, SWEEP_BATCH).await?)
    }

    /// A file one of the ticket's upload fields holds, with its bytes; `None` when the
    /// ticket's values name no such file (a file id alone never opens a file).
    pub async fn ticket_file(
        &self,
        tenant_id: Uuid,
        form: &FormSpec,
        values: &Map<String, Value>,
        blob_id: Uuid,
    ) -> Result<Option<(BlobInfo, Vec<u8>)>, ApiError> {
        let held =
            references(form, values).iter().any(|found| found.kind == ReferenceKind::File && found.id == blob_id);
        if !held {
            return Ok(None);
        }
        Ok(self.blobs.get(tenant_id, blob_id).await?)
    }
}
