//! `hotline-schemas`: the published contract of Hotline.
//!
//! Owns what integrators and auditors rely on, and what must therefore change only on
//! purpose: the catalogue of event types with their schema versions and payload fields, the
//! CloudEvents 1.0 mapping of the event envelope, and the catalogue of stable error codes.
//! (The GraphQL SDL and the upcasters from old event versions join them as they are built;
//! today the upcasters live beside each context's `DomainEvent::from_stored`.)
//!
//! Everything here is derived from `hotline-domain` and nothing else: no I/O, no store, no
//! transport. Tests fail when the contract changes by accident: `schemas/events.json` must
//! match the catalogue this build generates, and no change may break a reader of events
//! already in the log.
//!
//! Layout:
//! - [`cloudevents`]: `EventEnvelope` <-> CloudEvents 1.0 JSON, and JSON Lines for exports.
//! - [`catalogue`](mod@catalogue): the event catalogue, generated from the domain, and the
//!   breaking-change check against the checked-in `schemas/events.json`.
//! - [`errors`]: every stable error code with its meaning.

pub mod catalogue;
pub mod cloudevents;
pub mod errors;

pub use catalogue::{BreakingChange, Catalogue, EventSchema, breaking_changes, catalogue};
pub use cloudevents::{CloudEventError, from_cloudevent, from_json_line, to_cloudevent, to_json_line};
pub use errors::{ERROR_CODES, RETRYABLE_CODES, is_retryable, meaning};
