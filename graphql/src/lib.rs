//! `hotline-graphql`: the GraphQL API of Hotline (async-graphql).
//!
//! Owns the schema: queries over read models, mutations that call the command side's
//! services, and subscriptions over the live log (graphql-ws). Resolvers are thin: they
//! take the caller's session, check the permission, and call `hotline-command-api` or a
//! read model of `hotline-projections`. Every error carries a stable `extensions.code`.
//!
//! Layout:
//! - [`schema`]: building the schema and the axum routes (`/graphql`, `/graphql/ws`).
//! - [`query`], [`mutation`], [`subscription`]: the three roots.
//! - [`types`]: the GraphQL object types.
//! - [`error`]: `ApiError` → GraphQL error with `extensions.code`.

pub mod error;
pub mod mutation;
pub mod query;
pub mod schema;
pub mod subscription;
pub mod types;

pub use schema::{GraphqlState, HotlineSchema, build_schema, router, sdl};
