//! Tenants and users.

pub mod mutation;
pub mod query;

pub use mutation::IdentityMutation;
pub use query::IdentityQuery;
