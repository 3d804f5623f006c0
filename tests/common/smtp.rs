//! Mail for the end-to-end tests: a sink that plays an SMTP relay and keeps what it is
//! sent (the server's outgoing mail goes there), and a client that talks SMTP to the
//! server's listener line by line, so a test sees each reply code.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A message the sink took.
#[derive(Debug, Clone)]
pub struct SunkMail {
    pub recipients: Vec<String>,
    /// Headers and body as sent, dot-stuffing undone.
    pub data: String,
}

impl SunkMail {
    /// A header's value (unfolded), by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            match value.as_mut() {
                Some(found) if line.starts_with([' ', '\t']) => found.push_str(line.trim_start_matches(['\t'])),
                Some(_) => break,
                None => {
                    if let Some((key, rest)) = line.split_once(':')
                        && key.eq_ignore_ascii_case(name)
                    {
                        value = Some(rest.trim().to_owned());
                    }
                }
            }
        }
        value
    }
}

impl SunkMail {
    /// The body, quoted-printable decoded (the encoding the server sends text in).
    pub fn body_text(&self) -> String {
        let body = self.data.split_once("\r\n\r\n").map_or("", |(_, body)| body).replace("=\r\n", "");
        let mut bytes = Vec::with_capacity(body.len());
        let mut rest = body.as_bytes();
        while let Some((&byte, tail)) = rest.split_first() {
            let hex = tail.get(..2).and_then(|pair| std::str::from_utf8(pair).ok());
            match hex.and_then(|pair| u8::from_str_radix(pair, 16).ok()) {
                Some(decoded) if byte == b'=' => {
                    bytes.push(decoded);
                    rest = &tail[2..];
                }
                _ => {
                    bytes.push(byte);
                    rest = tail;
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// An SMTP relay on a free port that accepts every message.
pub struct SmtpSink {
    pub address: String,
    mails: Arc<Mutex<Vec<SunkMail>>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding the SMTP sink");
        let address = listener.local_addr().unwrap().to_string();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let kept = mails.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(sink_session(stream, kept.clone()));
            }
        });
        Self { address, mails }
    }

    /// `smtp://` URL of the sink, for `HOTLINE_SMTP_RELAY`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    pub fn mails(&self) -> Vec<SunkMail> {
        self.mails.lock().unwrap().clone()
    }

    /// Waits until a kept mail matches, up to `timeout`.
    pub async fn wait_for(&self, timeout: Duration, matches: impl Fn(&SunkMail) -> bool) -> SunkMail {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(found) = self.mails().into_iter().find(|mail| matches(mail)) {
                return found;
            }
            assert!(tokio::time::Instant::now() < deadline, "no such mail arrived; the sink has {:#?}", self.mails());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn sink_session(stream: TcpStream, mails: Arc<Mutex<Vec<SunkMail>>>) {
    let mut stream = BufReader::new(stream);
    let mut recipients = Vec::new();
    let _ = stream.get_mut().write_all(b"220 sink ESMTP\r\n").await;
    let mut line = String::new();
    loop {
        line.clear();
        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250 sink\r\n"
        } else if command.starts_with("RCPT TO:") {
            let path = line.trim_end()[8..].trim().trim_start_matches('<').trim_end_matches('>').to_owned();
            recipients.push(path);
            b"250 ok\r\n"
        } else if command == "DATA" {
            let _ = stream.get_mut().write_all(b"354 go on\r\n").await;
            let mut data = String::new();
            loop {
                let mut data_line = String::new();
                if stream.read_line(&mut data_line).await.unwrap_or(0) == 0 {
                    return;
                }
                if data_line == ".\r\n" {
                    break;
                }
                data.push_str(data_line.strip_prefix('.').unwrap_or(&data_line));
            }
            mails.lock().unwrap().push(SunkMail { recipients: std::mem::take(&mut recipients), data });
            b"250 kept\r\n"
        } else if command == "QUIT" {
            let _ = stream.get_mut().write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"250 ok\r\n"
        };
        if stream.get_mut().write_all(reply).await.is_err() {
            return;
        }
    }
}

/// Sends `message` (headers and body, lines ending in CRLF) from `from` to `to` over SMTP,
/// and returns the server's reply code to each step: greeting, EHLO, MAIL, RCPT, and (when
/// the recipient was accepted) DATA and the end of data.
pub async fn send(address: &str, from: &str, to: &str, message: &str) -> Vec<u16> {
    let stream = TcpStream::connect(address).await.expect("connecting to the SMTP listener");
    let mut stream = BufReader::new(stream);
    let mut codes = vec![read_reply(&mut stream).await];
    let say = async |stream: &mut BufReader<TcpStream>, text: &str| {
        stream.get_mut().write_all(format!("{text}\r\n").as_bytes()).await.unwrap();
        read_reply(stream).await
    };
    codes.push(say(&mut stream, "EHLO test.example").await);
    codes.push(say(&mut stream, &format!("MAIL FROM:<{from}>")).await);
    let accepted = say(&mut stream, &format!("RCPT TO:<{to}>")).await;
    codes.push(accepted);
    if accepted == 250 {
        codes.push(say(&mut stream, "DATA").await);
        let stuffed: String = message
            .split_inclusive("\r\n")
            .map(|line| if line.starts_with('.') { format!(".{line}") } else { line.to_owned() })
            .collect();
        codes.push(say(&mut stream, &format!("{stuffed}.")).await);
    }
    say(&mut stream, "QUIT").await;
    codes
}

/// One reply's code (the last line of a multi-line reply).
async fn read_reply(stream: &mut BufReader<TcpStream>) -> u16 {
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).await.expect("a reply");
        if line.as_bytes().get(3) != Some(&b'-') {
            return line.get(..3).and_then(|code| code.parse().ok()).unwrap_or(0);
        }
    }
}
