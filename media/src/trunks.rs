//! Registering with carriers: a trunk whose carrier wants Hotline to register (a soft switch
//! or an IMS core that sends calls to where its user registered from) gets a REGISTER with
//! digest authentication, refreshed before it expires, for as long as the trunk says so.
//!
//! The wanted registrations come from the directory ([`Directory::trunk_registrations`]),
//! read again every [`RECONCILE_EVERY`]: a new or changed trunk starts (or restarts) its
//! registration, a removed one stops it and unregisters (Expires: 0). Each registration
//! is one task; its state (registered until when, or why it failed) is kept in memory for
//! the API, since registering is a conversation with the carrier, not history.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::registration::Registration;
use rsipstack::sip::StatusCodeKind;
use rsipstack::transaction::endpoint::EndpointInnerRef;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::server::Directory;

/// How often the wanted registrations are read from the directory.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(5);
/// The lifetime asked of the carrier.
const REQUESTED_EXPIRES_SECONDS: u32 = 600;
/// After a failure, the first retry; each next one waits twice as long, up to the most.
const FIRST_RETRY: Duration = Duration::from_secs(15);
const LONGEST_RETRY: Duration = Duration::from_secs(300);

/// A registration the directory wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkRegistrationTarget {
    pub tenant_id: Uuid,
    pub trunk_id: Uuid,
    /// `host` or `host:port`.
    pub registrar: String,
    pub username: String,
    pub password: String,
}

/// Where a trunk's registration stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrunkRegistrationState {
    /// Sent, no final answer yet.
    Registering,
    /// The carrier accepted; refreshed before `until`.
    Registered { until: SystemTime },
    /// The carrier refused or did not answer; retried later.
    Failed { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkRegistrationStatus {
    pub tenant_id: Uuid,
    pub state: TrunkRegistrationState,
    pub since: SystemTime,
}

/// The registrations' states, by trunk.
#[derive(Default)]
pub struct TrunkRegistrations {
    states: Mutex<HashMap<Uuid, TrunkRegistrationStatus>>,
}

impl TrunkRegistrations {
    /// The trunk's registration state, if it registers (and is the tenant's).
    pub fn status(&self, tenant_id: Uuid, trunk_id: Uuid) -> Option<TrunkRegistrationStatus> {
        self.states
            .lock()
            .expect("trunk states lock")
            .get(&trunk_id)
            .filter(|status| status.tenant_id == tenant_id)
            .cloned()
    }

    fn set(&self, target: &TrunkRegistrationTarget, state: TrunkRegistrationState) {
        let mut states = self.states.lock().expect("trunk states lock");
        let unchanged = states.get(&target.trunk_id).is_some_and(|status| status.state == state);
        if !unchanged {
            let status = TrunkRegistrationStatus { tenant_id: target.tenant_id, state, since: SystemTime::now() };
            states.insert(target.trunk_id, status);
        }
    }

    fn forget(&self, trunk_id: Uuid) {
        self.states.lock().expect("trunk states lock").remove(&trunk_id);
    }
}

/// Keeps the directory's trunk registrations running until `cancel`.
pub(crate) async fn keep_registered(
    endpoint: EndpointInnerRef,
    directory: Arc<dyn Directory>,
    registrations: Arc<TrunkRegistrations>,
    cancel: CancellationToken,
) {
    let mut running: HashMap<Uuid, (TrunkRegistrationTarget, JoinHandle<()>)> = HashMap::new();
    let mut tick = tokio::time::interval(RECONCILE_EVERY);
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        let wanted = match directory.trunk_registrations().await {
            Ok(wanted) => wanted,
            Err(error) => {
                tracing::warn!(%error, "SIP: reading the trunks to register with");
                continue;
            }
        };
        let wanted: HashMap<Uuid, TrunkRegistrationTarget> =
            wanted.into_iter().map(|target| (target.trunk_id, target)).collect();
        let stale: Vec<Uuid> = running
            .iter()
            .filter(|(trunk_id, (target, _))| wanted.get(*trunk_id) != Some(target))
            .map(|(trunk_id, _)| *trunk_id)
            .collect();
        for trunk_id in stale {
            let (target, task) = running.remove(&trunk_id).expect("listed");
            task.abort();
            registrations.forget(trunk_id);
            if !wanted.contains_key(&trunk_id) {
                tokio::spawn(unregister(endpoint.clone(), target));
            }
        }
        for (trunk_id, target) in wanted {
            if running.contains_key(&trunk_id) {
                continue;
            }
            let task = tokio::spawn(register_and_refresh(endpoint.clone(), target.clone(), registrations.clone()));
            running.insert(trunk_id, (target, task));
        }
    }
    for (_, (target, task)) in running {
        task.abort();
        unregister(endpoint.clone(), target).await;
    }
}

fn registration(endpoint: EndpointInnerRef, target: &TrunkRegistrationTarget) -> Registration {
    let credential = Credential {
        username: target.username.clone(),
        password: target.password.clone(),
        realm: None,
        auth_username: None,
    };
    Registration::new(endpoint, Some(credential))
}

fn registrar_uri(target: &TrunkRegistrationTarget) -> Result<rsipstack::sip::Uri, String> {
    rsipstack::sip::Uri::try_from(format!("sip:{}", target.registrar).as_str())
        .map_err(|error| format!("the registrar {:?} is no SIP address: {error}", target.registrar))
}

async fn register_and_refresh(
    endpoint: EndpointInnerRef,
    target: TrunkRegistrationTarget,
    registrations: Arc<TrunkRegistrations>,
) {
    let server = match registrar_uri(&target) {
        Ok(server) => server,
        Err(reason) => {
            registrations.set(&target, TrunkRegistrationState::Failed { reason });
            return;
        }
    };
    let mut client = registration(endpoint, &target);
    let mut retry = FIRST_RETRY;
    loop {
        registrations.set(&target, TrunkRegistrationState::Registering);
        let wait = match client.register(server.clone(), Some(REQUESTED_EXPIRES_SECONDS)).await {
            Ok(response) if response.status_code.kind() == StatusCodeKind::Successful => {
                let granted = Duration::from_secs(u64::from(client.expires()));
                registrations.set(&target, TrunkRegistrationState::Registered { until: SystemTime::now() + granted });
                tracing::info!(trunk_id = %target.trunk_id, registrar = %target.registrar, seconds = granted.as_secs(), "SIP: registered with a carrier");
                retry = FIRST_RETRY;
                // Refresh at three quarters of the lifetime, as phones do.
                (granted * 3 / 4).max(Duration::from_secs(5))
            }
            outcome => {
                let reason = match outcome {
                    Ok(response) => response.status_code.to_string(),
                    Err(error) => error.to_string(),
                };
                tracing::warn!(trunk_id = %target.trunk_id, registrar = %target.registrar, %reason, "SIP: a carrier refused the registration");
                registrations.set(&target, TrunkRegistrationState::Failed { reason });
                let wait = retry;
                retry = (retry * 2).min(LONGEST_RETRY);
                wait
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// Tells the carrier the registration is over (best effort: the carrier forgets it at its
/// expiry anyway).
async fn unregister(endpoint: EndpointInnerRef, target: TrunkRegistrationTarget) {
    let Ok(server) = registrar_uri(&target) else { return };
    let mut client = registration(endpoint, &target);
    if tokio::time::timeout(Duration::from_secs(5), client.register(server, Some(0))).await.is_err() {
        tracing::debug!(trunk_id = %target.trunk_id, "SIP: the carrier did not answer the unregistration");
    }
}
