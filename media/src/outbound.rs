//! Click to dial: an agent calls a customer out through a trunk.
//!
//! The agent's own desk phone rings first (as Genesys and Amazon Connect do with a desk
//! phone): when the agent picks it up, the customer's number is called through the trunk,
//! and when the customer answers the two legs are bridged, recorded, and the call goes on
//! as any connected call ([`Call::run`]): hold, resume, hang up from the bar or either phone.
//! The agent is `busy` in the ACD while the call lasts (so no contact is offered to them) and
//! gets their presence back after it.
//!
//! A call out is no ACD contact; handed on to a queue, it becomes one (waiting there like a
//! transferred call), so it cannot be handed to a named agent (the ACD reserves a transfer
//! for its agent only for a contact it assigned).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hotline_domain::acd::{AcdAction, Presence};
use hotline_domain::call::{self, CallAction, EndCause, LegFailure};
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver};
use rsipstack::dialog::invitation::{InviteAsyncResult, InviteOption};
use rsipstack::sip::{StatusCodeKind, Uri};
use rsipstack::transport::SipAddr;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::calls::{
    AgentLeg, BusyAgent, Call, DEFAULT_RING, Instruction, InstructionRefused, OutboundRoute, Steer, TELEPHONE_EVENT,
    Telephony, answered_media, invite_option, leg_failure, restore_presence,
};
use crate::registrar::ExtensionKey;
use crate::relay::MediaSession;
use crate::rtp::MediaSocket;
use crate::sdp::{self, AudioDescription, Codec, Direction};

/// How long the customer's phone may ring before we give up.
const CUSTOMER_RING: Duration = Duration::from_secs(60);

/// An agent's request to call a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialRequest {
    pub tenant_id: Uuid,
    pub agent_id: Uuid,
    /// As typed: spaces, dashes, dots and parentheses are dropped.
    pub number: String,
    /// `None`: the tenant's first trunk with an outbound address.
    pub trunk_id: Option<Uuid>,
}

/// Starts outbound calls on the SIP server's endpoint.
#[derive(Clone)]
pub struct Dialer {
    pub(crate) telephony: Arc<Telephony>,
}

/// The number as dialled: the separators people write dropped.
pub fn normalise_number(typed: &str) -> String {
    typed.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}')).collect()
}

fn internal(what: impl std::fmt::Display) -> InstructionRefused {
    tracing::warn!(%what, "SIP: a call out failed to start");
    InstructionRefused::new("internal", format!("the call could not be started: {what}"))
}

impl Dialer {
    /// Starts the call: once this returns, `dialed` is in the log and the agent's phone
    /// rings; the rest happens in the call's own task.
    pub async fn dial(&self, request: DialRequest) -> Result<Uuid, InstructionRefused> {
        let telephony = &self.telephony;
        let switchboard = &telephony.switchboard;
        let (tenant_id, agent_id) = (request.tenant_id, request.agent_id);
        let number = normalise_number(&request.number);
        if !call::is_valid_number(&number) {
            return Err(InstructionRefused::new(
                "call.invalid_number",
                format!("{:?} is not a phone number: digits with an optional leading +", request.number),
            ));
        }
        let no_phone =
            || InstructionRefused::new("call.no_phone", "you have no phone registered: calling out rings it first");
        let extension =
            switchboard.agent_extension(tenant_id, agent_id).await.map_err(internal)?.ok_or_else(no_phone)?;
        let binding = telephony
            .registrations
            .lookup(&ExtensionKey { tenant_id, number: extension.number.clone() })
            .ok_or_else(no_phone)?;
        let route =
            switchboard.outbound_route(tenant_id, request.trunk_id).await.map_err(internal)?.ok_or_else(|| {
                InstructionRefused::new(
                    "call.no_trunk",
                    "there is no trunk with an outbound address to call out through",
                )
            })?;
        let agent_socket = telephony.ports.bind().map_err(internal)?;
        let callee = switchboard.seal_caller(tenant_id, &number).await.map_err(internal)?;

        let call_id = Uuid::now_v7();
        let leg_id = Uuid::now_v7();
        let offer = offer_sdp(telephony, leg_id, agent_socket.port, Codec::Pcma);
        let contact = telephony.dialogs.build_local_contact(Some("hotline".to_owned()), None).map_err(internal)?;
        // The agent's phone shows whom picking it up will call.
        let option = invite_option(&binding, format!("Call {number}"), contact, offer)
            .ok_or_else(|| internal(format!("the phone's contact {} is not a SIP address", binding.contact)))?;
        let dial = CallAction::Dial {
            trunk_id: route.trunk_id,
            caller_id: route.caller_id.clone(),
            callee,
            agent_id,
            leg_id,
            extension_id: extension.extension_id,
        };
        switchboard.record(tenant_id, call_id, dial).await.map_err(internal)?;
        let presence_before = switchboard.agent_presence(tenant_id, agent_id).await.unwrap_or_default();
        if presence_before.as_ref().is_some_and(|presence| *presence != Presence::Busy) {
            let busy = AcdAction::SetPresence { agent_id, presence: Presence::Busy };
            if let Err(error) = switchboard.route_contact(tenant_id, busy).await {
                tracing::warn!(%error, "SIP: making a dialling agent busy");
            }
        }
        let steering = telephony.director.enter(call_id);
        let (state_sender, agent_states) = telephony.dialogs.new_dialog_state_channel();
        let outbound = Outbound {
            telephony: telephony.clone(),
            tenant_id,
            call_id,
            number,
            route,
            dialer: BusyAgent { agent_id, presence_before },
        };
        match telephony.dialogs.do_invite_async(option, state_sender) {
            Ok((dialog, answer)) => {
                let leg = AgentLeg {
                    leg_id,
                    agent_id,
                    dialog,
                    media_port: agent_socket.port,
                    socket: Some(agent_socket),
                    ring_until: tokio::time::Instant::now() + DEFAULT_RING,
                    connected: false,
                };
                tokio::spawn(outbound.run(leg, agent_states, answer, steering));
            }
            Err(error) => {
                tracing::warn!(%error, "SIP: calling a dialling agent's phone");
                outbound.record(CallAction::FailAgentLeg { leg_id, failure: LegFailure::Unreachable }).await;
                outbound.end(EndCause::Failed).await;
                telephony.director.leave(call_id);
            }
        }
        Ok(call_id)
    }
}

/// Our offer toward a leg: `first` preferred, the other G.711 law too, and DTMF events.
fn offer_sdp(telephony: &Telephony, session: Uuid, port: u16, first: Codec) -> Vec<u8> {
    let mut codecs = vec![first];
    codecs.extend([Codec::Pcma, Codec::Pcmu].into_iter().filter(|codec| *codec != first));
    let ours = AudioDescription {
        address: telephony.ports.ip(),
        port,
        codecs,
        telephone_event: Some(TELEPHONE_EVENT),
        direction: Direction::SendRecv,
    };
    sdp::write(session.as_u64_pair().1, &ours).into_bytes()
}

/// An outbound call until the customer answers; then it is a [`Call`].
struct Outbound {
    telephony: Arc<Telephony>,
    tenant_id: Uuid,
    call_id: Uuid,
    number: String,
    route: OutboundRoute,
    dialer: BusyAgent,
}

/// How waiting for one leg's answer ended.
enum Waited {
    Answered(rsipstack::sip::Response),
    Refused(LegFailure),
    /// The agent hung up (the bar, or their phone), or the ring timed out on the agent leg.
    AgentGaveUp,
}

impl Outbound {
    async fn record(&self, action: CallAction) {
        if let Err(error) = self.telephony.switchboard.record(self.tenant_id, self.call_id, action).await {
            tracing::warn!(%error, call_id = %self.call_id, "SIP: recording an outbound call's state");
        }
    }

    /// Ends the call before it connected, and gives the agent their presence back.
    async fn end(&self, cause: EndCause) {
        self.record(CallAction::End { cause }).await;
        restore_presence(&self.telephony, self.tenant_id, &self.dialer).await;
    }

    async fn run(
        self,
        agent: AgentLeg,
        agent_states: DialogStateReceiver,
        agent_answer: JoinHandle<InviteAsyncResult>,
        steering: mpsc::UnboundedReceiver<Steer>,
    ) {
        let (director, call_id) = (self.telephony.director.clone(), self.call_id);
        self.connect(agent, agent_states, agent_answer, steering).await;
        director.leave(call_id);
    }

    /// The customer did not answer: the call ends `unanswered`.
    async fn callee_failed(&self, failure: LegFailure) {
        self.record(CallAction::FailCallee { failure }).await;
        restore_presence(&self.telephony, self.tenant_id, &self.dialer).await;
    }

    async fn connect(
        self,
        mut agent: AgentLeg,
        mut agent_states: DialogStateReceiver,
        agent_answer: JoinHandle<InviteAsyncResult>,
        mut steering: mpsc::UnboundedReceiver<Steer>,
    ) {
        let dialogs = self.telephony.dialogs.clone();
        // 1. The agent's phone rings (its final answer tells how that went).
        let agent_response = match self.wait(agent_answer, None, &mut steering, agent.ring_until).await {
            Waited::Answered(response) => response,
            Waited::Refused(failure) => {
                self.record(CallAction::FailAgentLeg { leg_id: agent.leg_id, failure }).await;
                dialogs.remove_dialog(&agent.dialog.id());
                return self.end(EndCause::AgentHungUp).await;
            }
            Waited::AgentGaveUp => {
                let _ = agent.dialog.cancel().await;
                self.record(CallAction::FailAgentLeg { leg_id: agent.leg_id, failure: LegFailure::NoAnswer }).await;
                dialogs.remove_dialog(&agent.dialog.id());
                return self.end(EndCause::AgentHungUp).await;
            }
        };
        let hang_up_agent = |agent: &AgentLeg| {
            let dialog = agent.dialog.clone();
            let dialogs = dialogs.clone();
            async move {
                let _ = dialog.bye().await;
                dialogs.remove_dialog(&dialog.id());
            }
        };
        let Some((agent_codec, agent_media)) = answered_media(&agent_response) else {
            hang_up_agent(&agent).await;
            self.record(CallAction::FailAgentLeg { leg_id: agent.leg_id, failure: LegFailure::Unreachable }).await;
            return self.end(EndCause::Failed).await;
        };
        agent.connected = true;
        self.record(CallAction::Answer { leg_id: agent.leg_id }).await;

        // 2. The customer's phone rings, through the trunk; the agent may hang up meanwhile.
        let customer_socket = match self.telephony.ports.bind() {
            Ok(socket) => socket,
            Err(error) => {
                tracing::warn!(%error, "SIP: no media port for a customer leg");
                hang_up_agent(&agent).await;
                return self.end(EndCause::Failed).await;
            }
        };
        let (state_sender, customer_states) = dialogs.new_dialog_state_channel();
        let started = match self.invite_customer(&customer_socket, agent_codec) {
            Some(option) => dialogs.do_invite_async(option, state_sender).map_err(|error| error.to_string()),
            None => Err(format!("sip:{}@{} is no SIP address", self.number, self.route.address)),
        };
        let (customer, customer_answer) = match started {
            Ok(started) => started,
            Err(error) => {
                tracing::warn!(%error, "SIP: calling a customer out");
                hang_up_agent(&agent).await;
                return self.callee_failed(LegFailure::Unreachable).await;
            }
        };
        let ring_until = tokio::time::Instant::now() + CUSTOMER_RING;
        let customer_response =
            match self.wait(customer_answer, Some(&mut agent_states), &mut steering, ring_until).await {
                Waited::Answered(response) => response,
                Waited::Refused(failure) => {
                    dialogs.remove_dialog(&customer.id());
                    hang_up_agent(&agent).await;
                    return self.callee_failed(failure).await;
                }
                Waited::AgentGaveUp => {
                    let _ = customer.cancel().await;
                    dialogs.remove_dialog(&customer.id());
                    hang_up_agent(&agent).await;
                    return self.end(EndCause::AgentHungUp).await;
                }
            };
        let Some((codec, customer_media)) = answered_media(&customer_response) else {
            let _ = customer.bye().await;
            dialogs.remove_dialog(&customer.id());
            hang_up_agent(&agent).await;
            return self.end(EndCause::Failed).await;
        };

        // 3. Connected: bridged and recorded (the customer is the recording's caller track),
        // then a call like any other until it ends.
        let customer_port = customer_socket.port;
        let customer_address = SocketAddr::new(customer_media.address, customer_media.port);
        let sink = self.telephony.switchboard.recording_sink(self.tenant_id, self.call_id);
        let media = MediaSession::start(customer_socket, customer_address, codec, crate::music::chime(), sink);
        let agent_socket = agent.socket.take().expect("the agent leg keeps its socket until bridged");
        media.bridge(agent_socket, SocketAddr::new(agent_media.address, agent_media.port), agent_codec);
        self.record(CallAction::AnswerCallee).await;
        let call = Call {
            telephony: self.telephony.clone(),
            tenant_id: self.tenant_id,
            call_id: self.call_id,
            codec,
            caller: customer,
            caller_port: customer_port,
            media: Some(media),
            dialer: Some(self.dialer),
        };
        call.run(customer_states, steering, Some(agent), Some(agent_states)).await;
    }

    /// The INVITE to the customer's number at the trunk's carrier.
    fn invite_customer(&self, socket: &MediaSocket, agent_codec: Codec) -> Option<InviteOption> {
        let host = self.route.address;
        let callee = Uri::try_from(format!("sip:{}@{}", self.number, host).as_str()).ok()?;
        let shown = if self.route.caller_id.is_empty() { "anonymous" } else { self.route.caller_id.as_str() };
        let caller = Uri::try_from(format!("sip:{shown}@{}", self.telephony.ports.ip()).as_str()).ok()?;
        let contact = self.telephony.dialogs.build_local_contact(Some(shown.to_owned()), None).ok()?;
        Some(InviteOption {
            caller,
            callee,
            destination: Some(SipAddr::from(host)),
            content_type: Some("application/sdp".to_owned()),
            offer: Some(offer_sdp(&self.telephony, self.call_id, socket.port, agent_codec)),
            contact,
            ..Default::default()
        })
    }

    /// Waits for a leg's final answer, while the agent may hang up (their phone's BYE once it
    /// is up, or the bar's Hang up) and the ring may time out.
    async fn wait(
        &self,
        mut answer: JoinHandle<InviteAsyncResult>,
        mut agent_states: Option<&mut DialogStateReceiver>,
        steering: &mut mpsc::UnboundedReceiver<Steer>,
        ring_until: tokio::time::Instant,
    ) -> Waited {
        loop {
            tokio::select! {
                result = &mut answer => {
                    return match result {
                        Ok(Ok((_, Some(response)))) if response.status_code.kind() == StatusCodeKind::Successful => {
                            Waited::Answered(response)
                        }
                        Ok(Ok((_, Some(response)))) => {
                            tracing::info!(call_id = %self.call_id, status = %response.status_code, "SIP: a call out was refused");
                            Waited::Refused(leg_failure(&response.status_code))
                        }
                        other => {
                            let outcome = match other {
                                Ok(Ok(_)) => "no final response".to_owned(),
                                Ok(Err(error)) => error.to_string(),
                                Err(error) => error.to_string(),
                            };
                            tracing::info!(call_id = %self.call_id, %outcome, "SIP: a call out got no answer");
                            Waited::Refused(LegFailure::Unreachable)
                        }
                    };
                }
                state = async { agent_states.as_mut().expect("guarded").recv().await }, if agent_states.is_some() => {
                    if matches!(state, Some(DialogState::Terminated(..)) | None) {
                        answer.abort();
                        return Waited::AgentGaveUp;
                    }
                }
                steer = steering.recv() => match steer {
                    Some(Steer::Instruction { agent_id, instruction, done }) => {
                        if agent_id == self.dialer.agent_id && instruction == Instruction::HangUp {
                            let _ = done.send(Ok(()));
                            answer.abort();
                            return Waited::AgentGaveUp;
                        }
                        let _ = done.send(Err(InstructionRefused::new(
                            "call.not_connected",
                            format!("call {} is not connected yet", self.call_id),
                        )));
                    }
                    Some(Steer::Acd(_)) => {}
                    None => {
                        answer.abort();
                        return Waited::AgentGaveUp;
                    }
                },
                () = tokio::time::sleep_until(ring_until) => {
                    answer.abort();
                    return Waited::AgentGaveUp;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_dialled_without_the_separators_people_write() {
        assert_eq!(normalise_number("+86 (138) 0013-8000"), "+8613800138000");
        assert_eq!(normalise_number("010.8888\u{a0}6666"), "01088886666");
        assert_eq!(normalise_number("call me"), "callme", "what is left is checked as a number after");
    }
}
