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

pub mod decider;
pub mod envelope;
pub mod identity;

pub use decider::{Decider, DomainError, DomainEvent, UpcastError};
pub use envelope::{Actor, ActorKind, EventEnvelope, ExpectedVersion, NewEvent, StreamId, StreamIdError};
