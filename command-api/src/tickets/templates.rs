//! Export templates of ticket types: Word or Excel files, kept in the blob store and named
//! on the type's stream. Uploading reads the file's placeholders (so that a template naming
//! no field of the form is refused at once, not when an agent exports); removing a template
//! deletes its file once the type no longer names it.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use hotline_domain::ticket::ticket_type::{self, ExportTemplate};
use hotline_domain::ticket::{TicketType, TicketTypeAction};
use hotline_infra::blobs::BlobInfo;
use hotline_infra::office_templates::{self, MAX_TEMPLATE_BYTES, TemplateError};
use uuid::Uuid;

use super::{TYPES_EDIT_PERMISSION, TicketService};
use crate::auth::Session;
use crate::dispatcher::CommandOutcome;
use crate::error::ApiError;

/// An uploaded template file.
pub struct TemplateUpload {
    /// The name agents pick it by; the file's name without its extension when empty.
    pub name: Option<String>,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "ticket_type.invalid_template", message)
}

/// A template that cannot be read or filled, as the API answers it.
pub fn template_error(error: TemplateError) -> ApiError {
    match error {
        TemplateError::TooLarge => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "ticket_type.template_too_large", error.to_string())
        }
        TemplateError::Corrupt(message) => invalid(message),
    }
}

impl TicketService {
    /// Stores a template's file and adds it to the type; answers the new template's id (the
    /// read model has it as the type recorded it). A template the type refuses (a name taken,
    /// a placeholder naming no field) leaves no file behind.
    pub async fn add_export_template(
        &self,
        session: &Session,
        type_id: Uuid,
        upload: TemplateUpload,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, CommandOutcome), ApiError> {
        session.require(TYPES_EDIT_PERMISSION)?;
        let TemplateUpload { name, file_name, bytes } = upload;
        if bytes.is_empty() {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "request.invalid", "the file is empty"));
        }
        if bytes.len() > MAX_TEMPLATE_BYTES {
            return Err(template_error(TemplateError::TooLarge));
        }
        let format = office_templates::format_of(&file_name).ok_or_else(|| {
            invalid(format!(
                "{file_name:?} is not a template: templates are Word (.docx) or Excel (.xlsx) files (save older .doc \
                 and .xls files in the newer format first)"
            ))
        })?;
        let (bytes, placeholders) = tokio::task::spawn_blocking(move || {
            let placeholders = office_templates::placeholders(format, &bytes);
            (bytes, placeholders)
        })
        .await
        .map_err(|error| ApiError::internal(format!("reading a template: {error}")))?;
        let placeholders = placeholders.map_err(template_error)?;
        let stem = file_name.rsplit_once('.').map_or(file_name.as_str(), |(stem, _)| stem);
        let name = name.filter(|name| !name.trim().is_empty()).unwrap_or_else(|| stem.to_owned());
        let template = ExportTemplate {
            template_id: Uuid::now_v7(),
            name,
            format,
            blob_id: Uuid::now_v7(),
            file_name: file_name.clone(),
            size: bytes.len() as u64,
            placeholders,
        };
        let info = BlobInfo {
            blob_id: template.blob_id,
            name: file_name,
            content_type: office_templates::content_type(format).to_owned(),
            size: template.size,
        };
        self.blobs.put(session.tenant_id, &info, bytes).await?;
        let (template_id, blob_id) = (template.template_id, template.blob_id);
        let action = TicketTypeAction::AddExportTemplate { template };
        match self.dispatch_type(session, Uuid::now_v7(), type_id, action, now).await {
            Ok(outcome) => Ok((template_id, outcome)),
            Err(error) => {
                if let Err(error) = self.blobs.delete(session.tenant_id, blob_id).await {
                    tracing::warn!(%error, %type_id, "deleting a refused template's file");
                }
                Err(error)
            }
        }
    }

    /// Removes a template from the type, then its file.
    pub async fn remove_export_template(
        &self,
        session: &Session,
        command_id: Uuid,
        type_id: Uuid,
        template_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require(TYPES_EDIT_PERMISSION)?;
        let template = self.export_template(session, type_id, template_id).await;
        let action = TicketTypeAction::RemoveExportTemplate { template_id };
        let outcome = self.dispatch_type(session, command_id, type_id, action, now).await?;
        if let Ok(template) = template
            && let Err(error) = self.blobs.delete(session.tenant_id, template.blob_id).await
        {
            tracing::warn!(%error, %type_id, %template_id, "deleting a removed template's file");
        }
        Ok(outcome)
    }

    /// A template of the type as its stream has it now.
    async fn export_template(
        &self,
        session: &Session,
        type_id: Uuid,
        template_id: Uuid,
    ) -> Result<ExportTemplate, ApiError> {
        let stream_id = ticket_type::stream_id(type_id);
        let (state, _) = self.dispatcher.load::<TicketType>(session.tenant_id, &stream_id).await?;
        state.export_templates.into_iter().find(|template| template.template_id == template_id).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "ticket_type.template_not_found",
                format!("no export template {template_id}"),
            )
        })
    }
}
