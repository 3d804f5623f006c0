//! The mail outbox: mail the product decided to send, kept in a table until the relay took
//! it. Queuing is idempotent (a row's id derives from the event and the recipient, so a
//! follower that reads an event again queues nothing new), and sending is at least once:
//! a worker claims a due row by moving its attempt count on with an optimistic update (two
//! processes never send the same attempt), sends it, then marks it sent, retries it later
//! with back-off, or gives up on it (a permanent refusal, or too many attempts).
//!
//! Administrators list their tenant's mail ([`Outbox::list`], never the bodies: a
//! collaborator's mail holds their link) and queue a mail that gave up again
//! ([`Outbox::retry`]). The table sits in the read-model database.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use uuid::Uuid;

use super::{MailSender, OutgoingMail};

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

/// Where a mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    /// Waiting for its next attempt (or for a relay).
    Queued,
    Sent,
    /// Refused for good, or out of attempts.
    Dead,
}

impl MailStatus {
    fn as_str(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sent => "sent",
            MailStatus::Dead => "dead",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [MailStatus::Queued, MailStatus::Sent, MailStatus::Dead].into_iter().find(|status| status.as_str() == text)
    }
}

/// A mail as administrators see it: everything but its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: Uuid,
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub status: MailStatus,
    pub attempts: u32,
    /// When it is tried next; `None` once sent or dead.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

fn time(micros: i64) -> Result<DateTime<Utc>, sqlx::Error> {
    DateTime::from_timestamp_micros(micros).ok_or_else(|| sqlx::Error::Decode(format!("time {micros}").into()))
}

fn entry(row: &AnyRow) -> Result<OutboxEntry, sqlx::Error> {
    let id: String = row.try_get("id")?;
    let status: String = row.try_get("status")?;
    let status =
        MailStatus::parse(&status).ok_or_else(|| sqlx::Error::Decode(format!("mail status {status}").into()))?;
    Ok(OutboxEntry {
        id: Uuid::parse_str(&id).map_err(|error| sqlx::Error::Decode(Box::new(error)))?,
        to_name: row.try_get("to_name")?,
        to_address: row.try_get("to_address")?,
        subject: row.try_get("subject")?,
        status,
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
        next_attempt_at: match status {
            MailStatus::Queued => Some(time(row.try_get("next_attempt_at")?)?),
            MailStatus::Sent | MailStatus::Dead => None,
        },
        last_error: row.try_get("last_error")?,
        created_at: time(row.try_get("created_at")?)?,
        sent_at: row.try_get::<Option<i64>, _>("sent_at")?.map(time).transpose()?,
    })
}

/// What [`Outbox::retry`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retried {
    Queued(OutboxEntry),
    /// The mail is queued or sent: there is nothing to retry.
    NotDead,
    NotFound,
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

    /// The tenant's mail, newest first, with `status` if given; and how many there are.
    pub async fn list(
        &self,
        tenant_id: Uuid,
        status: Option<MailStatus>,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<OutboxEntry>, u64), sqlx::Error> {
        let status = status.map(MailStatus::as_str);
        let rows = sqlx::query(
            "SELECT id, to_name, to_address, subject, status, attempts, next_attempt_at, last_error, created_at, \
             sent_at FROM mail_outbox WHERE tenant_id = $1 AND ($2 IS NULL OR status = $2) \
             ORDER BY created_at DESC, id LIMIT $3 OFFSET $4",
        )
        .bind(tenant_id.to_string())
        .bind(status)
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await?;
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE tenant_id = $1 AND ($2 IS NULL OR status = $2)")
                .bind(tenant_id.to_string())
                .bind(status)
                .fetch_one(&self.pool)
                .await?;
        let entries = rows.iter().map(entry).collect::<Result<_, _>>()?;
        Ok((entries, u64::try_from(total).unwrap_or(0)))
    }

    /// Queues a mail of the tenant that gave up again, to be tried at once, its attempts
    /// starting over.
    pub async fn retry(&self, tenant_id: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<Retried, sqlx::Error> {
        let requeued = sqlx::query(
            "UPDATE mail_outbox SET status = 'queued', attempts = 0, next_attempt_at = $1 \
             WHERE tenant_id = $2 AND id = $3 AND status = 'dead'",
        )
        .bind(micros(now))
        .bind(tenant_id.to_string())
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        let row = sqlx::query(
            "SELECT id, to_name, to_address, subject, status, attempts, next_attempt_at, last_error, created_at, \
             sent_at FROM mail_outbox WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(match (row, requeued.rows_affected()) {
            (None, _) => Retried::NotFound,
            (Some(row), 1) => Retried::Queued(entry(&row)?),
            (Some(_), _) => Retried::NotDead,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(tenant_id: Uuid, id: u128, subject: &str) -> QueuedMail {
        QueuedMail {
            id: Uuid::from_u128(id),
            tenant_id,
            mail: OutgoingMail {
                to_name: "Ann".into(),
                to_address: "ann@example.com".into(),
                from_name: "Support".into(),
                from_address: "support@example.com".into(),
                subject: subject.into(),
                text: "the link is secret".into(),
                message_id: String::new(),
            },
        }
    }

    #[tokio::test]
    async fn administrators_list_their_tenants_mail_and_queue_a_dead_one_again() {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap();
        let outbox = Outbox::open(pool.clone()).await.unwrap();
        let (ours, theirs) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        outbox.queue(&[mail(ours, 10, "Reminder")], start).await.unwrap();
        outbox.queue(&[mail(ours, 11, "Overdue")], start + chrono::Duration::minutes(1)).await.unwrap();
        outbox.queue(&[mail(theirs, 12, "Theirs")], start).await.unwrap();
        sqlx::query(
            "UPDATE mail_outbox SET status = 'dead', attempts = 7, last_error = '550 no such user' WHERE id = $1",
        )
        .bind(Uuid::from_u128(10).to_string())
        .execute(&pool)
        .await
        .unwrap();

        let (all, total) = outbox.list(ours, None, 0, 10).await.unwrap();
        assert_eq!(total, 2);
        let subjects: Vec<&str> = all.iter().map(|entry| entry.subject.as_str()).collect();
        assert_eq!(subjects, ["Overdue", "Reminder"], "newest first, this tenant's only");
        assert_eq!(all[0].next_attempt_at, Some(start + chrono::Duration::minutes(1)));
        let (dead, total) = outbox.list(ours, Some(MailStatus::Dead), 0, 10).await.unwrap();
        assert_eq!(
            (total, dead[0].last_error.as_deref(), dead[0].next_attempt_at),
            (1, Some("550 no such user"), None)
        );
        assert_eq!(outbox.list(ours, None, 1, 10).await.unwrap().0.len(), 1, "offset");

        let later = start + chrono::Duration::hours(1);
        let Retried::Queued(again) = outbox.retry(ours, Uuid::from_u128(10), later).await.unwrap() else {
            panic!("a dead mail is queued again");
        };
        assert_eq!((again.status, again.attempts, again.next_attempt_at), (MailStatus::Queued, 0, Some(later)));
        assert_eq!(outbox.retry(ours, Uuid::from_u128(10), later).await.unwrap(), Retried::NotDead);
        assert_eq!(outbox.retry(theirs, Uuid::from_u128(10), later).await.unwrap(), Retried::NotFound);
    }
}
