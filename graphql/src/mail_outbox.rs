//! The tenant's outgoing mail (reminders, overdue notices, collaborators' links), for
//! administrators: `mailOutbox` lists it without bodies (a collaborator's mail holds their
//! link) and needs `menu.admin.settings`; `retryMail` queues a mail that gave up again and
//! needs `tenant.settings.edit`.

use async_graphql::{Context, Enum, Object, SimpleObject};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use hotline_command_api::ApiError;
use hotline_command_api::tenant_settings::EDIT_PERMISSION;
use hotline_infra::mail::outbox::{MailStatus as StoredStatus, OutboxEntry, Retried};
use uuid::Uuid;

use crate::error::{OrGraphqlError, graphql_error};
use crate::schema::{GraphqlState, session};

/// Who may read the outbox.
const READ_PERMISSION: &str = "menu.admin.settings";

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum MailStatus {
    /// Waiting for its next attempt, or for an SMTP relay to be set.
    Queued,
    Sent,
    /// Refused for good, or out of attempts: `retryMail` queues it again.
    Dead,
}

impl From<StoredStatus> for MailStatus {
    fn from(status: StoredStatus) -> Self {
        match status {
            StoredStatus::Queued => MailStatus::Queued,
            StoredStatus::Sent => MailStatus::Sent,
            StoredStatus::Dead => MailStatus::Dead,
        }
    }
}

impl From<MailStatus> for StoredStatus {
    fn from(status: MailStatus) -> Self {
        match status {
            MailStatus::Queued => StoredStatus::Queued,
            MailStatus::Sent => StoredStatus::Sent,
            MailStatus::Dead => StoredStatus::Dead,
        }
    }
}

#[derive(SimpleObject)]
pub struct OutboxMail {
    pub id: Uuid,
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub status: MailStatus,
    pub attempts: u32,
    /// Null once sent or dead.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<OutboxEntry> for OutboxMail {
    fn from(entry: OutboxEntry) -> Self {
        Self {
            id: entry.id,
            to_name: entry.to_name,
            to_address: entry.to_address,
            subject: entry.subject,
            status: entry.status.into(),
            attempts: entry.attempts,
            next_attempt_at: entry.next_attempt_at,
            last_error: entry.last_error,
            created_at: entry.created_at,
            sent_at: entry.sent_at,
        }
    }
}

#[derive(SimpleObject)]
pub struct OutboxPage {
    pub items: Vec<OutboxMail>,
    pub total: u64,
}

fn outbox_error(error: sqlx::Error) -> async_graphql::Error {
    graphql_error(ApiError::internal(format!("reading the mail outbox: {error}")))
}

#[derive(Default)]
pub struct MailOutboxQuery;

#[Object]
impl MailOutboxQuery {
    /// Your tenant's outgoing mail, newest first (`menu.admin.settings`).
    async fn mail_outbox(
        &self,
        context: &Context<'_>,
        status: Option<MailStatus>,
        #[graphql(default = 0)] offset: u32,
        #[graphql(default = 50, validator(minimum = 1, maximum = 200))] limit: u32,
    ) -> async_graphql::Result<OutboxPage> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(READ_PERMISSION).or_graphql_error()?;
        let (entries, total) =
            state.outbox.list(session.tenant_id, status.map(Into::into), offset, limit).await.map_err(outbox_error)?;
        Ok(OutboxPage { items: entries.into_iter().map(OutboxMail::from).collect(), total })
    }
}

#[derive(Default)]
pub struct MailOutboxMutation;

#[Object]
impl MailOutboxMutation {
    /// Queues a mail that gave up again, to be tried at once with its attempts starting over
    /// (`tenant.settings.edit`).
    async fn retry_mail(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<OutboxMail> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(EDIT_PERMISSION).or_graphql_error()?;
        match state.outbox.retry(session.tenant_id, id, Utc::now()).await.map_err(outbox_error)? {
            Retried::Queued(entry) => Ok(entry.into()),
            Retried::NotDead => Err(graphql_error(ApiError::new(
                StatusCode::CONFLICT,
                "mail.not_dead",
                "only a mail that gave up is sent again; this one is queued or sent",
            ))),
            Retried::NotFound => {
                Err(graphql_error(ApiError::new(StatusCode::NOT_FOUND, "mail.not_found", format!("no mail {id}"))))
            }
        }
    }
}
