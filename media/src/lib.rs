//! `hotline-media`: telephony on rsipstack.
//!
//! Owns SIP signalling and media: the SIP server (UDP and TCP listeners on one rsipstack
//! endpoint), its registrar, where agents' desk phones register their extension with digest
//! authentication, and the B2BUA that answers calls from trunks, queues them in the ACD with
//! music, rings the offered agent's phone and bridges the two legs' RTP, recording both.
//! The tenants' directory and the log are not ours: they come through [`Directory`] and
//! [`calls::Switchboard`], which the binary implements on the read models, the dispatcher,
//! the secret store and the blob store.
//!
//! Music for waiting and held callers is a queue's own file ([`music`] decodes WAV files) or
//! the built-in chime. Trunks whose carrier wants it are registered with ([`trunks`]).
//! Agents call customers out through a trunk ([`outbound`]: click to dial).
//! Still to come here: consultation (attended transfer).

pub mod calls;
pub mod digest;
pub mod g711;
pub mod metrics;
pub mod music;
pub mod outbound;
pub mod registrar;
pub mod relay;
pub mod rtp;
pub mod sdp;
mod server;
pub mod trunks;

pub use server::{Directory, DirectoryError, ExtensionCredentials, SipError, SipServer, SipSettings, tenant_slug_of};
