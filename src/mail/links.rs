//! Outside collaborators' links by mail: the follower records the first link of each task
//! activated for an address (`TicketService::send_first_link`), then mails every
//! `hotline.ticket.link_sent` to its address, with the link signed for the recorded expiry.
//! Reminders of such a task carry the same link while it lives.

use chrono::{DateTime, Utc};
use hotline_command_api::auth::{LinkClaims, TokenSigner};
use hotline_domain::EventEnvelope;
use hotline_domain::identity::tenant::local_time;
use hotline_domain::ticket::{LinkSent, TokenId};
use hotline_infra::mail::OutgoingMail;
use hotline_projections::tickets::ticket_tasks;
use uuid::Uuid;

use super::reminders::{MailContext, Reminders};
use hotline_infra::mail::outbox::QueuedMail;

/// How links are made: the deployment's signer, and the web app's address as people reach
/// it (`--public-url`).
#[derive(Clone)]
pub struct LinkMaker {
    pub signer: TokenSigner,
    pub public_url: String,
}

impl LinkMaker {
    pub fn url(&self, claims: &LinkClaims) -> String {
        // In the fragment, which browsers never send: the link stays out of servers' logs.
        format!("{}/collaborate#{}", self.public_url.trim_end_matches('/'), self.signer.issue_link(claims))
    }
}

/// Refusals that mean the link is no longer wanted (the task was done, the ticket closed):
/// an old event read again must not stop the follower.
fn no_longer_wanted(code: &str) -> bool {
    matches!(code, "ticket.no_such_task" | "ticket.closed" | "ticket.not_external" | "ticket.not_found")
}

impl Reminders {
    pub(super) async fn first_links(&self, tenant_id: Uuid, ticket_id: Uuid, tokens: &[TokenId]) -> anyhow::Result<()> {
        for token in tokens {
            match self.tickets.send_first_link(tenant_id, ticket_id, *token, (self.clock)()).await {
                Ok(_) => {}
                Err(error) if no_longer_wanted(error.code) => {
                    tracing::debug!(%ticket_id, token, code = error.code, "no first link: the task is gone");
                }
                Err(error) => anyhow::bail!("recording the first link of ticket {ticket_id}'s task {token}: {error}"),
            }
        }
        Ok(())
    }

    pub(super) async fn mail_link(&self, envelope: &EventEnvelope, sent: LinkSent) -> anyhow::Result<()> {
        let tenant_id = envelope.tenant_id;
        let context = self.mail_context(envelope, sent.ticket_id, &sent.node, "a collaborator's link").await?;
        let Some(MailContext { from_address, organisation, time_zone, number, title, step }) = context else {
            return Ok(());
        };
        let claims = LinkClaims {
            tenant_id,
            ticket_id: sent.ticket_id,
            token: sent.token,
            address: sent.address.clone(),
            expires_at: sent.expires_at,
        };
        let (subject, text) = compose_link(&LinkComposition {
            organisation: &organisation,
            number: &number,
            title: &title,
            step: &step,
            url: &self.links.url(&claims),
            expires_at: sent.expires_at,
            time_zone: &time_zone,
        });
        let mail = QueuedMail {
            id: Uuid::new_v5(&envelope.id, b"link"),
            tenant_id,
            mail: OutgoingMail {
                from_name: organisation.clone(),
                from_address,
                to_name: String::new(),
                to_address: sent.address,
                subject,
                text,
                message_id: String::new(),
            },
        };
        self.outbox.queue(&[mail], (self.clock)()).await?;
        Ok(())
    }

    /// The link of an outside collaborator's task while it lives, for a reminder to carry.
    pub(super) async fn live_link(
        &self,
        tenant_id: Uuid,
        ticket_id: Uuid,
        token: TokenId,
        address: &str,
    ) -> anyhow::Result<Option<String>> {
        let now = (self.clock)();
        let tasks = ticket_tasks(&self.read_models, tenant_id, ticket_id).await?;
        let expires_at = tasks
            .into_iter()
            .find(|task| task.token == token)
            .and_then(|task| task.link_expires_at)
            .filter(|expires_at| *expires_at > now);
        Ok(expires_at.map(|expires_at| {
            self.links.url(&LinkClaims { tenant_id, ticket_id, token, address: address.to_owned(), expires_at })
        }))
    }
}

pub(super) struct LinkComposition<'a> {
    pub organisation: &'a str,
    pub number: &'a str,
    pub title: &'a str,
    pub step: &'a str,
    pub url: &'a str,
    pub expires_at: DateTime<Utc>,
    /// The tenant's time zone (IANA; empty: UTC).
    pub time_zone: &'a str,
}

/// The subject and text of a link, in English then Chinese. The ticket number stays in the
/// subject, so a reply joins the ticket as a note.
pub(super) fn compose_link(mail: &LinkComposition<'_>) -> (String, String) {
    let LinkComposition { organisation, number, title, step, url, expires_at, time_zone } = *mail;
    let expires = local_time(expires_at, time_zone);
    let subject = format!("[{number}] Your input, please 请协助填写: {step} - {title}");
    let text = format!(
        "Hello,\n\n{organisation} asks you to fill in the step \"{step}\" of ticket {number} \"{title}\".\n\n\
         Open this link to do it (it works until {expires}):\n{url}\n\n\
         The link is for you alone: please do not forward it. Reply to this mail to send a note \
         (keep [{number}] in the subject).\n\n--\n\n您好：\n\n{organisation} 请您填写工单 {number}「{title}」的步骤「{step}」。\n\n\
         请打开以下链接填写（有效期至 {expires}）：\n{url}\n\n此链接仅供您本人使用，请勿转发。回复此邮件即可留言（请保留主题中的 [{number}]）。\n"
    );
    (subject, text)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_link_mail_names_the_step_the_link_and_when_it_stops_working() {
        let (subject, text) = compose_link(&LinkComposition {
            organisation: "Acme",
            number: "T00000000AB",
            title: "Refund",
            step: "Quote",
            url: "https://desk.example/collaborate#abc.def",
            expires_at: Utc.with_ymd_and_hms(2026, 12, 5, 8, 0, 0).unwrap(),
            time_zone: "",
        });
        assert!(subject.starts_with("[T00000000AB] "), "{subject}");
        assert!(text.contains("Acme asks you to fill in the step \"Quote\" of ticket T00000000AB \"Refund\"."));
        assert!(text.contains("(it works until 2026-12-05 08:00 UTC):\nhttps://desk.example/collaborate#abc.def\n"));
    }
}
