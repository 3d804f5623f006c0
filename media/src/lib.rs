//! `hotline-media`: telephony on rsipstack.
//!
//! Will own the registrar, trunks, the B2BUA, RTP relay and mixing, the IVR and flow
//! runtime, DTMF, recording and the dialer; it turns SIP signalling into call-leg commands
//! sent through the dispatcher of `hotline-command-api`. Nothing is built here yet: voice
//! arrives with its own issue.
