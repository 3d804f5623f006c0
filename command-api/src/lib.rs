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
//! - [`auth`]: password hashing, the password policy, `Session` tokens.
//! - [`identity`]: the tenants-and-users service (log-in, create tenant and user, passwords).
//! - [`error`]: `ApiError`, its codes and its problem+json form.
//! - [`rest`]: the axum router for `/api/...`, health and readiness.

pub mod auth;
pub mod dispatcher;
pub mod error;
pub mod identity;
pub mod rest;

pub use auth::{Session, TokenSigner};
pub use dispatcher::{CommandMeta, CommandOutcome, Dispatcher};
pub use error::ApiError;
pub use identity::IdentityService;
