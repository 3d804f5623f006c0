//! Outside collaborators: a user task assigned to an e-mail address is done by someone
//! without an account, through a signed link mailed to them.
//!
//! The link is stateless: [`LinkClaims`] signed with the deployment's token key (see
//! `auth`), naming the ticket, the task's token, the address and the expiry. The log records
//! each link sent (`hotline.ticket.link_sent`), and the ticket decides whether a link still
//! opens its task: it is the latest sent for that token (a new link revokes the earlier ones),
//! it has not expired, and the task is still waiting for that address. A link lives as long
//! as its step says (`hotline:link-lifetime`), seven days by default.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use hotline_domain::Actor;
use hotline_domain::ticket::{
    self, Candidate, DEFAULT_LINK_SECONDS, FieldAccess, FieldKind, FieldReference, FileValue, NodeKind, Performer,
    QueryValue, ReferenceKind, Status, Ticket, TicketAction, TicketState, TokenId, Wait, query_values, references,
    shown_schema,
};
use hotline_infra::blobs::BlobInfo;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{CREATE_PERMISSION, TicketService};
use crate::auth::{LinkClaims, Session};
use crate::dispatcher::{CommandMeta, CommandOutcome};
use crate::error::ApiError;

/// Who sends the first link of a task, and completes tasks for collaborators, in the log.
pub const LINKS_ACTOR: &str = "ticket-links";

/// What the collaborator's page shows: the ticket, the step, and the part of the form the
/// step shows them. Fields the step does not list stay inside the organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct CollaboratorTask {
    pub ticket_number: String,
    pub title: String,
    pub step_name: String,
    pub address: String,
    pub expires_at: DateTime<Utc>,
    /// The form-js schema without the fields the step does not show.
    pub form: Value,
    /// Access of each field shown (never hidden).
    pub fields: Vec<(String, FieldAccess)>,
    /// The ticket's values of the fields shown.
    pub values: Map<String, Value>,
    /// The users, groups, units, tickets and files those values name.
    pub references: Vec<FieldReference>,
    /// The dictionary entries and customers those values' query fields hold.
    pub query_values: Vec<QueryValue>,
    /// Whether the step lets the collaborator fill in an upload field.
    pub takes_files: bool,
}

fn already_done() -> ApiError {
    ApiError::new(axum::http::StatusCode::CONFLICT, "ticket.no_such_task", "this step is already done")
}

/// The task a link opens, while it still waits for the link's address.
fn linked_task<'a>(state: &'a TicketState, claims: &LinkClaims) -> Result<&'a str, ApiError> {
    match state.status {
        Status::Open => {}
        Status::NotOpened => {
            return Err(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "ticket.link_invalid",
                "this link is not valid",
            ));
        }
        Status::Finished | Status::Cancelled => {
            return Err(ApiError::new(axum::http::StatusCode::CONFLICT, "ticket.closed", "this ticket is closed"));
        }
    }
    let node = match state.instance.tokens.get(&claims.token) {
        Some(waiting) => match &waiting.wait {
            Wait::Task { candidate: Candidate::External(address), .. } if *address == claims.address => &waiting.node,
            _ => return Err(already_done()),
        },
        None => return Err(already_done()),
    };
    // The signature's check saw the link is live; whether a newer one revoked it is the log's.
    ticket::check_latest_link(state, claims.token, claims.expires_at).map_err(|refused| {
        let status = match refused.code {
            "ticket.link_superseded" => axum::http::StatusCode::GONE,
            _ => axum::http::StatusCode::NOT_FOUND,
        };
        ApiError::new(status, refused.code, refused.message)
    })?;
    Ok(node)
}

impl TicketService {
    /// What a genuine, live link opens (its signature and expiry already checked).
    pub async fn collaborator_task(&self, claims: &LinkClaims) -> Result<CollaboratorTask, ApiError> {
        let (state, _) = self.dispatcher.load::<Ticket>(claims.tenant_id, &ticket::stream_id(claims.ticket_id)).await?;
        let node_id = linked_task(&state, claims)?;
        let type_id = state.type_id.ok_or_else(already_done)?;
        let definition = self.definition(claims.tenant_id, type_id, state.version).await?;
        let node = definition.workflow.node(node_id).ok_or_else(already_done)?;
        let NodeKind::UserTask(task) = &node.kind else { return Err(already_done()) };
        let fields: Vec<(String, FieldAccess)> = task
            .fields
            .iter()
            .filter(|(key, access)| **access != FieldAccess::Hidden && definition.form.field(key).is_some())
            .map(|(key, access)| (key.clone(), *access))
            .collect();
        let shown: BTreeSet<&str> = fields.iter().map(|(key, _)| key.as_str()).collect();
        let values: Map<String, Value> = state
            .values
            .iter()
            .filter(|(key, _)| shown.contains(key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let takes_files = fields.iter().any(|(key, access)| {
            matches!(access, FieldAccess::Editable | FieldAccess::Required)
                && definition.form.field(key).is_some_and(|field| field.kind == FieldKind::Upload)
        });
        Ok(CollaboratorTask {
            references: references(&definition.form, &values),
            query_values: query_values(&definition.form, &values),
            takes_files,
            ticket_number: ticket::ticket_number(claims.ticket_id),
            title: state.title.clone(),
            step_name: node.label().to_owned(),
            address: claims.address.clone(),
            expires_at: claims.expires_at,
            form: shown_schema(definition.schema.clone(), &|key| shown.contains(key)),
            values,
            fields,
        })
    }

    /// Keeps a file the collaborator puts in one of their step's upload fields; refused when
    /// the step lets them edit no upload field.
    pub async fn store_file_by_link(
        &self,
        claims: &LinkClaims,
        name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<FileValue, ApiError> {
        if !self.collaborator_task(claims).await?.takes_files {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "ticket.upload_not_allowed",
                "this step has no upload field for you to fill in",
            ));
        }
        self.keep_file(claims.tenant_id, name, content_type, bytes).await
    }

    /// A file the fields the collaborator's step shows hold, with its bytes; `None` for any
    /// other file.
    pub async fn link_file(&self, claims: &LinkClaims, blob_id: Uuid) -> Result<Option<(BlobInfo, Vec<u8>)>, ApiError> {
        let task = self.collaborator_task(claims).await?;
        if !task.references.iter().any(|found| found.kind == ReferenceKind::File && found.id == blob_id) {
            return Ok(None);
        }
        Ok(self.blobs.get(claims.tenant_id, blob_id).await?)
    }

    /// Completes the task a genuine, live link opens, with the values its step lets them
    /// edit, as the collaborator the link was mailed to.
    pub async fn complete_by_link(
        &self,
        claims: &LinkClaims,
        values: Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = CommandMeta::new(Uuid::now_v7(), claims.tenant_id, Actor::system(LINKS_ACTOR), now);
        let performer = Performer::Collaborator { address: claims.address.clone(), link_expires_at: claims.expires_at };
        self.complete(meta, claims.ticket_id, claims.token, values, performer).await
    }

    /// Records the first link of an outside collaborator's task, as the system; the task's
    /// token makes the command id, and the ticket records one such link per task.
    pub async fn send_first_link(
        &self,
        tenant_id: Uuid,
        ticket_id: Uuid,
        token: TokenId,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let command_id = Uuid::new_v5(&ticket_id, format!("link-{token}").as_bytes());
        let meta = CommandMeta::new(command_id, tenant_id, Actor::system(LINKS_ACTOR), now);
        self.dispatch_link(meta, ticket_id, token, None).await
    }

    /// Mails the collaborator a new link (`ticket.create`), valid as long as the step says.
    pub async fn send_link(
        &self,
        session: &Session,
        command_id: Uuid,
        ticket_id: Uuid,
        token: TokenId,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require(CREATE_PERMISSION)?;
        let meta = CommandMeta::new(command_id, session.tenant_id, session.actor(), now);
        self.dispatch_link(meta, ticket_id, token, Some(session.user_id)).await
    }

    /// Records a new link to the task of `token`, living as long as its step says, decided
    /// against the ticket as loaded to read that step.
    async fn dispatch_link(
        &self,
        meta: CommandMeta,
        ticket_id: Uuid,
        token: TokenId,
        by: Option<Uuid>,
    ) -> Result<CommandOutcome, ApiError> {
        let (tenant_id, now) = (meta.tenant_id, meta.occurred_at);
        let loaded = self.dispatcher.load::<Ticket>(tenant_id, &ticket::stream_id(ticket_id)).await?;
        let lifetime = self.link_lifetime(tenant_id, &loaded.0, token).await?;
        let action = TicketAction::SendLink { token, expires_at: now + lifetime, by };
        let command = ticket::TicketCommand { tenant_id, ticket_id, at: now, action };
        self.dispatcher.dispatch_loaded::<Ticket>(&meta, &command, Some(loaded)).await
    }

    /// How long a new link to the task of `token` lives: its step's lifetime, or the default.
    async fn link_lifetime(&self, tenant_id: Uuid, state: &TicketState, token: TokenId) -> Result<Duration, ApiError> {
        let step_lifetime = match (state.type_id, state.instance.tokens.get(&token)) {
            (Some(type_id), Some(waiting)) => {
                let definition = self.definition(tenant_id, type_id, state.version).await?;
                match definition.workflow.node(&waiting.node).map(|node| &node.kind) {
                    Some(NodeKind::UserTask(task)) => task.link_seconds,
                    _ => None,
                }
            }
            // No such ticket or task: the ticket refuses the link, whatever its lifetime.
            _ => None,
        };
        let seconds = step_lifetime.unwrap_or(DEFAULT_LINK_SECONDS);
        Ok(Duration::seconds(i64::try_from(seconds).expect("a link lifetime is at most 90 days")))
    }
}
