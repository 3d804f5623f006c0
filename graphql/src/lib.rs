//! `hotline-graphql`: the GraphQL API of Hotline (async-graphql).
//!
//! Owns the schema: queries over read models, mutations that call the command side's
//! services, and subscriptions over the live log (graphql-ws). Resolvers are thin: they
//! take the caller's session, check the permission, and call `hotline-command-api` or a
//! read model of `hotline-projections`. Every error carries a stable `extensions.code`.
//!
//! Layout:
//! - [`schema`]: building the schema and the axum routes (`/graphql`, `/graphql/ws`).
//! - one module per bounded context, each with its part of the query, mutation and
//!   subscription roots, merged in [`schema`]: [`identity`] (tenants, users, log-in) and
//!   [`log`] (the event log and projection status), [`organisation`] (the unit trees),
//!   [`dictionary`] (code lists), [`settings`] (tenant settings and usage), [`mail_outbox`]
//!   (the tenant's outgoing mail, for administrators) and [`chat`]
//!   (web chat and routing: the agent desk, the live board, queues and the widget).
//!   Also [`chat`] (the desk, the live board, ACD administration) and [`customers`]
//!   (profiles, fields, saved queries, the address book, and the spreadsheet routes), and
//!   [`knowledge`] (the knowledge base: articles, search, categories, templates, inboxes),
//!   and [`webhooks`] (outgoing webhook endpoints, deliveries and dead letters), and
//!   [`telephony`] (the telephony directory: extensions, trunks, access numbers), and
//!   [`calls`] (call records, the softphone bar's call and its controls, and the
//!   recordings' download route), and [`tickets`] (ticket types, tickets, tasks, to-dos).
//! - [`audit_http`]: the audit export over HTTP (`GET /api/audit/export`, CloudEvents JSON
//!   Lines with the hash chain); the audit log's queries live in [`log`].
//! - [`ticket_export`]: tickets exported through their types' Word and Excel templates, and
//!   those templates' upload and download routes.
//! - [`ticket_links`]: the outside collaborator's page's routes (`/api/ticket-link`),
//!   where a signed link, not a session, opens one task.
//! - [`ticket_fields`]: what ticket forms' pickers and uploads need: options to choose from,
//!   the names of chosen ids, and the files' upload and download routes.
//! - [`ticket_query_field`]: what ticket forms' query fields need: the results of the query
//!   a field's designer configured, and the labels of the values they hold.
//! - [`forks`]: the forks of projections for analysts (listing and dropping them; building
//!   one is `forkProjection` in [`log`]).
//! - [`types`]: GraphQL object types shared by several contexts.
//! - [`error`]: `ApiError` → GraphQL error with `extensions.code`.

pub mod audit_http;
pub mod calls;
pub mod chat;
pub mod customers;
pub mod dictionary;
pub mod error;
pub mod forks;
pub mod identity;
pub mod knowledge;
pub mod log;
pub mod mail_outbox;
pub mod music;
pub mod organisation;
pub mod schema;
pub mod settings;
pub mod telephony;
pub mod ticket_export;
pub mod ticket_fields;
pub mod ticket_links;
pub mod ticket_queries;
pub mod ticket_query_field;
pub mod tickets;
pub mod types;
pub mod webhooks;

pub use schema::{
    CallControl, CallControlError, CallInstruction, CarrierRegistrationState, CarrierRegistrationStatus, GraphqlState,
    HotlineSchema, NoCalls, NoPhones, RegisteredPhones, RequestOrigin, build_schema, router, sdl,
};
