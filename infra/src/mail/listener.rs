//! A receiving SMTP server (RFC 5321) for mail sent to the product: enough of the protocol
//! for any mail transfer agent to deliver to it (`EHLO`/`HELO`, `MAIL`, `RCPT`, `DATA`,
//! `RSET`, `NOOP`, `QUIT`), no relaying and no authentication: it accepts mail only for the
//! recipients the handler knows, and only as large as [`MAX_MESSAGE_BYTES`].
//!
//! It is meant to sit behind the organisation's own mail server (which does TLS, spam and
//! sender checks and forwards the support address here), so it offers no `STARTTLS`.
//! Each message is parsed (MIME, encodings) with mail-parser and given to the
//! [`MailHandler`], once per message with every accepted recipient; the reply code says
//! whether it was taken, so the sending server retries what the handler could not take.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use mail_parser::MessageParser;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// The largest message accepted (replies, not attachments, are what the product reads).
pub const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;
/// RFC 5321 allows 1,000 bytes per command line; a little more is tolerated.
const MAX_LINE_BYTES: usize = 4096;
const MAX_RECIPIENTS: usize = 100;
/// How long a client may stay silent before the connection is closed (RFC 5321 4.5.3.2).
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
const MAX_CONNECTIONS: usize = 64;

/// A received message, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMail {
    /// The envelope's recipients that the handler accepted.
    pub recipients: Vec<String>,
    /// The `From:` header's address, else the envelope sender.
    pub from: String,
    pub subject: String,
    /// The first text body (an HTML-only message is converted to text).
    pub text: String,
    /// `Message-ID:`, else one derived from the content, so a redelivery is recognised.
    pub message_id: String,
}

/// Why a message was not taken: a `permanent` refusal bounces it to its sender (SMTP 554),
/// any other makes the sending server try again later (451).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub permanent: bool,
    pub reason: String,
}

/// What the product does with mail.
#[async_trait]
pub trait MailHandler: Send + Sync + 'static {
    /// Whether mail for this address is taken at all (`RCPT TO`).
    async fn accepts(&self, recipient: &str) -> bool;
    /// Takes a message, or says why not.
    async fn deliver(&self, mail: InboundMail) -> Result<(), Refusal>;
}

pub struct SmtpListener {
    listener: TcpListener,
}

impl SmtpListener {
    pub async fn bind(address: SocketAddr) -> std::io::Result<Self> {
        Ok(Self { listener: TcpListener::bind(address).await? })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves connections until the task is dropped.
    pub async fn serve(self, hostname: String, handler: Arc<dyn MailHandler>) {
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        loop {
            let Ok((stream, peer)) = self.listener.accept().await else { continue };
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                // Too busy: say so and let the sender retry later.
                tokio::spawn(async move {
                    let mut stream = stream;
                    let _ = stream.write_all(b"421 too many connections, try again later\r\n").await;
                });
                continue;
            };
            let (hostname, handler) = (hostname.clone(), handler.clone());
            tokio::spawn(async move {
                if let Err(error) = Session::new(stream, &hostname, handler).run().await {
                    tracing::debug!(%peer, %error, "SMTP session ended");
                }
                drop(slot);
            });
        }
    }
}

struct Session<'a> {
    stream: BufReader<TcpStream>,
    hostname: &'a str,
    handler: Arc<dyn MailHandler>,
    greeted: bool,
    sender: Option<String>,
    recipients: Vec<String>,
}

/// What a line read ended with.
enum Line {
    Text(Vec<u8>),
    TooLong,
    Closed,
}

impl<'a> Session<'a> {
    fn new(stream: TcpStream, hostname: &'a str, handler: Arc<dyn MailHandler>) -> Self {
        Self { stream: BufReader::new(stream), hostname, handler, greeted: false, sender: None, recipients: Vec::new() }
    }

    async fn reply(&mut self, text: &str) -> std::io::Result<()> {
        self.stream.get_mut().write_all(format!("{text}\r\n").as_bytes()).await
    }

    async fn read_line(&mut self, limit: usize) -> std::io::Result<Line> {
        let mut line = Vec::new();
        let read = tokio::time::timeout(IDLE_TIMEOUT, async {
            loop {
                let buffer = self.stream.fill_buf().await?;
                if buffer.is_empty() {
                    return Ok::<bool, std::io::Error>(false);
                }
                let (taken, done) = match buffer.iter().position(|byte| *byte == b'\n') {
                    Some(end) => (end + 1, true),
                    None => (buffer.len(), false),
                };
                if line.len() < limit {
                    line.extend_from_slice(&buffer[..taken.min(limit - line.len() + 2)]);
                }
                self.stream.consume(taken);
                if done {
                    return Ok(true);
                }
            }
        })
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "idle"))??;
        if !read && line.is_empty() {
            return Ok(Line::Closed);
        }
        while line.last().is_some_and(|byte| *byte == b'\n' || *byte == b'\r') {
            line.pop();
        }
        if line.len() > limit {
            return Ok(Line::TooLong);
        }
        Ok(Line::Text(line))
    }

    async fn run(mut self) -> std::io::Result<()> {
        let greeting = format!("220 {} Hotline ESMTP", self.hostname);
        self.reply(&greeting).await?;
        loop {
            let line = match self.read_line(MAX_LINE_BYTES).await? {
                Line::Text(line) => String::from_utf8_lossy(&line).into_owned(),
                Line::TooLong => {
                    self.reply("500 line too long").await?;
                    continue;
                }
                Line::Closed => return Ok(()),
            };
            let (verb, argument) = match line.split_once(' ') {
                Some((verb, argument)) => (verb.to_ascii_uppercase(), argument.trim().to_owned()),
                None => (line.trim().to_ascii_uppercase(), String::new()),
            };
            match verb.as_str() {
                "EHLO" => {
                    self.reset();
                    self.greeted = true;
                    let hello = format!(
                        "250-{}\r\n250-SIZE {MAX_MESSAGE_BYTES}\r\n250-8BITMIME\r\n250 SMTPUTF8",
                        self.hostname
                    );
                    self.reply(&hello).await?;
                }
                "HELO" => {
                    self.reset();
                    self.greeted = true;
                    let hello = format!("250 {}", self.hostname);
                    self.reply(&hello).await?;
                }
                "MAIL" => self.mail(&argument).await?,
                "RCPT" => self.recipient(&argument).await?,
                "DATA" => self.data().await?,
                "RSET" => {
                    self.reset();
                    self.reply("250 reset").await?;
                }
                "NOOP" => self.reply("250 ok").await?,
                "VRFY" => self.reply("252 cannot verify, but will take the message").await?,
                "QUIT" => {
                    self.reply("221 bye").await?;
                    return Ok(());
                }
                _ => self.reply("502 command not implemented").await?,
            }
        }
    }

    fn reset(&mut self) {
        self.sender = None;
        self.recipients.clear();
    }

    async fn mail(&mut self, argument: &str) -> std::io::Result<()> {
        if !self.greeted {
            return self.reply("503 say EHLO first").await;
        }
        if self.sender.is_some() {
            return self.reply("503 a transaction is already open").await;
        }
        let Some(path) = path_after(argument, "FROM:") else {
            return self.reply("501 syntax: MAIL FROM:<address>").await;
        };
        // A declared size over the limit is refused before the data is sent.
        let too_big = argument.split_whitespace().skip(1).any(|parameter| {
            parameter
                .to_ascii_uppercase()
                .strip_prefix("SIZE=")
                .and_then(|size| size.parse::<usize>().ok())
                .is_some_and(|size| size > MAX_MESSAGE_BYTES)
        });
        if too_big {
            return self.reply("552 message too large").await;
        }
        self.sender = Some(path);
        self.reply("250 sender ok").await
    }

    async fn recipient(&mut self, argument: &str) -> std::io::Result<()> {
        if self.sender.is_none() {
            return self.reply("503 MAIL first").await;
        }
        let Some(path) = path_after(argument, "TO:").filter(|path| !path.is_empty()) else {
            return self.reply("501 syntax: RCPT TO:<address>").await;
        };
        if self.recipients.len() >= MAX_RECIPIENTS {
            return self.reply("452 too many recipients").await;
        }
        if !self.handler.accepts(&path).await {
            return self.reply("550 no such mailbox here").await;
        }
        self.recipients.push(path);
        self.reply("250 recipient ok").await
    }

    async fn data(&mut self) -> std::io::Result<()> {
        if self.recipients.is_empty() {
            return self.reply("503 RCPT first").await;
        }
        self.reply("354 end with <CRLF>.<CRLF>").await?;
        let mut message = Vec::new();
        let mut too_big = false;
        loop {
            let line = match self.read_line(MAX_MESSAGE_BYTES).await? {
                Line::Text(line) => line,
                Line::TooLong => {
                    too_big = true;
                    continue;
                }
                Line::Closed => return Ok(()),
            };
            if line == b"." {
                break;
            }
            // Dot-stuffing (RFC 5321 4.5.2): a leading dot was doubled by the sender.
            let line = line.strip_prefix(b".").unwrap_or(&line);
            if message.len() + line.len() + 2 > MAX_MESSAGE_BYTES {
                too_big = true;
                continue;
            }
            message.extend_from_slice(line);
            message.extend_from_slice(b"\r\n");
        }
        let sender = self.sender.take().unwrap_or_default();
        let recipients = std::mem::take(&mut self.recipients);
        if too_big {
            return self.reply("552 message too large").await;
        }
        let Some(mail) = parse(&message, sender, recipients) else {
            return self.reply("554 the message could not be read").await;
        };
        match self.handler.deliver(mail).await {
            Ok(()) => self.reply("250 message accepted").await,
            Err(refusal) => {
                let reason: String = refusal.reason.chars().filter(|c| !c.is_control()).take(200).collect();
                let code = if refusal.permanent { 554 } else { 451 };
                self.reply(&format!("{code} {reason}")).await
            }
        }
    }
}

/// The address in `FROM:<a@b> ...` or `TO:<a@b>` (angle brackets optional).
fn path_after(argument: &str, prefix: &str) -> Option<String> {
    let head = argument.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = argument[prefix.len()..].trim_start();
    let path = match rest.strip_prefix('<') {
        Some(inner) => inner.split_once('>')?.0,
        None => rest.split_whitespace().next().unwrap_or_default(),
    };
    Some(path.trim().to_owned())
}

fn parse(message: &[u8], sender: String, recipients: Vec<String>) -> Option<InboundMail> {
    let parsed = MessageParser::default().parse(message)?;
    let from = parsed
        .from()
        .and_then(|from| from.first())
        .and_then(|address| address.address())
        .map(str::to_owned)
        .unwrap_or(sender);
    let message_id = match parsed.message_id() {
        Some(id) => id.to_owned(),
        None => {
            use sha2::{Digest, Sha256};
            format!("sha256:{}", hex::encode(Sha256::digest(message)))
        }
    };
    Some(InboundMail {
        recipients,
        from,
        subject: parsed.subject().unwrap_or_default().to_owned(),
        text: parsed.body_text(0).map(|text| text.into_owned()).unwrap_or_default(),
        message_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_with_or_without_brackets_and_parameters() {
        assert_eq!(path_after("FROM:<ann@example.com> SIZE=100", "FROM:").as_deref(), Some("ann@example.com"));
        assert_eq!(path_after("from: ann@example.com", "FROM:").as_deref(), Some("ann@example.com"));
        assert_eq!(path_after("TO:<>", "TO:").as_deref(), Some(""));
        assert_eq!(path_after("TO <x@y.z>", "TO:"), None);
    }

    #[test]
    fn a_message_is_parsed_for_sender_subject_text_and_id() {
        let raw = b"From: =?UTF-8?B?5byg5LiJ?= <zhang@example.com>\r\nTo: care@acme.example\r\n\
            Subject: =?UTF-8?Q?Re:_[T0000000001]_=E6=89=93=E5=8D=B0=E6=9C=BA?=\r\nMessage-ID: <42@example.com>\r\n\
            Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
            It works =E2=9C=93\r\n";
        let mail = parse(raw, "bounce@example.com".into(), vec!["care@acme.example".into()]).unwrap();
        assert_eq!(mail.from, "zhang@example.com");
        assert_eq!(mail.subject, "Re: [T0000000001] 打印机");
        assert_eq!(mail.text.trim(), "It works ✓");
        assert_eq!(mail.message_id, "42@example.com");
        let bare = parse(b"Subject: hi\r\n\r\nbody\r\n", "ann@example.com".into(), vec![]).unwrap();
        assert_eq!(bare.from, "ann@example.com", "the envelope sender stands in for a missing From:");
        assert!(bare.message_id.starts_with("sha256:"));
    }
}
