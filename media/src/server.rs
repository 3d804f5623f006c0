//! The SIP server: one rsipstack endpoint listening on UDP and TCP, and what it answers.
//!
//! - `REGISTER`: the registrar. The address of record names the tenant and the extension:
//!   `sip:<extension>@<tenant slug>` (or `@<tenant slug>.<any domain>`); the digest realm is
//!   the tenant slug and the digest user name the extension number. A request without
//!   credentials gets 401 with a fresh nonce; wrong credentials, an unknown or disabled
//!   extension get 403 (one answer for all three, so extensions cannot be enumerated).
//! - `INVITE` opening a dialog: an inbound call from a trunk ([`crate::calls`]).
//! - Requests inside a dialog (`ACK`, `BYE`, re-`INVITE`): to that dialog; 481 when there
//!   is none.
//! - `OPTIONS`: 200, the keep-alive phones and trunks send.
//!
//! Beside answering, it registers with the carriers of trunks that ask for it ([`crate::trunks`]).
//! - Anything else: 405 with the methods we allow.

use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use rsipstack::dialog::authenticate::verify_digest;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::headers::auth::{Algorithm, Qop};
use rsipstack::sip::typed::{Authorization, WwwAuthenticate};
use rsipstack::sip::{Header, HeadersExt, Host, Method, StatusCode};
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::tcp_listener::TcpListenerConnection;
use rsipstack::transport::udp::UdpConnection;
use rsipstack::transport::{SipConnection, TransportLayer};
use rsipstack::{EndpointBuilder, transaction::Endpoint};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::calls::{CallDirector, Switchboard, Telephony};
use crate::digest::{NonceCheck, Nonces};
use crate::outbound::Dialer;
use crate::registrar::{Binding, DEFAULT_EXPIRES_SECONDS, ExtensionKey, Registrations, granted_expiry};
use crate::rtp::PortPool;
use crate::trunks::{TrunkRegistrationTarget, TrunkRegistrations};

/// What the SIP server announces itself as.
const USER_AGENT: &str = concat!("Hotline/", env!("CARGO_PKG_VERSION"));
/// The methods we answer.
const ALLOWED: [Method; 6] =
    [Method::Register, Method::Options, Method::Invite, Method::Ack, Method::Bye, Method::Cancel];
/// How often expired bindings are dropped from memory.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// Where to listen; `None` leaves a transport off.
#[derive(Debug, Clone)]
pub struct SipSettings {
    pub udp: Option<SocketAddr>,
    pub tcp: Option<SocketAddr>,
    /// The address media sockets bind to and SDP announces.
    pub rtp_ip: IpAddr,
    /// The UDP ports calls' media may use (two per bridged call).
    pub rtp_ports: RangeInclusive<u16>,
}

/// An extension as the registrar needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionCredentials {
    pub tenant_id: Uuid,
    pub extension_id: Uuid,
    pub user_id: Option<Uuid>,
    pub password: String,
    pub enabled: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("the directory could not be read: {0}")]
pub struct DirectoryError(pub String);

/// The tenants' telephony directory, as the SIP server reads it.
#[async_trait]
pub trait Directory: Send + Sync + 'static {
    /// Extension `number` of the tenant `tenant_slug`, with its SIP password.
    async fn extension(&self, tenant_slug: &str, number: &str) -> Result<Option<ExtensionCredentials>, DirectoryError>;
    /// Every tenant's trunks that register with their carrier, with their passwords.
    async fn trunk_registrations(&self) -> Result<Vec<TrunkRegistrationTarget>, DirectoryError>;
}

#[derive(Debug, thiserror::Error)]
pub enum SipError {
    #[error("SIP: {0}")]
    Stack(#[from] rsipstack::Error),
    #[error("SIP: no transport to listen on (set a UDP or a TCP address)")]
    NoTransport,
}

/// A running SIP server; it stops when dropped or shut down.
pub struct SipServer {
    cancel: CancellationToken,
    registrations: Arc<Registrations>,
    director: Arc<CallDirector>,
    trunks: Arc<TrunkRegistrations>,
    dialer: Dialer,
}

struct Context {
    directory: Arc<dyn Directory>,
    registrations: Arc<Registrations>,
    nonces: Nonces,
    telephony: Arc<Telephony>,
}

impl SipServer {
    pub async fn start(
        settings: &SipSettings,
        directory: Arc<dyn Directory>,
        switchboard: Arc<dyn Switchboard>,
    ) -> Result<Self, SipError> {
        let cancel = CancellationToken::new();
        let transport_layer = TransportLayer::new(cancel.child_token());
        if let Some(address) = settings.udp {
            let udp = UdpConnection::create_connection(address, None, Some(cancel.child_token())).await?;
            transport_layer.add_transport(udp.into());
        }
        if let Some(address) = settings.tcp {
            let tcp = TcpListenerConnection::new(address, None).await?;
            transport_layer.add_transport(SipConnection::TcpListener(tcp));
        }
        let addresses: Vec<String> = transport_layer.get_addrs().iter().map(ToString::to_string).collect();
        if addresses.is_empty() {
            return Err(SipError::NoTransport);
        }
        let endpoint = EndpointBuilder::new()
            .with_user_agent(USER_AGENT)
            .with_cancel_token(cancel.clone())
            .with_transport_layer(transport_layer)
            .with_allows(ALLOWED.to_vec())
            .build();
        let incoming = endpoint.incoming_transactions()?;
        let registrations = Arc::new(Registrations::default());
        let director = Arc::new(CallDirector::default());
        let telephony = Arc::new(Telephony {
            switchboard,
            director: director.clone(),
            registrations: registrations.clone(),
            dialogs: Arc::new(DialogLayer::new(endpoint.inner.clone())),
            ports: PortPool::new(settings.rtp_ip, settings.rtp_ports.clone()),
        });
        let trunks = Arc::new(TrunkRegistrations::default());
        tokio::spawn(crate::trunks::keep_registered(
            endpoint.inner.clone(),
            directory.clone(),
            trunks.clone(),
            cancel.child_token(),
        ));
        let dialer = Dialer { telephony: telephony.clone() };
        let context =
            Arc::new(Context { directory, registrations: registrations.clone(), nonces: Nonces::random(), telephony });
        tokio::spawn(serve(endpoint, incoming, context, cancel.clone()));
        tracing::info!(?addresses, "SIP server listening");
        Ok(Self { cancel, registrations, director, trunks, dialer })
    }

    /// Where each trunk's registration with its carrier stands.
    pub fn trunk_registrations(&self) -> &Arc<TrunkRegistrations> {
        &self.trunks
    }

    /// The calls in progress, which the ACD's decisions are handed to.
    pub fn director(&self) -> &Arc<CallDirector> {
        &self.director
    }

    /// Starts agents' calls out through trunks.
    pub fn dialer(&self) -> &Dialer {
        &self.dialer
    }

    pub fn registrations(&self) -> &Arc<Registrations> {
        &self.registrations
    }
}

impl Drop for SipServer {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

async fn serve(
    endpoint: Endpoint,
    mut incoming: rsipstack::transaction::TransactionReceiver,
    context: Arc<Context>,
    cancel: CancellationToken,
) {
    let inner = endpoint.inner.clone();
    let stack = tokio::spawn(async move { inner.serve().await });
    let mut purge = tokio::time::interval(PURGE_EVERY);
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            _ = purge.tick() => context.registrations.purge_expired(),
            transaction = incoming.recv() => {
                let Some(transaction) = transaction else { break };
                let context = context.clone();
                tokio::spawn(async move {
                    let method = *transaction.original.method();
                    if let Err(error) = answer(transaction, &context).await {
                        tracing::debug!(%error, %method, "SIP: answering a request failed");
                    }
                });
            }
        }
    }
    endpoint.shutdown();
    stack.abort();
}

async fn answer(mut transaction: Transaction, context: &Context) -> rsipstack::Result<()> {
    let in_dialog = transaction.original.to_header().and_then(|to| to.tag()).is_ok_and(|tag| tag.is_some());
    if in_dialog {
        return match context.telephony.dialogs.match_dialog(&transaction) {
            Some(mut dialog) => dialog.handle(&mut transaction).await,
            // ACKs of our final answers are absorbed by the transaction layer.
            None if *transaction.original.method() == Method::Ack => Ok(()),
            None => transaction.reply(StatusCode::CallTransactionDoesNotExist).await,
        };
    }
    match transaction.original.method() {
        Method::Register => register(&mut transaction, context).await,
        Method::Invite => {
            crate::calls::inbound(context.telephony.clone(), transaction).await;
            Ok(())
        }
        Method::Options => transaction.reply(StatusCode::OK).await,
        Method::Ack => Ok(()),
        Method::Bye | Method::Cancel => transaction.reply(StatusCode::CallTransactionDoesNotExist).await,
        _ => {
            let allow = Header::Allow("REGISTER, OPTIONS, INVITE, ACK, BYE, CANCEL".into());
            transaction.reply_with(StatusCode::MethodNotAllowed, vec![allow], None).await
        }
    }
}

/// The tenant slug a SIP domain names: its first label, when that is a slug
/// (lower-case letters, digits and hyphens). An IP address names no tenant.
pub fn tenant_slug_of(host: &Host) -> Option<String> {
    let Host::Domain(domain) = host else { return None };
    let domain = domain.to_string().to_ascii_lowercase();
    let label = domain.split('.').next().unwrap_or_default();
    let is_slug = !label.is_empty()
        && label.len() <= 63
        && label.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
    is_slug.then(|| label.to_owned())
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs()).unwrap_or_default()
}

fn challenge(realm: &str, nonce: String, stale: bool) -> Header {
    let challenge = WwwAuthenticate {
        realm: realm.to_owned(),
        nonce,
        algorithm: Some(Algorithm::Md5),
        qop: Some(Qop::Auth),
        stale: stale.then(|| "true".to_owned()),
        ..Default::default()
    };
    challenge.into()
}

async fn register(transaction: &mut Transaction, context: &Context) -> rsipstack::Result<()> {
    let request = &transaction.original;
    let Ok(address_of_record) = request.to_header().and_then(|to| to.uri()) else {
        return transaction.reply(StatusCode::BadRequest).await;
    };
    let Some(number) = address_of_record.auth.as_ref().map(|auth| auth.user.clone()) else {
        return transaction.reply(StatusCode::BadRequest).await;
    };
    let Some(realm) = tenant_slug_of(&address_of_record.host_with_port.host) else {
        return transaction.reply(StatusCode::NotFound).await;
    };
    let Ok(contacts) = request.typed_contact_headers() else {
        return transaction.reply(StatusCode::BadRequest).await;
    };
    let wildcard = request.contact_headers().iter().any(|contact| contact.value().trim() == "*");
    let header_expiry = match request.expires_header().map(|expires| expires.value().trim().parse::<u32>()) {
        Some(Err(_)) => return transaction.reply(StatusCode::BadRequest).await,
        Some(Ok(seconds)) => Some(seconds),
        None => None,
    };

    let Some(authorization) = request.authorization_header() else {
        let nonce = context.nonces.issue(&realm, unix_now());
        return transaction.reply_with(StatusCode::Unauthorized, vec![challenge(&realm, nonce, false)], None).await;
    };
    let raw_authorization = authorization.value().to_owned();
    let Ok(credentials) = Authorization::parse(&raw_authorization) else {
        return transaction.reply(StatusCode::BadRequest).await;
    };
    if credentials.realm != realm {
        let nonce = context.nonces.issue(&realm, unix_now());
        return transaction.reply_with(StatusCode::Unauthorized, vec![challenge(&realm, nonce, false)], None).await;
    }
    match context.nonces.check(&realm, &credentials.nonce, unix_now()) {
        NonceCheck::Valid => {}
        check => {
            let nonce = context.nonces.issue(&realm, unix_now());
            let stale = check == NonceCheck::Stale;
            return transaction.reply_with(StatusCode::Unauthorized, vec![challenge(&realm, nonce, stale)], None).await;
        }
    }
    if credentials.username != number {
        return transaction.reply(StatusCode::Forbidden).await;
    }
    let extension = match context.directory.extension(&realm, &number).await {
        Ok(Some(extension)) if extension.enabled => extension,
        Ok(_) => return transaction.reply(StatusCode::Forbidden).await,
        Err(error) => {
            tracing::warn!(%error, "SIP registrar: the directory is unavailable");
            return transaction.reply(StatusCode::ServerInternalError).await;
        }
    };
    if !verify_digest(&credentials, &extension.password, &Method::Register, &raw_authorization) {
        tracing::info!(tenant = %realm, extension = %number, "SIP registrar: wrong credentials");
        return transaction.reply(StatusCode::Forbidden).await;
    }

    let key = ExtensionKey { tenant_id: extension.tenant_id, number: number.clone() };
    if wildcard {
        // `Contact: *` removes every binding, and only with `Expires: 0` (RFC 3261 10.3).
        if header_expiry != Some(0) || !contacts.is_empty() {
            return transaction.reply(StatusCode::BadRequest).await;
        }
        context.registrations.unbind(&key);
        return transaction.reply(StatusCode::OK).await;
    }
    let Some(contact) = contacts.first() else {
        // No Contact: a query of the current bindings.
        let current = context.registrations.lookup(&key);
        let headers =
            current.map(|binding| contact_header(&binding.contact, remaining(&binding))).into_iter().collect();
        return transaction.reply_with(StatusCode::OK, headers, None).await;
    };
    let requested = contact.expires().or(header_expiry).unwrap_or(DEFAULT_EXPIRES_SECONDS);
    let granted = match granted_expiry(requested) {
        Ok(granted) => granted,
        Err(minimum) => {
            let min_expires = Header::MinExpires(minimum.to_string().into());
            return transaction.reply_with(StatusCode::IntervalTooBrief, vec![min_expires], None).await;
        }
    };
    if granted.is_zero() {
        if context.registrations.unbind(&key) {
            tracing::info!(tenant = %realm, extension = %number, "SIP registrar: phone unregistered");
        }
        return transaction.reply(StatusCode::OK).await;
    }
    let Ok((transport, source)) =
        request.via_header().map_err(rsipstack::Error::from).and_then(SipConnection::parse_target_from_via)
    else {
        return transaction.reply(StatusCode::BadRequest).await;
    };
    let Ok(source) = source.try_into() else {
        return transaction.reply(StatusCode::BadRequest).await;
    };
    let binding = Binding {
        extension_id: extension.extension_id,
        user_id: extension.user_id,
        contact: contact.uri.to_string(),
        source,
        transport: transport.to_string().to_ascii_lowercase(),
        user_agent: request.user_agent_header().map(|agent| agent.value().to_owned()),
        expires_at: Instant::now() + granted,
    };
    let contact_text = binding.contact.clone();
    if context.registrations.bind(key, binding) {
        tracing::info!(tenant = %realm, extension = %number, contact = %contact_text, "SIP registrar: phone registered");
    }
    transaction.reply_with(StatusCode::OK, vec![contact_header(&contact_text, granted.as_secs())], None).await
}

fn remaining(binding: &Binding) -> u64 {
    binding.expires_at.saturating_duration_since(Instant::now()).as_secs()
}

fn contact_header(contact: &str, expires: u64) -> Header {
    Header::Contact(format!("<{contact}>;expires={expires}").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenant_is_the_first_label_of_the_sip_domain() {
        let host = |text: &str| {
            rsipstack::sip::Uri::try_from(format!("sip:1001@{text}").as_str()).unwrap().host_with_port.host
        };
        assert_eq!(tenant_slug_of(&host("demo")), Some("demo".to_owned()));
        assert_eq!(tenant_slug_of(&host("Acme-1.sip.example.com")), Some("acme-1".to_owned()));
        assert_eq!(tenant_slug_of(&host("127.0.0.1")), None);
        assert_eq!(tenant_slug_of(&host("bad_label.example")), None);
    }
}
