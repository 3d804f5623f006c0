//! The mail outbox: mail the product decided to send, kept in a table until the relay took
//! it. Queuing is idempotent (a row's id derives from the event and the recipient, so a
//! follower that reads an event again queues nothing new), and sending is at least once:
//! a worker claims a due row by moving its attempt count on with an optimistic update (two
//! processes never send the same attempt), sends it, then marks it sent, retries it later
//! with back-off, or gives up on it (a permanent refusal, or too many attempts).

use std::time::Duration;

use chrono::{DateTime, Utc};
use hotline_infra::mail::{MailSender, OutgoingMail};
use sqlx::{AnyPool, Row};
use uuid::Uuid;

const CREATE_OUTBOX: &str = "CREATE TABLE IF NOT EXISTS mail_outbox (\
     id TEXT NOT NULL PRIMARY KEY, \
     tenant_id TEXT NOT NULL, \
     to_name TEXT NOT NULL, \
     to_address TEXT NOT NULL, \
     from_name TEXT NOT NULL, \
     from_address TEXT NOT NULL, \
     subject TEXT NOT NULL, \
     body TEXT NOT NULL, \
     status TEXT NOT NULL, \
     attempts BIGINT NOT NULL, \
     next_attempt_at BIGINT NOT NULL, \
     last_error TEXT NULL, \
     created_at BIGINT NOT NULL, \
     sent_at BIGINT NULL)";

const INDEX_OUTBOX: &str = "CREATE INDEX IF NOT EXISTS mail_outbox_by_due ON mail_outbox (status, next_attempt_at)";

/// The waits before each retry; a mail is tried `1 + RETRIES.len()` times.
const RETRIES: [Duration; 6] = [
    Duration::from_secs(10),
    Duration::from_secs(60),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(8 * 3600),
];
/// How long a claimed attempt is reserved: longer than one SMTP exchange may take.
const CLAIM: Duration = Duration::from_secs(120);
/// Mails sent per round at most.
const PER_ROUND: i64 = 50;
const POLL: Duration = Duration::from_secs(1);

/// A mail to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub mail: OutgoingMail,
}

fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

fn later(at: DateTime<Utc>, wait: Duration) -> i64 {
    micros(at) + i64::try_from(wait.as_micros()).unwrap_or(i64::MAX / 2)
}

#[derive(Clone)]
pub struct Outbox {
    pool: AnyPool,
}

impl Outbox {
    pub async fn open(pool: AnyPool) -> Result<Self, sqlx::Error> {
        sqlx::query(CREATE_OUTBOX).execute(&pool).await?;
        sqlx::query(INDEX_OUTBOX).execute(&pool).await?;
        Ok(Self { pool })
    }

    /// Queues mails to send now; those already queued (same id) are left as they are.
    pub async fn queue(&self, mails: &[QueuedMail], now: DateTime<Utc>) -> Result<(), sqlx::Error> {
        for queued in mails {
            let mail = &queued.mail;
            sqlx::query(
                "INSERT INTO mail_outbox (id, tenant_id, to_name, to_address, from_name, from_address, subject, body, \
                 status, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', 0, $9, $9) ON CONFLICT (id) DO NOTHING",
            )
            .bind(queued.id.to_string())
            .bind(queued.tenant_id.to_string())
            .bind(&mail.to_name)
            .bind(&mail.to_address)
            .bind(&mail.from_name)
            .bind(&mail.from_address)
            .bind(&mail.subject)
            .bind(&mail.text)
            .bind(micros(now))
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// Sends what is due, until the task is dropped. Without a relay, mail stays queued.
    pub fn start_sending(self, sender: MailSender, clock: fn() -> DateTime<Utc>) {
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(POLL);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                if let Err(error) = self.send_due(&sender, clock).await {
                    tracing::warn!(%error, "sending queued mail");
                }
            }
        });
    }

    async fn send_due(&self, sender: &MailSender, clock: fn() -> DateTime<Utc>) -> Result<(), sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, attempts, to_name, to_address, from_name, from_address, subject, body FROM mail_outbox \
             WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2",
        )
        .bind(micros(clock()))
        .bind(PER_ROUND)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let id: String = row.try_get("id")?;
            let attempts: i64 = row.try_get("attempts")?;
            let claimed = sqlx::query(
                "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $1 \
                 WHERE id = $2 AND attempts = $3 AND status = 'queued'",
            )
            .bind(later(clock(), CLAIM))
            .bind(&id)
            .bind(attempts)
            .execute(&self.pool)
            .await?;
            if claimed.rows_affected() != 1 {
                continue;
            }
            let mail = OutgoingMail {
                to_name: row.try_get("to_name")?,
                to_address: row.try_get("to_address")?,
                from_name: row.try_get("from_name")?,
                from_address: row.try_get("from_address")?,
                subject: row.try_get("subject")?,
                text: row.try_get("body")?,
                message_id: message_id(&id, &row.try_get::<String, _>("from_address")?),
            };
            let attempt = usize::try_from(attempts).unwrap_or(usize::MAX).saturating_add(1);
            let update = match sender.send(&mail).await {
                Ok(()) => {
                    sqlx::query("UPDATE mail_outbox SET status = 'sent', sent_at = $1, last_error = NULL WHERE id = $2")
                        .bind(micros(clock()))
                        .bind(&id)
                }
                Err(error) => {
                    let retry = (!error.permanent).then(|| RETRIES.get(attempt - 1)).flatten();
                    tracing::warn!(mail = %id, attempt, relay = sender.relay(), error = %error.message, retried = retry.is_some(), "a mail was not sent");
                    match retry {
                        Some(wait) => {
                            sqlx::query("UPDATE mail_outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3")
                                .bind(later(clock(), *wait))
                                .bind(error.message)
                                .bind(&id)
                        }
                        None => sqlx::query("UPDATE mail_outbox SET status = 'dead', last_error = $1 WHERE id = $2")
                            .bind(error.message)
                            .bind(&id),
                    }
                }
            };
            update.execute(&self.pool).await?;
        }
        Ok(())
    }
}

/// `<id@domain>`, the domain being the sender's: stable across retries.
fn message_id(id: &str, from_address: &str) -> String {
    let domain = from_address.rsplit_once('@').map_or("hotline.invalid", |(_, domain)| domain);
    format!("<{id}@{domain}>")
}
