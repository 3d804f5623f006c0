//! Mail in and out, as plain adapters: [`sender`] hands a message to an SMTP relay (lettre),
//! [`outbox`] keeps the mail to send until the relay took it (and lists it for
//! administrators), [`listener`] is a small SMTP server that receives replies and hands each
//! accepted message, parsed, to the caller. What mail means (reminders, replies joining
//! tickets) is decided above this layer.

pub mod listener;
pub mod outbox;
pub mod sender;

pub use listener::{InboundMail, MailHandler, Refusal, SmtpListener};
pub use sender::{MailSender, OutgoingMail, SendError};
