//! Form values that point at other things: the users, groups, units and tickets of pickers
//! and the files of uploads. The domain checks their shape; only the log and the blob store
//! can say whether an id names something of the ticket's tenant, so that is checked here
//! before a command goes on. A hand-made request cannot link a ticket to another tenant's
//! user or file, or to an id that names nothing.
//!
//! Uploads are stored first ([`TicketService::store_file`]) and named by the values after,
//! so that a form never carries file bytes.

use std::collections::BTreeSet;

use hotline_domain::access::role::{self, BuiltInRole, Role};
use hotline_domain::identity::user::{self, User};
use hotline_domain::organisation::{self, Organisation, OrganisationState};
use hotline_domain::ticket::{self, FileValue, FormSpec, ReferenceKind, Ticket, references};
use hotline_domain::{FieldError, StreamId};
use hotline_infra::blobs::BlobInfo;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{CREATE_PERMISSION, MENU_PERMISSION, TicketService, invalid_values};
use crate::auth::Session;
use crate::error::ApiError;

/// The largest file a ticket form takes.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

fn missing(kind: ReferenceKind) -> &'static str {
    match kind {
        ReferenceKind::User => "no such user in this organisation",
        ReferenceKind::Group => "no such user group in this organisation",
        ReferenceKind::Department => "no such department in this organisation",
        ReferenceKind::Ticket => "no such ticket",
        ReferenceKind::File => "no such uploaded file",
    }
}

impl TicketService {
    /// Refuses values (typed, and calculated by the rules) whose pickers or uploads name
    /// what the tenant does not have, naming every such field at once.
    pub(crate) async fn check_references(
        &self,
        tenant_id: Uuid,
        form: &FormSpec,
        values: &[&Map<String, Value>],
    ) -> Result<(), ApiError> {
        let mut checked = BTreeSet::new();
        let mut organisation: Option<OrganisationState> = None;
        let mut errors: Vec<FieldError> = Vec::new();
        for found in values.iter().flat_map(|values| references(form, values)) {
            if errors.iter().any(|error| error.field == found.field) || !checked.insert((found.kind, found.id)) {
                continue;
            }
            let exists = match found.kind {
                ReferenceKind::User => {
                    let (state, _) =
                        self.dispatcher.load::<User>(tenant_id, &StreamId::new(user::CONTEXT, found.id)).await?;
                    state.created.is_some()
                }
                ReferenceKind::Group => {
                    BuiltInRole::from_id(found.id).is_some() || {
                        let stream = StreamId::new(role::CONTEXT, found.id);
                        self.dispatcher.load::<Role>(tenant_id, &stream).await?.0.definition.is_some()
                    }
                }
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
                ReferenceKind::File => self.blobs.info(tenant_id, found.id).await?.is_some(),
            };
            if !exists {
                errors.push(FieldError::new(&found.field, missing(found.kind)));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(invalid_values(errors)) }
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
        self.blobs.put(tenant_id, &info, bytes).await?;
        Ok(FileValue { blob_id: info.blob_id, name: info.name, size: info.size, content_type: info.content_type })
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
