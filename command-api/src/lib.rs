//! `hotline-command-api`: the command side of Hotline.
//!
//! Owns the dispatcher (load a stream, decide, append; retry on a version conflict;
//! idempotent by command id), authentication (argon2 password hashes, signed session
//! tokens) and permission checks, the application services that the GraphQL and REST
//! layers call, the REST command endpoint, and the one mapping from every error to a
//! stable code (problem+json for HTTP). It holds no business rule: those are the domain's.
//!
//! Layout:
//! - [`dispatcher`]: `Dispatcher::dispatch::<D>(meta, command)` for any `Decider` `D`.
//! - [`access`]: effective permissions and data scopes of a user, from their roles.
//! - [`auth`]: password hashing, the password policy, tokens and `Session`.
//! - [`chat`]: web chat: visitors, the agent desk, ACD administration, the process manager,
//!   and the visitor's HTTP and WebSocket routes.
//! - [`live`]: the live hub (one log follower per process, fanned out by stream and tenant).
//! - [`files`]: uploads' names and types, and blob downloads, for every feature.
//! - [`knowledge`]: the knowledge base: articles, categories, templates, favourites,
//!   pushes, knowledge to add, and attachment uploads with their text extracted.
//! - [`identity`]: the tenants-and-users service (log-in, create tenant and user, passwords).
//! - [`organisation`]: the organisation units service (`org.edit`).
//! - [`dictionary`]: the code lists service (`dictionary.edit`).
//! - [`tenant_settings`]: the tenant settings service (`tenant.settings.edit`).
//! - [`tickets`]: ticket types (forms and workflows published in versions) and tickets.
//! - [`webhooks`]: outgoing webhooks: endpoints, signed deliveries, retries, dead letters.
//! - [`telephony`]: the telephony directory service: extensions (with their SIP passwords in
//!   the secret store), trunks and access numbers (`telephony.admin`).
//! - [`error`]: `ApiError`, its codes and its problem+json form.
//! - [`rest`]: the axum router for `/api/...`, health and readiness.

pub mod access;
pub mod auth;
pub mod chat;
pub mod customers;
pub mod dictionary;
pub mod dispatcher;
pub mod error;
pub mod files;
pub mod identity;
pub mod knowledge;
pub mod live;
pub mod organisation;
pub mod rest;
pub mod telephony;
pub mod tenant_settings;
pub mod tickets;
pub mod webhooks;

pub use auth::{Session, TokenClaims, TokenSigner};
pub use dictionary::DictionaryService;
pub use dispatcher::{CommandMeta, CommandOutcome, Dispatcher};
pub use error::{ApiError, FieldProblem};
pub use identity::IdentityService;
pub use organisation::OrganisationService;
pub use telephony::TelephonyService;
pub use tenant_settings::TenantSettingsService;
pub use tickets::TicketService;
