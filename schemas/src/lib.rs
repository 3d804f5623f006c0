//! `hotline-schemas`: the published contract of Hotline.
//!
//! Owns what integrators and auditors rely on: the catalogue of event types and their
//! schema versions, the GraphQL SDL, the CloudEvents 1.0 mapping of the event envelope, and
//! the upcasters from old event versions. A test fails when a change would break it.
