//! Every error that crosses the API, in one place, with a stable code.
//!
//! Codes are `<context>.<snake_case>` and listed in `hotline-schemas`' error catalogue.
//! HTTP renders them as problem+json (RFC 9457); GraphQL puts the code in
//! `extensions.code`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hotline_domain::{DomainError, UpcastError};
use hotline_infra::store::StoreError;
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// True when sending the same command again may succeed (a conflict, a busy store).
    pub retryable: bool,
    /// Per-field problems (`[{ field, message }]`), for forms to show under each field.
    pub fields: Option<Vec<FieldProblem>>,
}

/// One field's problem, as a form shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retryable: false, fields: None }
    }

    /// The same error, with the problem of each field.
    pub fn with_fields(mut self, fields: Vec<FieldProblem>) -> Self {
        self.fields = Some(fields);
        self
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self { retryable: true, ..Self::new(StatusCode::CONFLICT, "command.conflict", message) }
    }

    pub fn unknown_command(command_type: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "command.unknown_type", format!("unknown command type {command_type:?}"))
    }

    pub fn invalid_command(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "command.invalid", message)
    }

    pub fn malformed_json(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "request.malformed_json", message)
    }

    pub fn payload_too_large(size: usize, limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "command.payload_too_large",
            format!("the payload is {size} bytes, over the limit of {limit} bytes"),
        )
    }

    pub fn tenant_not_found(tenant_id: Uuid) -> Self {
        Self::new(StatusCode::NOT_FOUND, "tenant.not_found", format!("no tenant {tenant_id}"))
    }

    pub fn unreadable_event(position: u64, error: UpcastError) -> Self {
        let code = match error {
            UpcastError::UnknownType(_) | UpcastError::UnknownVersion { .. } => "event.unknown_type",
            UpcastError::BadPayload { .. } => "event.unreadable",
        };
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            code,
            format!("the event at position {position} cannot be read by this build: {error}"),
        )
    }

    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "auth.unauthenticated", "log in first: send a valid bearer token")
    }

    pub fn forbidden(what: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, "auth.forbidden", format!("you may not {what}"))
    }

    pub fn forbidden_without(permission: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, "auth.forbidden", format!("this needs the permission {permission:?}"))
    }

    pub fn locked_out(until: chrono::DateTime<chrono::Utc>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "auth.locked_out",
            format!("too many failed log-ins: locked until {}", until.format("%Y-%m-%d %H:%M UTC")),
        )
    }

    pub fn invalid_credentials() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "auth.invalid_credentials", "wrong tenant, user name or password")
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// The problem+json body.
    pub fn problem(&self) -> serde_json::Value {
        let mut problem = json!({
            "type": format!("urn:hotline:error:{}", self.code),
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.message,
            "code": self.code,
            "retryable": self.retryable,
        });
        if let Some(fields) = &self.fields {
            problem["fields"] = json!(fields);
        }
        problem
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        let status =
            if error.code.ends_with(".not_found") { StatusCode::NOT_FOUND } else { StatusCode::UNPROCESSABLE_ENTITY };
        Self::new(status, error.code, error.message)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::WrongExpectedVersion { .. } => Self::conflict(error.to_string()),
            StoreError::DuplicateEventId(_) => Self::new(StatusCode::CONFLICT, "event.duplicate_id", error.to_string()),
            StoreError::Corrupt { .. } => {
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "store.corrupt", error.to_string())
            }
            StoreError::Closed | StoreError::DataDirInUse(_) | StoreError::Database(_) | StoreError::Migration(_) => {
                tracing::error!(%error, "event store unavailable");
                Self {
                    retryable: true,
                    ..Self::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "store.unavailable",
                        "the event store is unavailable; retry",
                    )
                }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.problem())).into_response();
        response
            .headers_mut()
            .insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/problem+json"));
        response
    }
}
