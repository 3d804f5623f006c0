//! Outgoing webhooks (docs/webhooks.md): a tenant's endpoints receive its events as signed
//! CloudEvents (Standard Webhooks), retried with backoff and dead-lettered after the last try.
//!
//! - [`service`]: the commands on endpoints, the lists, and redelivery (`integration.webhooks`).
//! - [`delivery`]: signing, the `webhook_deliveries` table, the log follower and the per-endpoint
//!   workers.
//! - [`address`]: which addresses deliveries may reach (public ones, plus the operator's
//!   allowed networks), checked at registration and when a delivery connects.

pub mod address;
pub mod delivery;
pub mod service;

pub use address::AddressPolicy;
pub use delivery::{Delivery, DeliveryConfig, DeliveryFilter, DeliveryStatus, EndpointEntry};
pub use service::{RegisteredEndpoint, WebhookService};
