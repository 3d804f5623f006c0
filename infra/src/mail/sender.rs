//! Sending mail through the organisation's SMTP relay, with lettre.
//!
//! The relay is one URL, lettre's form: `smtp://host:25` (plain, for a relay on the same
//! network), `smtp://host:587?tls=required` (STARTTLS), `smtps://user:password@host:465`
//! (TLS from the start). Credentials in it are never logged: [`MailSender::relay`] names
//! the relay without them.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, header};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// One SMTP exchange may take this long before it counts as failed (and is retried).
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// A plain-text message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub from_name: String,
    pub from_address: String,
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub text: String,
    /// `<id@host>`: stable per message, so a receiver sees a retried send as the same mail.
    pub message_id: String,
}

/// Why a message was not sent: `permanent` when sending it again cannot succeed (a
/// refused address, a malformed message), so it should not be retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

#[derive(Clone)]
pub struct MailSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    relay: String,
}

impl MailSender {
    /// A sender through the relay at `url` (see the module's documentation).
    pub fn new(url: &str) -> Result<Self, String> {
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|error| format!("the SMTP relay URL is not usable: {error}"))?;
        let transport = builder.timeout(Some(SEND_TIMEOUT)).build();
        Ok(Self { transport, relay: redacted(url) })
    }

    /// The relay's scheme, host and port, without credentials (for logs).
    pub fn relay(&self) -> &str {
        &self.relay
    }

    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let permanent = |message: String| SendError { permanent: true, message };
        let mailbox = |name: &str, address: &str| -> Result<Mailbox, SendError> {
            let address = address.parse().map_err(|error| permanent(format!("address {address:?}: {error}")))?;
            Ok(Mailbox::new((!name.is_empty()).then(|| name.to_owned()), address))
        };
        let from = mailbox(&mail.from_name, &mail.from_address)?;
        let message = Message::builder()
            .from(from.clone())
            // Replies go back to the support address, where the SMTP listener joins them.
            .reply_to(from)
            .to(mailbox(&mail.to_name, &mail.to_address)?)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .header(header::ContentTransferEncoding::QuotedPrintable)
            .body(mail.text.clone())
            .map_err(|error| permanent(format!("the message cannot be built: {error}")))?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|error| SendError { permanent: error.is_permanent(), message: error.to_string() })
    }
}

/// `scheme://host:port` of a relay URL, dropping user, password and query.
fn redacted(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("smtp", url));
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relay_is_named_without_its_credentials() {
        assert_eq!(redacted("smtps://ann:s3cret@mail.example.com:465"), "smtps://mail.example.com:465");
        assert_eq!(redacted("smtp://127.0.0.1:2525?tls=required"), "smtp://127.0.0.1:2525");
    }

    #[test]
    fn a_relay_url_that_is_not_one_is_refused() {
        assert!(MailSender::new("http://mail.example.com").is_err());
        assert_eq!(MailSender::new("smtp://user:pw@127.0.0.1:2525").unwrap().relay(), "smtp://127.0.0.1:2525");
    }
}
