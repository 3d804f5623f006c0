//! `hotline-infra`: the adapters between the pure domain and the outside world.
//!
//! Owns the event store (one [`store::EventStore`] trait; SQLite for the embedded mode and
//! PostgreSQL for the distributed one), the hash chain that makes the log tamper-evident,
//! live subscriptions over the log, the secret store for credentials, and the read-model
//! database pools. It must not hold business rules: those live in `hotline-domain`.
//!
//! Layout:
//! - [`store`]: the trait, its request and error types, and the two implementations.
//! - [`chain`]: canonical encoding, hashing and verification of the per-tenant chain.
//! - [`secrets`]: credential hashes kept out of the log.
//! - [`keys`]: per-customer keys and sealing, for crypto-shredding.
//! - [`blobs`]: uploaded files, kept beside the log and named by id in its events.
//! - [`recordings`]: call recordings, compressed and sealed with a key of their own, as blobs.
//! - [`checkpoints`]: how far background processes are through the log.
//! - [`database`]: opening a store (and its secret store) from a database URL.
//! - [`search`]: the knowledge base's full-text index (tantivy, jieba for Chinese).
//! - [`kafka`]: the distributed mode's bus: topic, message format, and the relay.
//! - [`extract`]: the text of uploaded documents (.docx, .pdf, .txt), for that index.
//! - [`office_templates`]: Word and Excel templates filled with a ticket's values (export).
//! - [`mail`]: sending through an SMTP relay and receiving replies with an SMTP listener.
//! - [`rules`]: tickets' form rules (JavaScript) in a sandboxed, time-limited QuickJS.

pub mod blobs;
pub mod chain;
pub mod checkpoints;
pub mod database;
pub mod extract;
pub mod kafka;
pub mod keys;
pub mod mail;
pub mod office_templates;
pub mod recordings;
pub mod rules;
pub mod search;
pub mod secrets;
pub mod store;
