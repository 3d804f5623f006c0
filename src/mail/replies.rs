//! Mail sent to a tenant's support address joins a ticket: the SMTP listener takes mail only
//! for support addresses, finds the ticket by the number in the subject (within the tenant
//! the address belongs to), and records the reply on it, with the user whose address sent
//! it when there is one. Mail naming no ticket of that tenant bounces to its sender.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_command_api::TicketService;
use hotline_command_api::tickets::ReceivedMail;
use hotline_infra::mail::{InboundMail, MailHandler, Refusal};
use hotline_projections::mail_addresses::{tenant_by_support_address, user_by_address};
use hotline_projections::tickets::ticket_by_number;
use sqlx::AnyPool;

pub struct Replies {
    pub read_models: AnyPool,
    pub tickets: TicketService,
    pub clock: fn() -> DateTime<Utc>,
}

fn temporary(reason: impl std::fmt::Display) -> Refusal {
    Refusal { permanent: false, reason: reason.to_string() }
}

fn permanent(reason: impl Into<String>) -> Refusal {
    Refusal { permanent: true, reason: reason.into() }
}

#[async_trait]
impl MailHandler for Replies {
    async fn accepts(&self, recipient: &str) -> bool {
        matches!(tenant_by_support_address(&self.read_models, recipient).await, Ok(Some(_)))
    }

    async fn deliver(&self, mail: InboundMail) -> Result<(), Refusal> {
        let mut tenant_id = None;
        for recipient in &mail.recipients {
            tenant_id = tenant_by_support_address(&self.read_models, recipient).await.map_err(temporary)?;
            if tenant_id.is_some() {
                break;
            }
        }
        let tenant_id = tenant_id.ok_or_else(|| permanent("no support address here"))?;
        let number = ticket_number_in(&mail.subject)
            .ok_or_else(|| permanent("no ticket number in the subject: reply to a ticket's mail, keeping [T...]"))?;
        let ticket_id = ticket_by_number(&self.read_models, tenant_id, &number)
            .await
            .map_err(temporary)?
            .ok_or_else(|| permanent(format!("no ticket {number}")))?;
        let author = user_by_address(&self.read_models, tenant_id, &mail.from).await.map_err(temporary)?;
        let received = ReceivedMail {
            from: mail.from,
            author,
            subject: mail.subject,
            text: reply_text(&mail.text),
            message_id: mail.message_id,
        };
        match self.tickets.receive_mail(tenant_id, ticket_id, received, (self.clock)()).await {
            Ok(_) => Ok(()),
            Err(error) if error.status.is_client_error() => Err(permanent(error.message)),
            Err(error) => Err(temporary(error.message)),
        }
    }
}

/// Crockford's base32, as ticket numbers use it.
fn is_number_digit(byte: u8) -> bool {
    byte.is_ascii_digit() || (byte.is_ascii_uppercase() && !b"ILOU".contains(&byte))
}

/// The first ticket number (`T` and ten base32 characters, standing alone) in a subject,
/// in any case.
fn ticket_number_in(subject: &str) -> Option<String> {
    let upper = subject.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    (0..bytes.len().saturating_sub(10)).find_map(|start| {
        let end = start + 11;
        let alone = (start == 0 || !bytes[start - 1].is_ascii_alphanumeric())
            && bytes.get(end).is_none_or(|next| !next.is_ascii_alphanumeric());
        (bytes[start] == b'T'
            && end <= bytes.len()
            && alone
            && bytes[start + 1..end].iter().all(|b| is_number_digit(*b)))
        .then(|| upper[start..end].to_owned())
    })
}

/// The new part of a reply: the text above the quoted message (a line `On ... wrote:`, an
/// `-----Original Message-----` separator or a quoted header block), without `>` lines.
/// The whole text when nothing is left.
fn reply_text(text: &str) -> String {
    let mut kept = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        let quote_starts = (trimmed.starts_with("On ") && trimmed.ends_with("wrote:"))
            || (trimmed.starts_with("在") && (trimmed.ends_with("写道：") || trimmed.ends_with("寫道：")))
            || trimmed.contains("-----Original Message-----")
            || trimmed.contains("-----原始邮件-----")
            || trimmed.starts_with("From:")
            || trimmed.starts_with("发件人:")
            || trimmed.starts_with("发件人：");
        if quote_starts {
            break;
        }
        if !trimmed.starts_with('>') {
            kept.push(line);
        }
    }
    let reply = kept.join("\n").trim().to_owned();
    if reply.is_empty() { text.trim().to_owned() } else { reply }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ticket_number_is_found_alone_in_any_case() {
        assert_eq!(ticket_number_in("Re: [T00000000AB] Refund").as_deref(), Some("T00000000AB"));
        assert_eq!(ticket_number_in("re: t00000000ab").as_deref(), Some("T00000000AB"));
        assert_eq!(ticket_number_in("T00000000AB"), Some("T00000000AB".into()));
        assert_eq!(ticket_number_in("XT00000000AB"), None);
        assert_eq!(ticket_number_in("T00000000ABC"), None);
        assert_eq!(ticket_number_in("T00000000AI"), None, "I is not a base32 digit");
        assert_eq!(ticket_number_in("Hello"), None);
    }

    #[test]
    fn the_quoted_message_is_left_out_of_a_reply() {
        let reply = "Approved, go ahead.\n\nOn Fri, 28 Nov 2026 at 09:00, Care <care@acme.example> wrote:\n> Hello Ann,\n> The step";
        assert_eq!(reply_text(reply), "Approved, go ahead.");
        assert_eq!(reply_text("好的，已处理。\n\n-----原始邮件-----\n发件人: care"), "好的，已处理。");
        assert_eq!(reply_text("> only a quote"), "> only a quote");
    }
}
