//! `hotline-domain`: the pure model of Hotline.
//!
//! Owns the event envelope (the one shape every stored event has), the `Decider` contract
//! that every bounded context implements, and the bounded contexts themselves, one module
//! each. Nothing here does I/O, reads a clock or draws random numbers: time and ids come in
//! with the command, so that every decision can be replayed from the log and come out the
//! same.
//!
//! Layout:
//! - [`envelope`]: `EventEnvelope`, `NewEvent`, `Actor`, `StreamId`, `ExpectedVersion`.
//! - [`decider`]: the `Decider` and `DomainEvent` traits and the shared error type.
//! - [`identity`]: tenants and users (the first bounded context).
//! - [`access`]: permissions, menus, widgets, data scopes and roles.
//! - [`organisation`]: a tenant's units in trees of unlimited depth, per dimension.
//! - [`dictionary`]: typed code lists per tenant.
//! - [`acd`]: the router of every channel: agents, queues, waiting contacts and offers.
//! - [`call`]: a voice call and every state of its legs.
//! - [`conversation`]: a text-channel contact (web chat and the messaging channels).
//! - [`chat_widget`]: a tenant's web chat widget settings.
//! - [`customer`]: customer profiles (sealed personal data, forgettable) and their fields.
//! - [`knowledge`]: the knowledge base: articles, categories, templates, readers' favourites
//!   and pushes, and the searches that found nothing.
//! - [`webhook`]: a tenant's outgoing webhook endpoints (their URL, filter and secret id).
//! - [`telephony`]: a tenant's telephony directory: extensions, trunks and access numbers.
//! - [`ticket`]: ticket types (a form and a BPMN-subset workflow, published in versions) and
//!   tickets, with the token engine that runs them.

pub mod access;
pub mod acd;
pub mod call;
pub mod chat_widget;
pub mod conversation;
pub mod customer;
pub mod decider;
pub mod dictionary;
pub mod email;
pub mod envelope;
pub mod identity;
pub mod knowledge;
pub mod organisation;
pub mod saved_queries;
pub mod telephony;
pub mod ticket;
pub mod webhook;

pub use decider::{Decider, DomainError, DomainEvent, FieldError, UpcastError, read_payload};
pub use envelope::{Actor, ActorKind, EventEnvelope, ExpectedVersion, NewEvent, StreamId, StreamIdError};
