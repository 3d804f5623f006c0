//! The SIP server's view of Hotline: the tenants' telephony directory (extensions from the
//! read models, their passwords from the secret store) and the switchboard its calls record
//! and route through.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use hotline_command_api::Dispatcher;
use hotline_command_api::chat::ChatService;
use hotline_command_api::dispatcher::CommandMeta;
use hotline_domain::acd::{self, AcdAction, AcdEvent, Presence};
use hotline_domain::call::{Call, CallAction, CallCommand, CallTransferTarget, Sealed};
use hotline_domain::identity::tenant_id_for_slug;
use hotline_domain::{Actor, DomainEvent};
use hotline_graphql::{CallControlError, CallInstruction, CarrierRegistrationState, CarrierRegistrationStatus};
use hotline_infra::blobs::BlobStore;
use hotline_infra::keys::{self, SubjectKeys};
use hotline_infra::recordings::{self, RecordingSpool, RecordingStore, Tracks};
use hotline_infra::secrets::SecretStore;
use hotline_infra::store::{Scope, SharedEventStore, subscribe};
use hotline_media::calls::{
    AgentExtension, CallDirector, InboundRoute, Instruction, OutboundRoute, Routing, Switchboard, SwitchboardError,
};
use hotline_media::music::Music;
use hotline_media::outbound::{DialRequest, Dialer};
use hotline_media::registrar::Registrations;
use hotline_media::relay::{self, Recording, RecordingSink};
use hotline_media::trunks::{TrunkRegistrationState, TrunkRegistrationTarget, TrunkRegistrations};
use hotline_media::{Directory, DirectoryError, ExtensionCredentials};
use hotline_projections::telephony;
use sqlx::AnyPool;
use uuid::Uuid;

/// `--rtp-ports`: `FIRST-LAST`.
#[derive(Debug, Clone)]
pub struct PortRange(pub std::ops::RangeInclusive<u16>);

impl FromStr for PortRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let range = text
            .split_once('-')
            .and_then(|(first, last)| Some((first.parse::<u16>().ok()?, last.parse::<u16>().ok()?)));
        match range {
            Some((first, last)) if first >= 1024 && last > first => Ok(Self(first..=last)),
            _ => Err(format!("{text:?} is not a port range such as 20000-29999 (above 1023, at least two ports)")),
        }
    }
}

pub struct ReadModelDirectory {
    pub read_models: AnyPool,
    pub secrets: Arc<dyn SecretStore>,
}

#[async_trait]
impl Directory for ReadModelDirectory {
    async fn extension(&self, tenant_slug: &str, number: &str) -> Result<Option<ExtensionCredentials>, DirectoryError> {
        let tenant_id = tenant_id_for_slug(tenant_slug);
        let extension = telephony::extension_for_login(&self.read_models, tenant_id, number)
            .await
            .map_err(|error| DirectoryError(error.to_string()))?;
        let Some(extension) = extension else { return Ok(None) };
        let password = self
            .secrets
            .get(tenant_id, extension.secret_id)
            .await
            .map_err(|error| DirectoryError(error.to_string()))?;
        // An extension whose password is gone cannot log in.
        Ok(password.map(|password| ExtensionCredentials {
            tenant_id,
            extension_id: extension.extension_id,
            user_id: extension.user_id,
            password,
            enabled: extension.enabled,
        }))
    }

    async fn trunk_registrations(&self) -> Result<Vec<TrunkRegistrationTarget>, DirectoryError> {
        let failed = |error: &dyn std::fmt::Display| DirectoryError(error.to_string());
        let trunks = telephony::registering_trunks(&self.read_models).await.map_err(|error| failed(&error))?;
        let mut targets = Vec::with_capacity(trunks.len());
        for trunk in trunks {
            let Some(registration) = trunk.registration else { continue };
            let password =
                self.secrets.get(trunk.tenant_id, registration.secret_id).await.map_err(|error| failed(&error))?;
            // A trunk whose password is gone cannot register.
            let Some(password) = password else { continue };
            targets.push(TrunkRegistrationTarget {
                tenant_id: trunk.tenant_id,
                trunk_id: trunk.trunk_id,
                registrar: registration.registrar,
                username: registration.username,
                password,
            });
        }
        Ok(targets)
    }
}

/// The registrar's bindings and the carrier registrations, as the API shows them.
pub struct Phones {
    pub phones: Arc<Registrations>,
    pub trunks: Arc<TrunkRegistrations>,
}

impl hotline_graphql::RegisteredPhones for Phones {
    fn registered(&self, tenant_id: Uuid) -> Vec<String> {
        self.phones.of_tenant(tenant_id).into_iter().map(|(number, _)| number).collect()
    }

    fn carrier_registration(&self, tenant_id: Uuid, trunk_id: Uuid) -> Option<CarrierRegistrationStatus> {
        let status = self.trunks.status(tenant_id, trunk_id)?;
        let (state, detail, expires_at) = match status.state {
            TrunkRegistrationState::Registering => (CarrierRegistrationState::Registering, None, None),
            TrunkRegistrationState::Registered { until } => {
                (CarrierRegistrationState::Registered, None, Some(DateTime::<Utc>::from(until)))
            }
            TrunkRegistrationState::Failed { reason } => (CarrierRegistrationState::Failed, Some(reason), None),
        };
        Some(CarrierRegistrationStatus { state, detail, since: status.since.into(), expires_at })
    }
}

/// The softphone bar's instructions and calls out, carried to the SIP server.
pub struct Calls {
    pub director: Arc<CallDirector>,
    pub dialer: Dialer,
}

#[async_trait]
impl hotline_graphql::CallControl for Calls {
    async fn instruct(
        &self,
        _tenant_id: Uuid,
        call_id: Uuid,
        agent_id: Uuid,
        instruction: CallInstruction,
    ) -> Result<(), CallControlError> {
        // The call id is unique across tenants and the call checks the agent is its own.
        let instruction = match instruction {
            CallInstruction::Hold => Instruction::Hold,
            CallInstruction::Resume => Instruction::Resume,
            CallInstruction::TransferToAgent(agent_id) => Instruction::Transfer(CallTransferTarget::Agent { agent_id }),
            CallInstruction::TransferToQueue(queue_id) => Instruction::Transfer(CallTransferTarget::Queue { queue_id }),
            CallInstruction::HangUp => Instruction::HangUp,
            CallInstruction::Consult(agent_id) => Instruction::Consult(agent_id),
            CallInstruction::CancelConsult => Instruction::CancelConsult,
            CallInstruction::CompleteTransfer => Instruction::CompleteTransfer,
        };
        self.director
            .instruct(call_id, agent_id, instruction)
            .await
            .map_err(|refused| CallControlError { code: refused.code, message: refused.message })
    }

    async fn dial(
        &self,
        tenant_id: Uuid,
        agent_id: Uuid,
        number: &str,
        trunk_id: Option<Uuid>,
    ) -> Result<Uuid, CallControlError> {
        let request = DialRequest { tenant_id, agent_id, number: number.to_owned(), trunk_id };
        self.dialer
            .dial(request)
            .await
            .map_err(|refused| CallControlError { code: refused.code, message: refused.message })
    }
}

/// The B2BUA's way into the rest of Hotline: routes and extensions from the read models,
/// call and ACD commands through the dispatcher, recordings into the recording store, music
/// from the blob store.
pub struct HotlineSwitchboard {
    pub read_models: AnyPool,
    pub dispatcher: Arc<Dispatcher>,
    pub chat: ChatService,
    pub keys: SubjectKeys,
    pub recordings: RecordingStore,
    pub blobs: BlobStore,
    /// Music files by id (a file never changes under its id), so that a call does not read
    /// its queue's music from the database.
    pub music: Mutex<HashMap<Uuid, Music>>,
    /// The recording spool writers of the calls in progress, by call id.
    pub spools: Mutex<HashMap<Uuid, tokio::task::JoinHandle<Spooled>>>,
}

/// What a call's spool writer did: the spool, once the first chunk opened it, and the chunks
/// it could not write (kept in memory instead, so the recording is whole either way).
#[derive(Default)]
pub struct Spooled {
    spool: Option<RecordingSpool>,
    unwritten: Vec<recordings::Chunk>,
}

/// Seals and appends a call's chunks to a spool opened (with the recording's key) at the
/// first chunk, until the call's media ends.
async fn write_spool(
    store: RecordingStore,
    tenant_id: Uuid,
    mut chunks: tokio::sync::mpsc::UnboundedReceiver<relay::Chunk>,
) -> Spooled {
    let mut spooled = Spooled::default();
    let mut unopenable = false;
    while let Some(chunk) = chunks.recv().await {
        if spooled.spool.is_none() && !unopenable {
            match store.open_spool(tenant_id, Uuid::now_v7()).await {
                Ok(spool) => spooled.spool = spool,
                Err(error) => {
                    tracing::warn!(%error, "SIP: opening a recording's spool; the recording stays in memory");
                    unopenable = true;
                }
            }
        }
        let Some(spool) = spooled.spool.take() else {
            spooled.unwritten.push(chunk);
            continue;
        };
        let appended = tokio::task::spawn_blocking(move || {
            let written = spool.append(&chunk);
            (spool, written.map_err(|error| (error, chunk)))
        })
        .await;
        match appended {
            Ok((spool, written)) => {
                spooled.spool = Some(spool);
                if let Err((error, chunk)) = written {
                    tracing::warn!(%error, "SIP: spooling a recording's chunk; it stays in memory");
                    spooled.unwritten.push(chunk);
                }
            }
            Err(error) => {
                tracing::error!(%error, "SIP: a recording's spool writer failed");
                break;
            }
        }
    }
    spooled
}

/// Music files kept in memory at most (about 10 MB at a minute each).
const CACHED_MUSIC_FILES: usize = 20;

/// Who the SIP server's commands are from, in the log.
const SIP_ACTOR: &str = "sip";

fn failed(error: impl std::fmt::Display) -> SwitchboardError {
    SwitchboardError(error.to_string())
}

impl HotlineSwitchboard {
    fn meta(tenant_id: Uuid) -> CommandMeta {
        CommandMeta::new(Uuid::now_v7(), tenant_id, Actor::system(SIP_ACTOR), Utc::now())
    }
}

/// Whether `address` is one of a trunk's peers (an address or a CIDR block).
fn peer_matches(peer: &str, address: IpAddr) -> bool {
    let (network, prefix) = match peer.split_once('/') {
        Some((network, prefix)) => (network, prefix.parse::<u32>().ok()),
        None => (peer, None),
    };
    let Ok(network) = network.parse::<IpAddr>() else { return false };
    match (network, address) {
        (IpAddr::V4(network), IpAddr::V4(address)) => {
            let prefix = prefix.unwrap_or(32).min(32);
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
            u32::from(network) & mask == u32::from(address) & mask
        }
        (IpAddr::V6(network), IpAddr::V6(address)) => {
            let prefix = prefix.unwrap_or(128).min(128);
            let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
            u128::from(network) & mask == u128::from(address) & mask
        }
        _ => false,
    }
}

#[async_trait]
impl Switchboard for HotlineSwitchboard {
    async fn outbound_route(
        &self,
        tenant_id: Uuid,
        trunk_id: Option<Uuid>,
    ) -> Result<Option<OutboundRoute>, SwitchboardError> {
        let trunks = telephony::list_trunks(&self.read_models, tenant_id).await.map_err(failed)?;
        let Some((trunk_id, address)) = trunks
            .into_iter()
            .filter(|trunk| trunk_id.is_none_or(|id| id == trunk.trunk_id))
            .find_map(|trunk| trunk.outbound_address.map(|address| (trunk.trunk_id, address)))
        else {
            return Ok(None);
        };
        let resolved = match (address.parse::<SocketAddr>(), address.parse::<IpAddr>()) {
            (Ok(socket), _) => socket,
            (_, Ok(ip)) => SocketAddr::new(ip, 5060),
            _ => {
                let with_port = if address.contains(':') { address.clone() } else { format!("{address}:5060") };
                tokio::net::lookup_host(with_port.as_str())
                    .await
                    .map_err(|error| failed(format!("resolving trunk address {address}: {error}")))?
                    .next()
                    .ok_or_else(|| failed(format!("trunk address {address} resolves to nothing")))?
            }
        };
        // The caller id: an access number that arrives on this trunk, else any of the tenant's.
        let numbers = telephony::list_access_numbers(&self.read_models, tenant_id).await.map_err(failed)?;
        let caller_id = numbers
            .iter()
            .find(|number| number.trunk_id == Some(trunk_id))
            .or_else(|| numbers.iter().find(|number| number.trunk_id.is_none()))
            .map(|number| number.number.clone())
            .unwrap_or_default();
        Ok(Some(OutboundRoute { trunk_id, address: resolved, caller_id }))
    }

    async fn agent_presence(&self, tenant_id: Uuid, agent_id: Uuid) -> Result<Option<Presence>, SwitchboardError> {
        self.chat
            .read_acd(tenant_id, |acd| acd.agents.get(&agent_id).map(|agent| agent.presence.clone()))
            .await
            .map_err(failed)
    }

    async fn route(&self, source: IpAddr, number: &str) -> Result<Routing, SwitchboardError> {
        let trunks = telephony::all_trunks(&self.read_models).await.map_err(failed)?;
        let mut from_a_trunk = false;
        for trunk in trunks.iter().filter(|trunk| trunk.peers.iter().any(|peer| peer_matches(peer, source))) {
            from_a_trunk = true;
            let route =
                telephony::access_number_route(&self.read_models, trunk.tenant_id, number).await.map_err(failed)?;
            // An access number bound to one trunk takes calls from that trunk only.
            if let Some(route) = route.filter(|route| route.trunk_id.is_none_or(|id| id == trunk.trunk_id)) {
                return Ok(Routing::Route(InboundRoute {
                    tenant_id: trunk.tenant_id,
                    trunk_id: trunk.trunk_id,
                    queue_id: route.queue_id,
                }));
            }
        }
        Ok(if from_a_trunk { Routing::UnknownNumber } else { Routing::NotATrunk })
    }

    async fn agent_extension(
        &self,
        tenant_id: Uuid,
        agent_id: Uuid,
    ) -> Result<Option<AgentExtension>, SwitchboardError> {
        let extension = telephony::extension_of_user(&self.read_models, tenant_id, agent_id).await.map_err(failed)?;
        Ok(extension
            .filter(|extension| extension.enabled)
            .map(|extension| AgentExtension { extension_id: extension.extension_id, number: extension.number }))
    }

    async fn seal_caller(&self, tenant_id: Uuid, caller: &str) -> Result<Sealed, SwitchboardError> {
        // One key per calling number: forgetting a caller destroys it, and with it the
        // number in every call event.
        let key_id = Uuid::new_v5(&tenant_id, format!("tel:{caller}").as_bytes());
        let key = match self.keys.get(tenant_id, key_id).await.map_err(failed)? {
            Some(key) => key,
            // Two calls from one number at once: the second creation loses, and reads the first's.
            None => match self.keys.create(tenant_id, key_id).await {
                Ok(key) => key,
                Err(error) => self.keys.get(tenant_id, key_id).await.map_err(failed)?.ok_or_else(|| failed(error))?,
            },
        };
        Ok(Sealed { key_id, ciphertext: keys::seal(&key, caller.as_bytes()) })
    }

    async fn record(&self, tenant_id: Uuid, call_id: Uuid, action: CallAction) -> Result<(), SwitchboardError> {
        let meta = Self::meta(tenant_id);
        let command = CallCommand { tenant_id, call_id, at: meta.occurred_at, action };
        self.dispatcher.dispatch::<Call>(&meta, &command).await.map(|_| ()).map_err(failed)
    }

    async fn route_contact(&self, tenant_id: Uuid, action: AcdAction) -> Result<(), SwitchboardError> {
        self.chat.route_contact(&Self::meta(tenant_id), action).await.map(|_| ()).map_err(failed)
    }

    async fn queue_music(&self, tenant_id: Uuid, queue_id: Uuid) -> Result<Option<Music>, SwitchboardError> {
        let Some(music_id) = telephony::queue_music(&self.read_models, tenant_id, queue_id).await.map_err(failed)?
        else {
            return Ok(None);
        };
        if let Some(music) = self.music.lock().expect("music cache lock").get(&music_id) {
            return Ok(Some(music.clone()));
        }
        let Some((_, samples)) = self.blobs.get(tenant_id, music_id).await.map_err(failed)? else {
            return Err(failed(format!("the samples of music file {music_id} are missing")));
        };
        let music: Music = samples.into();
        let mut cache = self.music.lock().expect("music cache lock");
        if cache.len() >= CACHED_MUSIC_FILES {
            cache.clear();
        }
        cache.insert(music_id, music.clone());
        Ok(Some(music))
    }

    fn recording_sink(&self, tenant_id: Uuid, call_id: Uuid) -> Option<RecordingSink> {
        if !self.recordings.spools() {
            return None;
        }
        let (sink, chunks) = tokio::sync::mpsc::unbounded_channel();
        let writer = tokio::spawn(write_spool(self.recordings.clone(), tenant_id, chunks));
        self.spools.lock().expect("spools lock").insert(call_id, writer);
        Some(sink)
    }

    async fn store_recording(
        &self,
        tenant_id: Uuid,
        call_id: Uuid,
        recording: Recording,
    ) -> Result<Option<(Uuid, u64)>, SwitchboardError> {
        // The writer ends once the call's media is gone (its sink dropped).
        let writer = self.spools.lock().expect("spools lock").remove(&call_id);
        let Spooled { spool, mut unwritten } = match writer {
            Some(writer) => writer.await.map_err(|error| SwitchboardError(error.to_string()))?,
            None => Spooled::default(),
        };
        unwritten.extend(recording.into_chunks());
        match spool {
            Some(spool) => {
                let recording_id = spool.recording_id();
                let bytes = self.recordings.finish(spool, unwritten).await.map_err(failed)?;
                Ok(Some((recording_id, bytes)))
            }
            None if unwritten.is_empty() => Ok(None),
            None => {
                let recording_id = Uuid::now_v7();
                let tracks = Tracks::from_chunks(&unwritten);
                let bytes = self.recordings.put(tenant_id, recording_id, tracks).await.map_err(failed)?;
                Ok(Some((recording_id, bytes)))
            }
        }
    }
}

/// Hands the ACD's decisions about calls to the SIP server's calls, from the log's head on
/// (a call lives in this process only, so older decisions concern no call of ours).
pub async fn follow_acd(store: SharedEventStore, director: Arc<CallDirector>) -> anyhow::Result<()> {
    let head = store.head_position().await?;
    tokio::spawn(async move {
        let mut position = head;
        loop {
            let mut events = subscribe(store.clone(), Scope::Global, position);
            while let Some(item) = events.next().await {
                let Ok(envelope) = item else { break };
                position = envelope.global_position;
                if matches!(envelope.event_type.as_str(), acd::CONTACT_OFFERED | acd::OFFER_TIMED_OUT)
                    && let Ok(event) =
                        AcdEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                {
                    director.on_acd_event(&event);
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::peer_matches;

    #[test]
    fn peers_match_addresses_and_blocks() {
        let address = "192.0.2.77".parse().unwrap();
        assert!(peer_matches("192.0.2.77", address));
        assert!(peer_matches("192.0.2.0/24", address));
        assert!(peer_matches("0.0.0.0/0", address));
        assert!(!peer_matches("192.0.3.0/24", address));
        assert!(!peer_matches("2001:db8::/32", address));
        assert!(peer_matches("2001:db8::/32", "2001:db8::1".parse().unwrap()));
        assert!(!peer_matches("not an address", address));
    }
}
