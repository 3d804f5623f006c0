//! The B2BUA for inbound calls: a call from a trunk to an access number is answered at once
//! (the caller hears the queue's music while queued), becomes a call stream and an ACD
//! contact, and is bridged to the phone of the agent the ACD offers it to when that phone
//! answers.
//!
//! Each call is one task that owns the caller's dialog, the agent leg ringing or connected,
//! and the media session. It reacts to three sources: the caller's dialog states (a BYE), the
//! agent leg's (ringing, answered, refused, a BYE) and the ACD's decisions about this call
//! (offered to an agent; the offer withdrawn), which the binary feeds in from the log
//! through [`CallDirector::on_acd_event`]. Every change is recorded through the
//! [`Switchboard`]: leg states on the call stream, offers answered or refused on the ACD.
//!
//! An agent leg that fails (no phone registered, busy, declined, not answered before the
//! offer expired) is refused to the ACD, which offers the call to the next agent.
//!
//! Attended transfer: the connected agent consults another agent, whose phone rings directly
//! (no ACD offer: they must be available, and are `busy` in the ACD while consulted). The
//! caller is held and hears music; once the consulted phone answers, the relay connects the
//! two agents. The consulting agent then completes the transfer (their leg ends, the
//! consulted leg becomes the agent leg, and the ACD hands the contact over) or goes back to
//! the caller; hanging up the desk phone while talking with the consulted agent completes it.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::acd::{AcdAction, AcdEvent, Channel, Presence, TransferTarget};
use hotline_domain::call::{CallAction, CallTransferTarget, EndCause, LegFailure, Sealed};
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::{InviteAsyncResult, InviteOption};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, HeadersExt, StatusCode, StatusCodeKind};
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::{SipAddr, SipConnection};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::music::Music;
use crate::registrar::{Binding, ExtensionKey, Registrations};
use crate::relay::{MediaSession, Recording, RecordingSink};
use crate::rtp::PortPool;
use crate::sdp::{self, AudioDescription, Codec, Direction};

/// How long an agent's phone may ring when the offer carries no deadline of its own.
pub(crate) const DEFAULT_RING: Duration = Duration::from_secs(20);
/// The payload type we offer for RFC 4733 DTMF.
pub(crate) const TELEPHONE_EVENT: u8 = 101;

/// Where a call from a trunk goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboundRoute {
    pub tenant_id: Uuid,
    pub trunk_id: Uuid,
    pub queue_id: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// The source is no tenant's trunk: 403.
    NotATrunk,
    /// A trunk's, but the number is no access number of its tenant: 404.
    UnknownNumber,
    Route(InboundRoute),
}

/// Where calls out through a trunk go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRoute {
    pub trunk_id: Uuid,
    /// The carrier's SIP address (the trunk's outbound address, resolved).
    pub address: SocketAddr,
    /// Our number the customer sees (an access number of the tenant; empty: none).
    pub caller_id: String,
}

/// An agent's extension, to find the phone registered for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentExtension {
    pub extension_id: Uuid,
    pub number: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SwitchboardError(pub String);

/// What the B2BUA needs from the rest of Hotline: the directory, the log and the blobs.
#[async_trait]
pub trait Switchboard: Send + Sync + 'static {
    async fn route(&self, source: IpAddr, number: &str) -> Result<Routing, SwitchboardError>;
    async fn agent_extension(
        &self,
        tenant_id: Uuid,
        agent_id: Uuid,
    ) -> Result<Option<AgentExtension>, SwitchboardError>;
    /// The caller's number sealed with the caller's own key (it is personal data).
    async fn seal_caller(&self, tenant_id: Uuid, caller: &str) -> Result<Sealed, SwitchboardError>;
    /// The trunk to call out through: `trunk_id`, or the tenant's first with an outbound
    /// address when `None`; `None` back when there is no such trunk.
    async fn outbound_route(
        &self,
        tenant_id: Uuid,
        trunk_id: Option<Uuid>,
    ) -> Result<Option<OutboundRoute>, SwitchboardError>;
    /// The agent's presence in the tenant's ACD now (`None`: not an agent).
    async fn agent_presence(&self, tenant_id: Uuid, agent_id: Uuid) -> Result<Option<Presence>, SwitchboardError>;
    /// Appends to the call's stream.
    async fn record(&self, tenant_id: Uuid, call_id: Uuid, action: CallAction) -> Result<(), SwitchboardError>;
    /// Sends a command to the tenant's ACD.
    async fn route_contact(&self, tenant_id: Uuid, action: AcdAction) -> Result<(), SwitchboardError>;
    /// The music a queue's callers hear while they wait or are held; `None`: the chime.
    async fn queue_music(&self, tenant_id: Uuid, queue_id: Uuid) -> Result<Option<Music>, SwitchboardError>;
    /// Where the call's recording spills its older chunks while it runs; `None`: it stays
    /// in memory until the end. Every call asks once and hands its recording to
    /// [`Switchboard::store_recording`] at its end, empty or not.
    fn recording_sink(&self, tenant_id: Uuid, call_id: Uuid) -> Option<RecordingSink>;
    /// Keeps a finished call's recording (with the chunks its sink took); returns its id and
    /// stored size, or `None` when nothing was recorded.
    async fn store_recording(
        &self,
        tenant_id: Uuid,
        call_id: Uuid,
        recording: Recording,
    ) -> Result<Option<(Uuid, u64)>, SwitchboardError>;
}

/// What the ACD decided about one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AcdDecision {
    Offered {
        agent_id: Uuid,
        expires_at: DateTime<Utc>,
    },
    /// The offer timed out in the ACD: stop ringing that agent.
    OfferTimedOut {
        agent_id: Uuid,
    },
}

/// What the connected agent does to the call from the web app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instruction {
    Hold,
    Resume,
    /// Blind transfer: the agent's leg ends, the caller hears music until the target answers.
    Transfer(CallTransferTarget),
    HangUp,
    /// Consult an agent (attended transfer, step one): the caller is held, the agent's
    /// phone rings; once it answers, the two agents talk.
    Consult(Uuid),
    /// End the consultation: back to the caller (off hold, unless held before).
    CancelConsult,
    /// Attended transfer: the consulted agent takes the call over.
    CompleteTransfer,
}

/// Why an instruction was not carried out: a catalogued error code and a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InstructionRefused {
    pub code: &'static str,
    pub message: String,
}

impl InstructionRefused {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

/// What reaches a call task besides SIP.
pub(crate) enum Steer {
    Acd(AcdDecision),
    Instruction { agent_id: Uuid, instruction: Instruction, done: oneshot::Sender<Result<(), InstructionRefused>> },
}

/// The calls of this process, by call id (= ACD contact id).
#[derive(Default)]
pub struct CallDirector {
    calls: Mutex<HashMap<Uuid, mpsc::UnboundedSender<Steer>>>,
}

impl CallDirector {
    /// Hands an ACD event to the call it concerns, if that call is one of ours.
    pub fn on_acd_event(&self, event: &AcdEvent) {
        let (contact_id, decision) = match event {
            AcdEvent::ContactOffered(offered) if offered.channel == Channel::Voice => (
                offered.contact_id,
                AcdDecision::Offered { agent_id: offered.agent_id, expires_at: offered.expires_at },
            ),
            AcdEvent::OfferTimedOut(timed_out) => {
                (timed_out.contact_id, AcdDecision::OfferTimedOut { agent_id: timed_out.agent_id })
            }
            _ => return,
        };
        if let Some(call) = self.calls.lock().expect("calls lock").get(&contact_id) {
            let _ = call.send(Steer::Acd(decision));
        }
    }

    /// Carries out an agent's instruction on a call of this process, once it is recorded.
    pub async fn instruct(
        &self,
        call_id: Uuid,
        agent_id: Uuid,
        instruction: Instruction,
    ) -> Result<(), InstructionRefused> {
        let not_here = || InstructionRefused::new("call.not_found", format!("call {call_id} is not in progress"));
        let (done, outcome) = oneshot::channel();
        let call = self.calls.lock().expect("calls lock").get(&call_id).cloned().ok_or_else(not_here)?;
        call.send(Steer::Instruction { agent_id, instruction, done }).map_err(|_| not_here())?;
        outcome.await.map_err(|_| not_here())?
    }

    pub(crate) fn enter(&self, call_id: Uuid) -> mpsc::UnboundedReceiver<Steer> {
        crate::metrics::call_started();
        let (sender, receiver) = mpsc::unbounded_channel();
        self.calls.lock().expect("calls lock").insert(call_id, sender);
        receiver
    }

    pub(crate) fn leave(&self, call_id: Uuid) {
        crate::metrics::call_ended();
        self.calls.lock().expect("calls lock").remove(&call_id);
    }
}

/// Everything a call task shares with the others.
pub(crate) struct Telephony {
    pub switchboard: Arc<dyn Switchboard>,
    pub director: Arc<CallDirector>,
    pub registrations: Arc<Registrations>,
    pub dialogs: Arc<DialogLayer>,
    pub ports: Arc<PortPool>,
}

/// The source address of a request, from its top Via (`received`/`rport` included).
pub(crate) fn source_of(transaction: &Transaction) -> Option<(String, SocketAddr)> {
    let via = transaction.original.via_header().ok()?;
    let (transport, host) = SipConnection::parse_target_from_via(via).ok()?;
    let address: SocketAddr = host.try_into().ok()?;
    Some((transport.to_string().to_ascii_lowercase(), address))
}

/// Answers an INVITE that opens a new dialog: an inbound call from a trunk.
pub(crate) async fn inbound(telephony: Arc<Telephony>, mut transaction: Transaction) {
    let number = transaction.original.uri.auth.as_ref().map(|auth| auth.user.clone()).unwrap_or_default();
    let Some((_, source)) = source_of(&transaction) else {
        let _ = transaction.reply(StatusCode::BadRequest).await;
        return;
    };
    let route = match telephony.switchboard.route(source.ip(), &number).await {
        Ok(Routing::Route(route)) => route,
        Ok(Routing::NotATrunk) => {
            let _ = transaction.reply(StatusCode::Forbidden).await;
            return;
        }
        Ok(Routing::UnknownNumber) => {
            let _ = transaction.reply(StatusCode::NotFound).await;
            return;
        }
        Err(error) => {
            tracing::warn!(%error, "SIP: routing an inbound call");
            let _ = transaction.reply(StatusCode::ServerInternalError).await;
            return;
        }
    };
    let offer = match sdp::parse(&String::from_utf8_lossy(transaction.original.body())) {
        Ok(offer) if offer.port != 0 => offer,
        _ => {
            let _ = transaction.reply(StatusCode::NotAcceptableHere).await;
            return;
        }
    };
    let Ok(codec) = sdp::choose_codec(&offer) else {
        let _ = transaction.reply(StatusCode::NotAcceptableHere).await;
        return;
    };
    let caller_socket = match telephony.ports.bind() {
        Ok(socket) => socket,
        Err(error) => {
            tracing::warn!(%error, "SIP: refusing a call");
            let _ = transaction.reply(StatusCode::ServiceUnavailable).await;
            return;
        }
    };
    let caller_number = transaction
        .original
        .from_header()
        .ok()
        .and_then(|from| from.uri().ok())
        .and_then(|uri| uri.auth.map(|auth| auth.user))
        .unwrap_or_default();

    let call_id = Uuid::now_v7();
    let tenant_id = route.tenant_id;
    let switchboard = telephony.switchboard.clone();
    let arrived = async {
        let caller = switchboard.seal_caller(tenant_id, &caller_number).await?;
        let arrive = CallAction::Arrive {
            trunk_id: Some(route.trunk_id),
            access_number: number.clone(),
            caller,
            queue_id: route.queue_id,
        };
        switchboard.record(tenant_id, call_id, arrive).await
    };
    if let Err(error) = arrived.await {
        tracing::warn!(%error, "SIP: recording an inbound call");
        let _ = transaction.reply(StatusCode::ServerInternalError).await;
        return;
    }

    let (state_sender, caller_states) = telephony.dialogs.new_dialog_state_channel();
    let dialog = match telephony.dialogs.get_or_create_server_invite(&transaction, state_sender, None, None) {
        Ok(dialog) => dialog,
        Err(error) => {
            tracing::warn!(%error, "SIP: creating the caller's dialog");
            let _ = transaction.reply(StatusCode::ServerInternalError).await;
            let _ = switchboard.record(tenant_id, call_id, CallAction::End { cause: EndCause::Failed }).await;
            return;
        }
    };
    let ours = AudioDescription {
        address: telephony.ports.ip(),
        port: caller_socket.port,
        codecs: vec![codec],
        telephone_event: offer.telephone_event,
        direction: Direction::SendRecv,
    };
    let answer = sdp::write(call_id.as_u64_pair().1, &ours).into_bytes();
    let music = match switchboard.queue_music(tenant_id, route.queue_id).await {
        Ok(music) => music.unwrap_or_else(crate::music::chime),
        Err(error) => {
            tracing::warn!(%error, "SIP: finding a queue's music; the chime plays");
            crate::music::chime()
        }
    };
    let steering = telephony.director.enter(call_id);
    let remote = SocketAddr::new(offer.address, offer.port);
    let media =
        MediaSession::start(caller_socket, remote, codec, music, switchboard.recording_sink(tenant_id, call_id));
    if let Err(error) = dialog.accept(Some(vec![sdp_content_type()]), Some(answer)) {
        tracing::warn!(%error, "SIP: answering the caller");
    }
    let mut caller_dialog = dialog.clone();
    tokio::spawn(async move {
        let _ = caller_dialog.handle(&mut transaction).await;
    });
    let enqueue = AcdAction::EnqueueContact {
        contact_id: call_id,
        channel: Channel::Voice,
        queue_id: route.queue_id,
        priority: 0,
        customer_key: None,
    };
    if let Err(error) = switchboard.route_contact(tenant_id, enqueue).await {
        tracing::warn!(%error, "SIP: queueing a call");
    }

    let call = Call {
        telephony: telephony.clone(),
        tenant_id,
        call_id,
        codec,
        caller: dialog,
        caller_port: ours.port,
        media: Some(media),
        dialer: None,
    };
    call.run(caller_states, steering, None, None).await;
    telephony.director.leave(call_id);
}

pub(crate) fn sdp_content_type() -> Header {
    Header::ContentType("application/sdp".into())
}

/// The agent leg: ringing, then connected.
pub(crate) struct AgentLeg {
    pub(crate) leg_id: Uuid,
    pub(crate) agent_id: Uuid,
    pub(crate) dialog: InviteDialog,
    /// Our media port toward the phone (its socket moves to the media session on answer).
    pub(crate) media_port: u16,
    pub(crate) socket: Option<crate::rtp::MediaSocket>,
    pub(crate) ring_until: tokio::time::Instant,
    pub(crate) connected: bool,
}

/// An agent made `busy` in the ACD for a call the ACD does not route to them (their call
/// out, a consultation), with their presence before.
pub(crate) struct BusyAgent {
    pub(crate) agent_id: Uuid,
    pub(crate) presence_before: Option<Presence>,
}

/// Gives an agent made busy their presence back, unless they chose another meanwhile.
pub(crate) async fn restore_presence(telephony: &Telephony, tenant_id: Uuid, dialer: &BusyAgent) {
    let Some(before) = dialer.presence_before.clone().filter(|before| *before != Presence::Busy) else { return };
    let switchboard = &telephony.switchboard;
    match switchboard.agent_presence(tenant_id, dialer.agent_id).await {
        Ok(Some(Presence::Busy)) => {
            let action = AcdAction::SetPresence { agent_id: dialer.agent_id, presence: before };
            if let Err(error) = switchboard.route_contact(tenant_id, action).await {
                tracing::warn!(%error, "SIP: giving an agent their presence back");
            }
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "SIP: reading an agent's presence"),
    }
}

/// A leg that was just started ringing, with its two event sources.
struct Ringing {
    leg: AgentLeg,
    states: DialogStateReceiver,
    /// Resolves with the phone's final answer to the INVITE.
    answer: tokio::task::JoinHandle<InviteAsyncResult>,
}

/// Why an agent's phone could not be rung.
enum RingRefused {
    /// No extension, or no phone registered to it.
    NoPhone,
    Failed,
}

/// A consultation in progress: the consulted agent's leg, ringing then connected (talking
/// with the consulting agent while the caller is held).
struct Consultation {
    leg: AgentLeg,
    /// The consulted agent, `busy` in the ACD meanwhile.
    consulted: BusyAgent,
    /// The caller was held before: they stay held when the consultation ends.
    caller_was_held: bool,
}

/// A consultation just started, with its leg's two event sources.
struct ConsultRinging {
    consultation: Consultation,
    states: DialogStateReceiver,
    answer: tokio::task::JoinHandle<InviteAsyncResult>,
}

/// A call in progress; on an outbound call, `caller` is the customer called out to.
pub(crate) struct Call {
    pub(crate) telephony: Arc<Telephony>,
    pub(crate) tenant_id: Uuid,
    pub(crate) call_id: Uuid,
    pub(crate) codec: Codec,
    pub(crate) caller: InviteDialog,
    /// Our media port toward the caller.
    pub(crate) caller_port: u16,
    pub(crate) media: Option<MediaSession>,
    /// Set on a call out until it is handed to a queue: it is no ACD contact until then, and
    /// the agent was made `busy`.
    pub(crate) dialer: Option<BusyAgent>,
}

/// How the call loop ended.
enum Ending {
    CallerHungUp,
    /// The agent's phone sent BYE.
    AgentHungUp,
    /// The agent hung up with the softphone bar: both phones get a BYE.
    AgentHungUpInTheWebApp,
}

impl Call {
    async fn record(&self, action: CallAction) {
        if let Err(error) = self.telephony.switchboard.record(self.tenant_id, self.call_id, action).await {
            tracing::warn!(%error, call_id = %self.call_id, "SIP: recording a call's leg state");
        }
    }

    /// Our SDP toward one leg, answering in `direction`.
    pub(crate) fn our_sdp(&self, port: u16, codec: Codec, direction: Direction) -> Vec<u8> {
        let ours = AudioDescription {
            address: self.telephony.ports.ip(),
            port,
            codecs: vec![codec],
            telephone_event: Some(TELEPHONE_EVENT),
            direction,
        };
        sdp::write(self.call_id.as_u64_pair().1, &ours).into_bytes()
    }

    async fn acd(&self, action: AcdAction) {
        if let Err(error) = self.telephony.switchboard.route_contact(self.tenant_id, action).await {
            tracing::warn!(%error, call_id = %self.call_id, "SIP: telling the ACD");
        }
    }

    /// Runs the call to its end; an outbound call starts here with its agent leg connected.
    pub(crate) async fn run(
        mut self,
        mut caller_states: DialogStateReceiver,
        mut steering: mpsc::UnboundedReceiver<Steer>,
        mut agent: Option<AgentLeg>,
        mut agent_states: Option<DialogStateReceiver>,
    ) {
        let mut agent_answer: Option<tokio::task::JoinHandle<InviteAsyncResult>> = None;
        let mut held = false;
        let mut consult: Option<Consultation> = None;
        let mut consult_states: Option<DialogStateReceiver> = None;
        let mut consult_answer: Option<tokio::task::JoinHandle<InviteAsyncResult>> = None;
        let ending = loop {
            let ring_deadline = agent.as_ref().filter(|leg| !leg.connected).map(|leg| leg.ring_until);
            let consult_deadline = consult.as_ref().filter(|c| !c.leg.connected).map(|c| c.leg.ring_until);
            tokio::select! {
                state = caller_states.recv() => match state {
                    Some(DialogState::Terminated(..)) | None => break Ending::CallerHungUp,
                    // A re-INVITE from the carrier (a session refresh, or the caller's hold):
                    // the media stays as it is; answer with our side.
                    Some(DialogState::Updated(_, request, handle)) => {
                        let direction = answer_direction(&request);
                        let _ = handle.respond(StatusCode::OK, Some(vec![sdp_content_type()]), Some(self.our_sdp(self.caller_port, self.codec, direction))).await;
                    }
                    Some(_) => {}
                },
                steer = steering.recv() => match steer {
                    Some(Steer::Instruction { agent_id, instruction, done }) => {
                        let connected_agent = agent.as_ref().filter(|leg| leg.connected).map(|leg| leg.agent_id);
                        // The consulted agent hangs up their side of the consultation.
                        if connected_agent != Some(agent_id) && consult.as_ref().is_some_and(|c| c.leg.agent_id == agent_id) {
                            if instruction == Instruction::HangUp {
                                let ended = consult.take().expect("checked");
                                consult_states = None;
                                self.end_consultation(ended, consult_answer.take(), None, true, Some(&mut held)).await;
                                let _ = done.send(Ok(()));
                            } else {
                                let _ = done.send(Err(InstructionRefused::new(
                                    "call.not_connected",
                                    format!("you are consulted on call {}: you can only hang up", self.call_id),
                                )));
                            }
                            continue;
                        }
                        if connected_agent != Some(agent_id) {
                            let _ = done.send(Err(InstructionRefused::new(
                                "call.not_connected",
                                format!("call {} is not connected to you", self.call_id),
                            )));
                            continue;
                        }
                        if consult.is_some() {
                            match instruction {
                                // The whole call ends; the consultation with it.
                                Instruction::HangUp => {
                                    let _ = done.send(Ok(()));
                                    break Ending::AgentHungUpInTheWebApp;
                                }
                                Instruction::CancelConsult => {
                                    let ended = consult.take().expect("checked");
                                    consult_states = None;
                                    self.end_consultation(ended, consult_answer.take(), None, true, Some(&mut held)).await;
                                    let _ = done.send(Ok(()));
                                }
                                Instruction::CompleteTransfer if !consult.as_ref().is_some_and(|c| c.leg.connected) => {
                                    let _ = done.send(Err(InstructionRefused::new(
                                        "call.consult_not_answered",
                                        "the agent you consult has not answered yet",
                                    )));
                                }
                                Instruction::CompleteTransfer => {
                                    let leg = agent.take().expect("checked connected");
                                    let _ = leg.dialog.bye().await;
                                    self.telephony.dialogs.remove_dialog(&leg.dialog.id());
                                    let taking_over = consult.take().expect("checked");
                                    agent = Some(self.hand_over(agent_id, taking_over).await);
                                    agent_states = consult_states.take();
                                    held = false;
                                    let _ = done.send(Ok(()));
                                }
                                _ => {
                                    let _ = done.send(Err(InstructionRefused::new(
                                        "call.consult_in_progress",
                                        format!("call {} has a consultation in progress", self.call_id),
                                    )));
                                }
                            }
                            continue;
                        }
                        match instruction {
                            Instruction::HangUp => {
                                let _ = done.send(Ok(()));
                                break Ending::AgentHungUpInTheWebApp;
                            }
                            Instruction::Hold | Instruction::Resume => {
                                held = instruction == Instruction::Hold;
                                if let Some(media) = &self.media {
                                    media.hold(held);
                                }
                                self.record(if held { CallAction::Hold } else { CallAction::Resume }).await;
                                let _ = done.send(Ok(()));
                            }
                            Instruction::CancelConsult | Instruction::CompleteTransfer => {
                                let _ = done.send(Err(InstructionRefused::new(
                                    "call.not_consulting",
                                    format!("call {} has no consultation in progress", self.call_id),
                                )));
                            }
                            Instruction::Consult(consulted) => match self.consult(agent_id, consulted, held).await {
                                Ok(ringing) => {
                                    if !held {
                                        held = true;
                                        if let Some(media) = &self.media {
                                            media.hold(true);
                                        }
                                    }
                                    consult = Some(ringing.consultation);
                                    consult_states = Some(ringing.states);
                                    consult_answer = Some(ringing.answer);
                                    let _ = done.send(Ok(()));
                                }
                                Err(refused) => {
                                    let _ = done.send(Err(refused));
                                }
                            },
                            Instruction::Transfer(CallTransferTarget::Agent { .. }) if self.dialer.is_some() => {
                                let _ = done.send(Err(InstructionRefused::new(
                                    "call.not_transferable",
                                    "a call out is handed on to a queue, not to an agent",
                                )));
                            }
                            Instruction::Transfer(to) => {
                                if to == (CallTransferTarget::Agent { agent_id }) {
                                    let _ = done.send(Err(InstructionRefused::new(
                                        "call.transfer_to_self",
                                        "a call cannot be transferred to the agent who has it",
                                    )));
                                    continue;
                                }
                                let leg = agent.take().expect("checked connected");
                                agent_states = None;
                                let _ = leg.dialog.bye().await;
                                self.telephony.dialogs.remove_dialog(&leg.dialog.id());
                                held = false;
                                if let Some(media) = &self.media {
                                    media.unbridge();
                                    media.hold(false);
                                }
                                self.record(CallAction::Transfer { to }).await;
                                let handed_on = match (self.dialer.take(), to) {
                                    // A call out was no ACD contact: it becomes one, waiting in the queue.
                                    (Some(dialer), CallTransferTarget::Queue { queue_id }) => {
                                        restore_presence(&self.telephony, self.tenant_id, &dialer).await;
                                        AcdAction::EnqueueContact {
                                            contact_id: self.call_id,
                                            channel: Channel::Voice,
                                            queue_id,
                                            priority: 0,
                                            customer_key: None,
                                        }
                                    }
                                    (_, to) => {
                                        let to = match to {
                                            CallTransferTarget::Agent { agent_id } => TransferTarget::Agent { agent_id },
                                            CallTransferTarget::Queue { queue_id } => TransferTarget::Queue { queue_id },
                                        };
                                        AcdAction::TransferContact { contact_id: self.call_id, agent_id, to }
                                    }
                                };
                                self.acd(handed_on).await;
                                let _ = done.send(Ok(()));
                            }
                        }
                    }
                    Some(Steer::Acd(AcdDecision::Offered { agent_id, expires_at })) if agent.is_none() => {
                        if let Some(ringing) = self.ring(agent_id, expires_at).await {
                            agent = Some(ringing.leg);
                            agent_states = Some(ringing.states);
                            agent_answer = Some(ringing.answer);
                        }
                    }
                    Some(Steer::Acd(AcdDecision::OfferTimedOut { agent_id })) => {
                        if let Some(leg) = agent.take_if(|leg| leg.agent_id == agent_id && !leg.connected) {
                            // The ACD timed the offer out itself: nothing to refuse.
                            self.stop_ringing(leg, agent_answer.take(), LegFailure::NoAnswer, false).await;
                            agent_states = None;
                        }
                    }
                    _ => {}
                },
                answered = async { agent_answer.as_mut().expect("guarded").await }, if agent_answer.is_some() => {
                    agent_answer = None;
                    let leg = agent.take().expect("an answer belongs to a leg");
                    agent = self.answered(leg, answered).await;
                    if agent.is_none() {
                        agent_states = None;
                    }
                }
                state = async { agent_states.as_mut().expect("guarded").recv().await }, if agent_states.is_some() => {
                    let connected = agent.as_ref().is_some_and(|leg| leg.connected);
                    // The agent's desk phone put the call on hold (or took it off): a re-INVITE
                    // with `sendonly`/`inactive` (or `sendrecv` again). During a consultation
                    // the caller is held anyway.
                    if let Some(DialogState::Updated(_, request, handle)) = &state
                        && let Some(leg) = agent.as_ref().filter(|leg| leg.connected)
                    {
                        let direction = answer_direction(request);
                        let codec = self.codec;
                        let _ = handle.respond(StatusCode::OK, Some(vec![sdp_content_type()]), Some(self.our_sdp(leg.media_port, codec, direction))).await;
                        if consult.is_none() {
                            held = matches!(direction, Direction::RecvOnly | Direction::Inactive);
                            if let Some(media) = &self.media {
                                media.hold(held);
                            }
                            self.record(if held { CallAction::Hold } else { CallAction::Resume }).await;
                        }
                        continue;
                    }
                    if matches!(state, Some(DialogState::Terminated(..)) | None) {
                        if !connected {
                            agent_states = None;
                            continue;
                        }
                        // Hanging up the desk phone while talking with the consulted agent
                        // completes the transfer, as on a PBX.
                        if let Some(taking_over) = consult.take_if(|c| c.leg.connected) {
                            let leg = agent.take().expect("checked connected");
                            self.telephony.dialogs.remove_dialog(&leg.dialog.id());
                            agent = Some(self.hand_over(leg.agent_id, taking_over).await);
                            agent_states = consult_states.take();
                            held = false;
                            continue;
                        }
                        break Ending::AgentHungUp;
                    }
                }
                () = async { tokio::time::sleep_until(ring_deadline.expect("guarded")).await }, if ring_deadline.is_some() => {
                    let leg = agent.take().expect("a deadline belongs to a ringing leg");
                    // The ACD times the offer out itself; refusing it here would count twice.
                    self.stop_ringing(leg, agent_answer.take(), LegFailure::NoAnswer, false).await;
                    agent_states = None;
                }
                answered = async { consult_answer.as_mut().expect("guarded").await }, if consult_answer.is_some() => {
                    consult_answer = None;
                    let consultation = consult.as_mut().expect("an answer belongs to a consultation");
                    match self.connect(&mut consultation.leg, answered).await {
                        Ok((socket, remote, codec)) => {
                            if let Some(media) = &self.media {
                                media.consult(socket, remote, codec);
                            }
                            consultation.leg.connected = true;
                            self.record(CallAction::AnswerConsult { leg_id: consultation.leg.leg_id }).await;
                        }
                        Err(failure) => {
                            let ended = consult.take().expect("checked");
                            consult_states = None;
                            self.end_consultation(ended, None, Some(failure), false, Some(&mut held)).await;
                        }
                    }
                }
                state = async { consult_states.as_mut().expect("guarded").recv().await }, if consult_states.is_some() => {
                    let consultation = consult.as_ref().expect("dialog states belong to a consultation");
                    if let Some(DialogState::Updated(_, request, handle)) = &state {
                        // The consulted phone's hold: answered, the relay goes on.
                        let direction = answer_direction(request);
                        let _ = handle.respond(StatusCode::OK, Some(vec![sdp_content_type()]), Some(self.our_sdp(consultation.leg.media_port, self.codec, direction))).await;
                        continue;
                    }
                    if matches!(state, Some(DialogState::Terminated(..)) | None) {
                        consult_states = None;
                        // Refused while ringing: the final answer tells why.
                        if consultation.leg.connected {
                            let ended = consult.take().expect("checked");
                            self.end_consultation(ended, None, None, false, Some(&mut held)).await;
                        }
                    }
                }
                () = async { tokio::time::sleep_until(consult_deadline.expect("guarded")).await }, if consult_deadline.is_some() => {
                    let ended = consult.take().expect("a deadline belongs to a ringing consultation");
                    consult_states = None;
                    self.end_consultation(ended, consult_answer.take(), Some(LegFailure::NoAnswer), true, Some(&mut held)).await;
                }
            }
        };
        if let Some(ended) = consult.take() {
            self.end_consultation(ended, consult_answer.take(), None, true, None).await;
        }
        let connected_agent = agent.as_ref().filter(|leg| leg.connected).map(|leg| leg.agent_id);
        match ending {
            Ending::CallerHungUp => {
                if let Some(leg) = agent.take() {
                    if leg.connected {
                        let _ = leg.dialog.bye().await;
                        self.telephony.dialogs.remove_dialog(&leg.dialog.id());
                    } else {
                        self.stop_ringing(leg, agent_answer.take(), LegFailure::NoAnswer, true).await;
                    }
                }
                self.record(CallAction::End { cause: EndCause::CallerHungUp }).await;
            }
            Ending::AgentHungUp | Ending::AgentHungUpInTheWebApp => {
                let _ = self.caller.bye().await;
                if let Some(leg) = agent.take() {
                    if matches!(ending, Ending::AgentHungUpInTheWebApp) {
                        let _ = leg.dialog.bye().await;
                    }
                    self.telephony.dialogs.remove_dialog(&leg.dialog.id());
                }
                self.record(CallAction::End { cause: EndCause::AgentHungUp }).await;
            }
        }
        match &self.dialer {
            Some(dialer) => restore_presence(&self.telephony, self.tenant_id, dialer).await,
            None => {
                let release = match connected_agent {
                    Some(agent_id) => {
                        AcdAction::FinishContact { contact_id: self.call_id, agent_id, after_call_work: false }
                    }
                    None => AcdAction::AbandonContact { contact_id: self.call_id },
                };
                self.acd(release).await;
            }
        }
        self.telephony.dialogs.remove_dialog(&self.caller.id());
        let recording = match self.media.take() {
            Some(media) => media.stop().await,
            None => Recording::default(),
        };
        let duration_ms = recording.duration().as_millis() as u64;
        match self.telephony.switchboard.store_recording(self.tenant_id, self.call_id, recording).await {
            Ok(Some((recording_id, bytes))) => {
                self.record(CallAction::StoreRecording { recording_id, duration_ms, bytes }).await;
            }
            Ok(None) => {}
            Err(error) => tracing::error!(%error, call_id = %self.call_id, "SIP: storing a recording"),
        }
    }

    /// Starts consulting `consulted` for `agent_id`: they must be available (not on a call,
    /// signed in) with a phone registered, which rings; they are `busy` in the ACD meanwhile
    /// so that no other call is offered to them. The caller is held (recorded here; the
    /// caller of this holds the media).
    async fn consult(&self, agent_id: Uuid, consulted: Uuid, held: bool) -> Result<ConsultRinging, InstructionRefused> {
        if consulted == agent_id {
            return Err(InstructionRefused::new("call.consult_self", "you cannot consult yourself"));
        }
        let unavailable =
            || InstructionRefused::new("call.agent_unavailable", format!("agent {consulted} is not available"));
        let presence_before = match self.telephony.switchboard.agent_presence(self.tenant_id, consulted).await {
            Ok(Some(Presence::Available)) => Some(Presence::Available),
            Ok(_) => return Err(unavailable()),
            Err(error) => return Err(InstructionRefused::new("internal", error.to_string())),
        };
        let (ringing, extension_id) =
            self.ring_phone(consulted, DEFAULT_RING).await.map_err(|refused| match refused {
                RingRefused::NoPhone => {
                    InstructionRefused::new("call.no_phone", format!("agent {consulted} has no phone registered"))
                }
                RingRefused::Failed => {
                    InstructionRefused::new("internal", "the consulted agent's phone could not be called")
                }
            })?;
        if !held {
            self.record(CallAction::Hold).await;
        }
        let leg_id = ringing.leg.leg_id;
        self.record(CallAction::Consult { leg_id, agent_id: consulted, extension_id }).await;
        self.acd(AcdAction::SetPresence { agent_id: consulted, presence: Presence::Busy }).await;
        let consultation = Consultation {
            leg: ringing.leg,
            consulted: BusyAgent { agent_id: consulted, presence_before },
            caller_was_held: held,
        };
        Ok(ConsultRinging { consultation, states: ringing.states, answer: ringing.answer })
    }

    /// Ends a consultation without a transfer: hangs up (or stops ringing) the consulted
    /// phone when `hang_up` and it is still there, gives the consulted agent their presence
    /// back, and takes the caller off hold unless they were held before (`held`: `None` when
    /// the call is ending).
    async fn end_consultation(
        &self,
        ended: Consultation,
        answer: Option<tokio::task::JoinHandle<InviteAsyncResult>>,
        failure: Option<LegFailure>,
        hang_up: bool,
        held: Option<&mut bool>,
    ) {
        if hang_up {
            if ended.leg.connected {
                let _ = ended.leg.dialog.bye().await;
            } else {
                let _ = ended.leg.dialog.cancel().await;
            }
        }
        if let Some(answer) = answer {
            answer.abort();
        }
        self.telephony.dialogs.remove_dialog(&ended.leg.dialog.id());
        if let Some(media) = &self.media {
            media.end_consult();
        }
        self.record(CallAction::EndConsult { leg_id: ended.leg.leg_id, failure }).await;
        restore_presence(&self.telephony, self.tenant_id, &ended.consulted).await;
        if let Some(held) = held.filter(|held| **held && !ended.caller_was_held) {
            *held = false;
            if let Some(media) = &self.media {
                media.hold(false);
            }
            self.record(CallAction::Resume).await;
        }
    }

    /// Attended transfer: the consulted agent's leg becomes the call's agent leg (the
    /// consulting agent's is already gone). On a call through the ACD, the contact is handed
    /// over to them; on a call out, they are the one kept `busy` until it ends.
    async fn hand_over(&mut self, from_agent_id: Uuid, taking_over: Consultation) -> AgentLeg {
        if let Some(media) = &self.media {
            media.complete_consult();
        }
        self.record(CallAction::CompleteConsult { leg_id: taking_over.leg.leg_id }).await;
        let Consultation { leg, consulted, .. } = taking_over;
        match self.dialer.take() {
            Some(dialer) => {
                restore_presence(&self.telephony, self.tenant_id, &dialer).await;
                self.dialer = Some(consulted);
            }
            None => {
                let to_agent_id = consulted.agent_id;
                self.acd(AcdAction::HandOverContact { contact_id: self.call_id, from_agent_id, to_agent_id }).await;
                // Their load in the ACD now keeps other calls away.
                restore_presence(&self.telephony, self.tenant_id, &consulted).await;
            }
        }
        leg
    }

    /// Rings the agent's registered phone for an ACD offer; `None` when it cannot ring (the
    /// offer is refused at once, so the ACD offers the call to someone else).
    async fn ring(&self, agent_id: Uuid, expires_at: DateTime<Utc>) -> Option<Ringing> {
        let ring_for = (expires_at - Utc::now()).to_std().unwrap_or(DEFAULT_RING).min(DEFAULT_RING * 3);
        match self.ring_phone(agent_id, ring_for).await {
            Ok((ringing, extension_id)) => {
                let leg_id = ringing.leg.leg_id;
                self.record(CallAction::RingAgent { leg_id, agent_id, extension_id }).await;
                Some(ringing)
            }
            Err(_) => {
                self.acd(AcdAction::RejectOffer { contact_id: self.call_id, agent_id }).await;
                None
            }
        }
    }

    /// Rings the agent's registered phone for at most `ring_for`; answers the ringing leg and
    /// the extension it rings. Records nothing.
    async fn ring_phone(&self, agent_id: Uuid, ring_for: Duration) -> Result<(Ringing, Uuid), RingRefused> {
        let leg_id = Uuid::now_v7();
        let extension = match self.telephony.switchboard.agent_extension(self.tenant_id, agent_id).await {
            Ok(extension) => extension,
            Err(error) => {
                tracing::warn!(%error, "SIP: finding an agent's extension");
                None
            }
        };
        let binding = extension.as_ref().and_then(|extension| {
            self.telephony
                .registrations
                .lookup(&ExtensionKey { tenant_id: self.tenant_id, number: extension.number.clone() })
        });
        let (Some(extension), Some(binding)) = (extension, binding) else {
            return Err(RingRefused::NoPhone);
        };
        let socket = match self.telephony.ports.bind() {
            Ok(socket) => socket,
            Err(error) => {
                tracing::warn!(%error, "SIP: no media port for an agent leg");
                return Err(RingRefused::Failed);
            }
        };
        let mut codecs = vec![self.codec];
        codecs.extend([Codec::Pcmu, Codec::Pcma].into_iter().filter(|codec| *codec != self.codec));
        let ours = AudioDescription {
            address: self.telephony.ports.ip(),
            port: socket.port,
            codecs,
            telephone_event: Some(TELEPHONE_EVENT),
            direction: Direction::SendRecv,
        };
        let offer = sdp::write(leg_id.as_u64_pair().1, &ours).into_bytes();
        let contact = self.telephony.dialogs.build_local_contact(Some("hotline".to_owned()), None).ok();
        let option = contact
            .and_then(|contact| invite_option(&binding, format!("Hotline to {}", extension.number), contact, offer))
            .ok_or(RingRefused::Failed)?;
        let (state_sender, states) = self.telephony.dialogs.new_dialog_state_channel();
        let (dialog, answer) = self.telephony.dialogs.do_invite_async(option, state_sender).map_err(|error| {
            tracing::warn!(%error, "SIP: calling an agent's phone");
            RingRefused::Failed
        })?;
        let leg = AgentLeg {
            leg_id,
            agent_id,
            dialog,
            media_port: socket.port,
            socket: Some(socket),
            ring_until: tokio::time::Instant::now() + ring_for,
            connected: false,
        };
        Ok((Ringing { leg, states, answer }, extension.extension_id))
    }

    /// The media of a phone's final answer to a leg's INVITE: our socket toward it, its
    /// address and codec; or why the leg failed (a 2xx with unusable SDP is hung up).
    async fn connect(
        &self,
        leg: &mut AgentLeg,
        answer: Result<InviteAsyncResult, tokio::task::JoinError>,
    ) -> Result<(crate::rtp::MediaSocket, SocketAddr, Codec), LegFailure> {
        let response = match answer {
            Ok(Ok((_, Some(response)))) => response,
            other => {
                let outcome = match other {
                    Ok(Ok(_)) => "no final response".to_owned(),
                    Ok(Err(error)) => error.to_string(),
                    Err(error) => error.to_string(),
                };
                tracing::warn!(call_id = %self.call_id, %outcome, "SIP: an agent's phone did not answer");
                return Err(LegFailure::Unreachable);
            }
        };
        if response.status_code.kind() != StatusCodeKind::Successful {
            tracing::info!(call_id = %self.call_id, status = %response.status_code, "SIP: an agent's phone refused the call");
            return Err(leg_failure(&response.status_code));
        }
        let Some((codec, answer)) = answered_media(&response) else {
            let _ = leg.dialog.bye().await;
            return Err(LegFailure::Unreachable);
        };
        let socket = leg.socket.take().expect("an agent leg has its socket until answered");
        Ok((socket, SocketAddr::new(answer.address, answer.port), codec))
    }

    /// The agent's phone gave its final answer.
    async fn answered(
        &mut self,
        mut leg: AgentLeg,
        answer: Result<InviteAsyncResult, tokio::task::JoinError>,
    ) -> Option<AgentLeg> {
        let (socket, remote, codec) = match self.connect(&mut leg, answer).await {
            Ok(media) => media,
            Err(failure) => {
                self.fail(&leg, failure, true).await;
                return None;
            }
        };
        if let Some(media) = &self.media {
            media.bridge(socket, remote, codec);
        }
        leg.connected = true;
        self.record(CallAction::Answer { leg_id: leg.leg_id }).await;
        self.acd(AcdAction::AcceptOffer { contact_id: self.call_id, agent_id: leg.agent_id }).await;
        Some(leg)
    }

    /// Records a failed agent leg and, unless the ACD already knows, refuses the offer.
    async fn fail(&self, leg: &AgentLeg, failure: LegFailure, refuse_offer: bool) {
        self.record(CallAction::FailAgentLeg { leg_id: leg.leg_id, failure }).await;
        self.telephony.dialogs.remove_dialog(&leg.dialog.id());
        if refuse_offer {
            self.acd(AcdAction::RejectOffer { contact_id: self.call_id, agent_id: leg.agent_id }).await;
        }
    }

    async fn stop_ringing(
        &self,
        leg: AgentLeg,
        answer: Option<tokio::task::JoinHandle<InviteAsyncResult>>,
        failure: LegFailure,
        refuse_offer: bool,
    ) {
        let _ = leg.dialog.cancel().await;
        if let Some(answer) = answer {
            answer.abort();
        }
        self.fail(&leg, failure, refuse_offer).await;
    }
}

/// Why a leg was refused, from the final response.
pub(crate) fn leg_failure(status: &StatusCode) -> LegFailure {
    match status {
        StatusCode::BusyHere | StatusCode::BusyEverywhere => LegFailure::Busy,
        StatusCode::Decline => LegFailure::Declined,
        StatusCode::RequestTimeout | StatusCode::TemporarilyUnavailable | StatusCode::RequestTerminated => {
            LegFailure::NoAnswer
        }
        _ => LegFailure::Unreachable,
    }
}

/// The codec and media address a 200 answer chose; `None` when its SDP is unusable.
pub(crate) fn answered_media(response: &rsipstack::sip::Response) -> Option<(Codec, AudioDescription)> {
    let answer = sdp::parse(&String::from_utf8_lossy(response.body())).ok()?;
    answer.codecs.first().copied().map(|codec| (codec, answer))
}

/// Where to send requests for a registered phone: its Contact, unless the Contact names
/// another address than the one the phone registered from (a phone behind NAT writes its
/// private address): then where it registered from, which the NAT maps back to it.
fn destination_of(binding: &Binding, contact: &rsipstack::sip::Uri) -> SocketAddr {
    let contact_address = match &contact.host_with_port.host {
        rsipstack::sip::Host::IpAddr(ip) => {
            Some(SocketAddr::new(*ip, contact.host_with_port.port.as_ref().map_or(5060, |port| port.value())))
        }
        rsipstack::sip::Host::Domain(_) => None,
    };
    match contact_address {
        Some(address) if address.ip() == binding.source.ip() => address,
        _ => binding.source,
    }
}

/// How we answer a re-INVITE's offer: the mirror of its direction (RFC 3264 6.1); an offer
/// without SDP (a session refresh) is answered `sendrecv`.
fn answer_direction(request: &rsipstack::sip::Request) -> Direction {
    match sdp::parse(&String::from_utf8_lossy(request.body())).map(|offer| offer.direction) {
        Ok(Direction::SendOnly) => Direction::RecvOnly,
        Ok(Direction::RecvOnly) => Direction::SendOnly,
        Ok(Direction::Inactive) => Direction::Inactive,
        _ => Direction::SendRecv,
    }
}

/// The INVITE to an agent's registered phone (see [`destination_of`] for where it goes);
/// the phone's display shows `display_name` as the caller.
pub(crate) fn invite_option(
    binding: &Binding,
    display_name: String,
    contact: rsipstack::sip::Uri,
    offer: Vec<u8>,
) -> Option<InviteOption> {
    let callee = rsipstack::sip::Uri::try_from(binding.contact.as_str()).ok()?;
    let caller = rsipstack::sip::Uri::try_from("sip:hotline@hotline.invalid").ok()?;
    let transport =
        if binding.transport == "tcp" { rsipstack::sip::Transport::Tcp } else { rsipstack::sip::Transport::Udp };
    let mut destination = SipAddr::from(destination_of(binding, &callee));
    destination.r#type = Some(transport);
    Some(InviteOption {
        caller_display_name: Some(display_name),
        caller,
        callee,
        destination: Some(destination),
        content_type: Some("application/sdp".to_owned()),
        offer: Some(offer),
        contact,
        ..Default::default()
    })
}
