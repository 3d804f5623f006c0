//! Turns tickets' SLA events into mail: a follower of the log that, for each
//! `hotline.ticket.task_reminded` and `hotline.ticket.task_overdue`, finds who is told (whoever
//! may do the task, and the escalation's people when overdue) and queues one mail to each.
//! It also drives outside collaborators' links (see [`super::links`]): a task activated for
//! an address gets its first link recorded, and each `hotline.ticket.link_sent` is mailed.
//!
//! This is the reminder command's mail channel: the decision (who, when, why) is the
//! ticket's event; a channel only delivers it. SMS, WeChat and voice will follow the same
//! events. The follower's checkpoint is `ticket-mail`; since queuing is idempotent, reading
//! an event again after a crash sends nothing twice.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use hotline_command_api::TicketService;
use hotline_domain::identity::tenant::local_time;
use hotline_domain::ticket::{self, Candidate, LinkSent, TicketEvent, TokenId, ticket_number};
use hotline_domain::{DomainEvent, EventEnvelope};
use hotline_infra::checkpoints::ProcessCheckpoints;
use hotline_infra::mail::OutgoingMail;
use hotline_infra::store::{Scope, SharedEventStore, subscribe};
use hotline_projections::RunnerHandle;
use hotline_projections::mail_addresses::{MailRecipient, mail_recipients, support_address};
use hotline_projections::tickets::{TicketScope, get_ticket};
use sqlx::AnyPool;
use uuid::Uuid;

use super::links::LinkMaker;
use hotline_infra::mail::outbox::{Outbox, QueuedMail};

/// The follower's name in `process_checkpoints`.
pub const CHECKPOINT_NAME: &str = "ticket-mail";
/// How long the follower waits for the read models to reach an event before composing
/// its mail from them anyway.
const READ_MODEL_WAIT: Duration = Duration::from_secs(10);

pub struct Reminders {
    pub store: SharedEventStore,
    pub read_models: AnyPool,
    pub projections: RunnerHandle,
    pub tickets: TicketService,
    pub outbox: Outbox,
    pub checkpoints: ProcessCheckpoints,
    pub links: LinkMaker,
    pub clock: fn() -> DateTime<Utc>,
}

/// Why a task's people are told.
enum Reason {
    Reminder,
    Overdue { escalated_to: Option<Candidate> },
}

struct Notice {
    ticket_id: Uuid,
    token: TokenId,
    node: String,
    candidate: Candidate,
    due_at: DateTime<Utc>,
    reason: Reason,
}

/// What the follower does for an event.
enum Work {
    Notice(Notice),
    /// Tasks just activated for outside collaborators: their first links are due.
    FirstLinks {
        ticket_id: Uuid,
        tokens: Vec<TokenId>,
    },
    MailLink(LinkSent),
}

fn work(envelope: &EventEnvelope) -> Option<Work> {
    if envelope.stream_id.context() != ticket::CONTEXT {
        return None;
    }
    let event = TicketEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload).ok()?;
    let (ticket_id, steps) = match event {
        TicketEvent::LinkSent(sent) => return Some(Work::MailLink(sent)),
        TicketEvent::TaskReminded(_) | TicketEvent::TaskOverdue(_) => return notice(event).map(Work::Notice),
        TicketEvent::Opened(opened) => (opened.ticket_id, opened.steps),
        TicketEvent::TaskCompleted(completed) => (completed.ticket_id, completed.steps),
        TicketEvent::TimerFired(resumed) => (resumed.ticket_id, resumed.steps),
        TicketEvent::ServiceDone(returned) => (returned.ticket_id, returned.steps),
        _ => return None,
    };
    let tokens: Vec<TokenId> = steps
        .iter()
        .filter_map(|step| match step {
            ticket::Step::TaskActivated { token, candidate: Candidate::External(_), .. } => Some(*token),
            _ => None,
        })
        .collect();
    (!tokens.is_empty()).then_some(Work::FirstLinks { ticket_id, tokens })
}

fn notice(event: TicketEvent) -> Option<Notice> {
    match event {
        TicketEvent::TaskReminded(reminded) => Some(Notice {
            ticket_id: reminded.ticket_id,
            token: reminded.token,
            node: reminded.node,
            candidate: reminded.candidate,
            due_at: reminded.due_at,
            reason: Reason::Reminder,
        }),
        TicketEvent::TaskOverdue(overdue) => Some(Notice {
            ticket_id: overdue.ticket_id,
            token: overdue.token,
            node: overdue.node,
            candidate: overdue.candidate,
            due_at: overdue.due_at,
            reason: Reason::Overdue { escalated_to: overdue.escalated_to },
        }),
        _ => None,
    }
}

impl Reminders {
    pub fn start(self) {
        tokio::spawn(async move {
            let mut position = match self.checkpoints.load(CHECKPOINT_NAME).await {
                Ok(position) => position,
                Err(error) => {
                    tracing::error!(%error, "the ticket mail follower cannot read its checkpoint; it does not run");
                    return;
                }
            };
            loop {
                let mut events = subscribe(self.store.clone(), Scope::Global, position);
                while let Some(item) = events.next().await {
                    let envelope = match item {
                        Ok(envelope) => envelope,
                        Err(error) => {
                            tracing::warn!(%error, "the ticket mail follower lost the log; resuming");
                            break;
                        }
                    };
                    if let Some(work) = work(&envelope) {
                        let done = match work {
                            Work::Notice(notice) => self.queue(&envelope, notice).await,
                            Work::FirstLinks { ticket_id, tokens } => {
                                self.first_links(envelope.tenant_id, ticket_id, &tokens).await
                            }
                            Work::MailLink(sent) => self.mail_link(&envelope, sent).await,
                        };
                        if let Err(error) = done {
                            // Not saved past this event: it is read again after the pause.
                            tracing::warn!(%error, position = envelope.global_position, "queuing ticket mail");
                            break;
                        }
                        if let Err(error) = self.checkpoints.save(CHECKPOINT_NAME, envelope.global_position).await {
                            tracing::warn!(%error, "saving the ticket mail checkpoint");
                        }
                    }
                    position = envelope.global_position;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    /// What every ticket mail starts from, once the read models have reached `envelope`
    /// (names and addresses come from them); `None` when the tenant has no support address to
    /// send from (`what` says which mail is not sent, in the warning).
    pub(super) async fn mail_context(
        &self,
        envelope: &EventEnvelope,
        ticket_id: Uuid,
        node: &str,
        what: &str,
    ) -> anyhow::Result<Option<MailContext>> {
        let tenant_id = envelope.tenant_id;
        self.projections.wait_for(envelope.global_position, READ_MODEL_WAIT).await;
        let Some(from_address) = support_address(&self.read_models, tenant_id).await? else {
            tracing::warn!(%tenant_id, "{what} is not mailed: the tenant has no support address");
            return Ok(None);
        };
        let Some(ticket) = get_ticket(&self.read_models, tenant_id, ticket_id, &TicketScope::All).await? else {
            anyhow::bail!("ticket {ticket_id} is not in the read model");
        };
        let definition = self.tickets.definition(tenant_id, ticket.type_id, ticket.version).await?;
        let step = definition.workflow.node(node).map_or(node.to_owned(), |node| node.label().to_owned());
        let settings = hotline_projections::get_tenant_settings(&self.read_models, tenant_id).await?;
        let (organisation, time_zone) =
            settings.map(|settings| (settings.organisation_name, settings.time_zone)).unwrap_or_default();
        Ok(Some(MailContext {
            from_address,
            organisation,
            time_zone,
            number: ticket_number(ticket_id),
            title: ticket.title,
            step,
        }))
    }

    async fn queue(&self, envelope: &EventEnvelope, notice: Notice) -> anyhow::Result<()> {
        let tenant_id = envelope.tenant_id;
        let context = self.mail_context(envelope, notice.ticket_id, &notice.node, "a ticket reminder").await?;
        let Some(MailContext { from_address, organisation: from_name, time_zone, number, title, step }) = context
        else {
            return Ok(());
        };
        // Whoever may do the task, then the escalation's people who are not among them.
        let mut recipients: Vec<_> =
            mail_recipients(&self.read_models, tenant_id, std::slice::from_ref(&notice.candidate))
                .await?
                .into_iter()
                .map(|recipient| (recipient, false))
                .collect();
        // An outside collaborator is told at their address, with their link while it lives.
        let mut link = None;
        if let Candidate::External(address) = &notice.candidate {
            link = self.live_link(tenant_id, notice.ticket_id, notice.token, address).await?;
            let outsider =
                MailRecipient { user_id: Uuid::nil(), display_name: String::new(), address: address.clone() };
            recipients.push((outsider, false));
        }
        if let Reason::Overdue { escalated_to: Some(escalated_to) } = &notice.reason {
            for person in mail_recipients(&self.read_models, tenant_id, std::slice::from_ref(escalated_to)).await? {
                if !recipients.iter().any(|(told, _)| told.user_id == person.user_id) {
                    recipients.push((person, true));
                }
            }
        }
        if recipients.is_empty() {
            tracing::info!(%tenant_id, ticket = %number, "a ticket reminder is not mailed: nobody it names has an address");
        }
        let mails: Vec<QueuedMail> = recipients
            .into_iter()
            .map(|(recipient, escalated_to_them)| {
                let (subject, text) = compose(&Composition {
                    name: &recipient.display_name,
                    number: &number,
                    title: &title,
                    step: &step,
                    due_at: notice.due_at,
                    time_zone: &time_zone,
                    overdue: matches!(notice.reason, Reason::Overdue { .. }),
                    escalated_to_them,
                    link: link.as_deref().filter(|_| recipient.user_id.is_nil()),
                });
                QueuedMail {
                    id: Uuid::new_v5(&envelope.id, recipient.user_id.as_bytes()),
                    tenant_id,
                    mail: OutgoingMail {
                        from_name: from_name.clone(),
                        from_address: from_address.clone(),
                        to_name: recipient.display_name,
                        to_address: recipient.address,
                        subject,
                        text,
                        message_id: String::new(),
                    },
                }
            })
            .collect();
        self.outbox.queue(&mails, (self.clock)()).await?;
        Ok(())
    }
}

/// What a ticket mail names and where it comes from.
pub(super) struct MailContext {
    /// The tenant's support address.
    pub from_address: String,
    pub organisation: String,
    /// The tenant's time zone (IANA; empty: UTC), which the mail's times are written in.
    pub time_zone: String,
    pub number: String,
    pub title: String,
    /// The step's name (its id when it has none).
    pub step: String,
}

struct Composition<'a> {
    name: &'a str,
    number: &'a str,
    title: &'a str,
    step: &'a str,
    due_at: DateTime<Utc>,
    time_zone: &'a str,
    overdue: bool,
    escalated_to_them: bool,
    /// An outside collaborator's link, for them.
    link: Option<&'a str>,
}

/// The subject and text of a reminder, in English then Chinese (the tenant's people may
/// read either). The ticket number stays in the subject: a reply joins the ticket by it.
fn compose(mail: &Composition<'_>) -> (String, String) {
    let Composition { name, number, title, step, due_at, time_zone, overdue, escalated_to_them, link } = *mail;
    let due = local_time(due_at, time_zone);
    let (what_en, what_zh) = if overdue {
        (format!("was due at {due} and is overdue"), format!("已于 {due} 到期，现已超时"))
    } else {
        (format!("is due at {due}"), format!("将于 {due} 到期"))
    };
    let subject = if overdue {
        format!("[{number}] Overdue 超时: {step} - {title}")
    } else {
        format!("[{number}] Reminder 提醒: {step} - {title}")
    };
    let (escalated_en, escalated_zh) =
        if escalated_to_them { ("\nIt has been escalated to you.", "\n此事项已升级给您。") } else { ("", "") };
    let (link_en, link_zh) = match link {
        Some(url) => (format!("\n\nOpen your link to do it:\n{url}"), format!("\n\n请打开您的链接填写：\n{url}")),
        None => (String::new(), String::new()),
    };
    // An outside collaborator has no name here: the greeting goes without one.
    let (hello_en, hello_zh) = if name.is_empty() {
        ("Hello".to_owned(), "您好".to_owned())
    } else {
        (format!("Hello {name}"), format!("{name}，您好"))
    };
    let text = format!(
        "{hello_en},\n\nThe step \"{step}\" of ticket {number} \"{title}\" {what_en}.{escalated_en}{link_en}\n\n\
         Reply to this mail to add a note to the ticket (keep [{number}] in the subject).\n\n\
         --\n\n{hello_zh}：\n\n工单 {number}「{title}」的步骤「{step}」{what_zh}。{escalated_zh}{link_zh}\n\n\
         回复此邮件即可在工单中留言（请保留主题中的 [{number}]）。\n"
    );
    (subject, text)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_reminder_names_the_ticket_in_its_subject_and_says_when_it_is_due() {
        let mail = Composition {
            name: "Ann",
            number: "T00000000AB",
            title: "Refund",
            step: "Approve",
            due_at: Utc.with_ymd_and_hms(2026, 11, 28, 9, 30, 0).unwrap(),
            time_zone: "Asia/Shanghai",
            overdue: false,
            escalated_to_them: false,
            link: None,
        };
        let (subject, text) = compose(&mail);
        assert_eq!(subject, "[T00000000AB] Reminder 提醒: Approve - Refund");
        assert!(text.contains(
            "The step \"Approve\" of ticket T00000000AB \"Refund\" is due at 2026-11-28 17:30 Asia/Shanghai."
        ));
        let (subject, text) = compose(&Composition { overdue: true, escalated_to_them: true, ..mail });
        assert!(subject.starts_with("[T00000000AB] Overdue"));
        assert!(text.contains("is overdue.\nIt has been escalated to you."));
    }
}
