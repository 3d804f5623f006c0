//! Mail for tickets: reminders and overdue notices go out through the organisation's SMTP
//! relay (`--smtp-relay`), and replies come back to the SMTP listener (`--smtp-listen`),
//! which joins them to their ticket. See `docs/mail.md`.
//!
//! - [`reminders`]: the follower that turns SLA events into queued mail;
//! - [`links`]: outside collaborators' links, recorded and mailed by the same follower;
//! - [`replies`]: what the listener does with a mail.

mod links;
mod reminders;
mod replies;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};
use hotline_command_api::TicketService;
use hotline_command_api::auth::TokenSigner;
use hotline_infra::checkpoints::ProcessCheckpoints;
use hotline_infra::mail::outbox::Outbox;
use hotline_infra::mail::{MailSender, SmtpListener};
use hotline_infra::store::SharedEventStore;
use hotline_projections::RunnerHandle;
use sqlx::AnyPool;

use crate::serve::ListenAddress;

/// What mail needs from the rest of the node.
pub struct MailParts {
    pub store: SharedEventStore,
    pub read_models: AnyPool,
    pub projections: RunnerHandle,
    pub tickets: TicketService,
    pub checkpoints: ProcessCheckpoints,
    /// The mail to send (`hotline_infra::mail::outbox`), opened by the caller.
    pub outbox: Outbox,
    /// Signs outside collaborators' links.
    pub signer: TokenSigner,
    /// The web app's address as people reach it, for links in mail.
    pub public_url: String,
    pub clock: fn() -> DateTime<Utc>,
}

/// Starts the reminder follower and the outbox (sending only with a relay), and the SMTP
/// listener when it has an address; returns the listener's address.
pub async fn start(
    parts: MailParts,
    relay: Option<&str>,
    listen: ListenAddress,
    hostname: &str,
) -> anyhow::Result<Option<SocketAddr>> {
    let outbox = parts.outbox;
    match relay {
        Some(url) => {
            let sender = MailSender::new(url).map_err(|error| anyhow::anyhow!(error))?;
            tracing::info!(relay = sender.relay(), "mail goes out through the SMTP relay");
            outbox.clone().start_sending(sender, parts.clock);
        }
        None => tracing::info!("no SMTP relay (HOTLINE_SMTP_RELAY): ticket reminders are queued, not sent"),
    }
    reminders::Reminders {
        store: parts.store,
        read_models: parts.read_models.clone(),
        projections: parts.projections,
        tickets: parts.tickets.clone(),
        outbox,
        checkpoints: parts.checkpoints,
        links: links::LinkMaker { signer: parts.signer, public_url: parts.public_url },
        clock: parts.clock,
    }
    .start();
    let Some(address) = listen.0 else { return Ok(None) };
    let listener = SmtpListener::bind(address).await.with_context(|| format!("listening for SMTP on {address}"))?;
    let bound = listener.local_addr()?;
    let handler =
        Arc::new(replies::Replies { read_models: parts.read_models, tickets: parts.tickets, clock: parts.clock });
    tokio::spawn(listener.serve(hostname.to_owned(), handler));
    Ok(Some(bound))
}
