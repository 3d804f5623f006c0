//! The chat process manager: what each event of one stream makes the other stream do.
//!
//! | event | command |
//! |---|---|
//! | conversation started | ACD: enqueue the contact (id = conversation id) |
//! | ACD offer accepted | conversation: assign the agent |
//! | conversation transferred | ACD: transfer the contact |
//! | conversation closed | ACD: finish the contact if an agent had it, else abandon it |
//!
//! The mapping is a pure function of the event. Each command's id is derived from the
//! event's id, so running a reaction twice (by the service and by the reactor, or by the
//! reactor after a restart) appends once.

use hotline_domain::DomainEvent;
use hotline_domain::EventEnvelope;
use hotline_domain::acd::{self, AcdAction, AcdEvent, TransferTarget};
use hotline_domain::conversation::{self as chat, ConversationAction, ConversationEvent};
use uuid::Uuid;

/// The actor of the commands reactions send.
pub const ACTOR: &str = "chat-reactor";

pub enum Command {
    Acd(AcdAction),
    Conversation { conversation_id: Uuid, action: ConversationAction },
}

pub struct Reaction {
    pub command_id: Uuid,
    pub command: Command,
    /// Refusals that mean the reaction has nothing left to do.
    pub settled_by: &'static [&'static str],
}

/// The commands one event causes (none for most events).
pub fn reactions_to(envelope: &EventEnvelope) -> Vec<Reaction> {
    let command_id = |purpose: &str| Uuid::new_v5(&envelope.id, purpose.as_bytes());
    if envelope.event_type.starts_with("hotline.conversation.") {
        let Ok(event) =
            ConversationEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
        else {
            return vec![];
        };
        return match event {
            ConversationEvent::Started(started) => vec![Reaction {
                command_id: command_id("enqueue"),
                command: Command::Acd(AcdAction::EnqueueContact {
                    contact_id: started.conversation_id,
                    channel: started.channel,
                    queue_id: started.queue_id,
                    priority: started.priority,
                    customer_key: Some(started.visitor.visitor_id.to_string()),
                }),
                settled_by: &["acd.contact_exists"],
            }],
            ConversationEvent::Transferred(transferred) => {
                let to = match (transferred.to_agent_id, transferred.to_queue_id) {
                    (Some(agent_id), _) => TransferTarget::Agent { agent_id },
                    (None, Some(queue_id)) => TransferTarget::Queue { queue_id },
                    (None, None) => return vec![],
                };
                vec![Reaction {
                    command_id: command_id("transfer"),
                    command: Command::Acd(AcdAction::TransferContact {
                        contact_id: transferred.conversation_id,
                        agent_id: transferred.from_agent_id,
                        to,
                    }),
                    settled_by: &["acd.not_assigned", "acd.contact_not_found"],
                }]
            }
            ConversationEvent::Closed(closed) => {
                let action = match closed.agent_id {
                    Some(agent_id) => AcdAction::FinishContact {
                        contact_id: closed.conversation_id,
                        agent_id,
                        after_call_work: false,
                    },
                    None => AcdAction::AbandonContact { contact_id: closed.conversation_id },
                };
                vec![Reaction {
                    command_id: command_id("release"),
                    command: Command::Acd(action),
                    settled_by: &["acd.contact_not_found", "acd.not_assigned", "acd.contact_assigned"],
                }]
            }
            _ => vec![],
        };
    }
    if envelope.event_type == acd::OFFER_ACCEPTED {
        let Ok(AcdEvent::OfferAccepted(accepted)) =
            AcdEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
        else {
            return vec![];
        };
        return vec![Reaction {
            command_id: command_id("assign"),
            command: Command::Conversation {
                conversation_id: accepted.contact_id,
                action: ConversationAction::Assign { agent_id: accepted.agent_id },
            },
            // A voice or email contact has no conversation stream; a closed chat needs no agent.
            settled_by: &["conversation.not_found", "conversation.closed"],
        }];
    }
    vec![]
}

/// Whether an event may cause a reaction (lets the reactor skip the rest cheaply).
pub fn may_react(event_type: &str) -> bool {
    matches!(event_type, chat::STARTED | chat::TRANSFERRED | chat::CLOSED | acd::OFFER_ACCEPTED)
}

/// The reactor's name in the checkpoint table.
pub const REACTOR: &str = "chat_reactor";
/// How often the reactor saves its position (and how much it may repeat after a crash).
const CHECKPOINT_EVERY: u64 = 100;
/// How often the ticker looks for due deadlines in the loaded ACDs.
const TICK_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// Follows the log from its checkpoint and runs every reaction (a second time, for those the
/// service already ran: the derived command ids make that a no-op), and ticks every loaded
/// ACD so offers time out and contacts overflow on time. Runs until the process ends.
pub fn start_background(chat: super::ChatService, checkpoints: hotline_infra::checkpoints::ProcessCheckpoints) {
    use futures::StreamExt;
    let reactor = chat.clone();
    tokio::spawn(async move {
        let mut position = match checkpoints.load(REACTOR).await {
            Ok(position) => position,
            Err(error) => {
                tracing::error!(%error, "the chat reactor cannot read its checkpoint; it does not run");
                return;
            }
        };
        loop {
            let store = reactor.dispatcher().store().clone();
            let mut events = hotline_infra::store::subscribe(store, hotline_infra::store::Scope::Global, position);
            while let Some(item) = events.next().await {
                let envelope = match item {
                    Ok(envelope) => envelope,
                    Err(error) => {
                        tracing::warn!(%error, "the chat reactor lost the log; resuming");
                        break;
                    }
                };
                if may_react(&envelope.event_type) {
                    // A reaction that fails for a passing reason (a busy store) is retried a
                    // few times; one that cannot succeed is logged and skipped.
                    for attempt in 1..=3 {
                        match reactor.react(&envelope).await {
                            Ok(()) => break,
                            Err(error) if error.retryable && attempt < 3 => {
                                tokio::time::sleep(std::time::Duration::from_millis(100 * attempt)).await;
                            }
                            Err(error) => {
                                tracing::error!(%error, position = envelope.global_position, "a chat reaction failed");
                                break;
                            }
                        }
                    }
                }
                position = envelope.global_position;
                if position % CHECKPOINT_EVERY == 0
                    && let Err(error) = checkpoints.save(REACTOR, position).await
                {
                    tracing::warn!(%error, "saving the chat reactor's checkpoint");
                }
            }
            let _ = checkpoints.save(REACTOR, position).await;
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    });
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            for tenant_id in chat.acd_tenants() {
                if let Err(error) = chat.tick(tenant_id, chrono::Utc::now()).await {
                    tracing::warn!(%error, %tenant_id, "ticking the ACD");
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use hotline_domain::acd::Channel;
    use hotline_domain::conversation::{Started, Visitor};
    use hotline_domain::{Actor, StreamId};

    use super::*;

    fn envelope(event: &impl DomainEvent, stream_id: StreamId) -> EventEnvelope {
        EventEnvelope {
            id: Uuid::now_v7(),
            event_type: event.event_type().to_owned(),
            schema_version: 1,
            tenant_id: Uuid::from_u128(1),
            stream_id,
            stream_version: 1,
            global_position: 1,
            occurred_at: Utc::now(),
            recorded_at: Utc::now(),
            actor: Actor::system("test"),
            correlation_id: Uuid::nil(),
            causation_id: Uuid::nil(),
            payload: event.to_payload(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn a_started_chat_is_enqueued_once_under_an_id_derived_from_the_event() {
        let conversation_id = Uuid::now_v7();
        let started = ConversationEvent::Started(Started {
            conversation_id,
            channel: Channel::Chat,
            queue_id: Uuid::from_u128(7),
            visitor: Visitor { visitor_id: Uuid::from_u128(9), ..Visitor::default() },
            priority: 0,
            at: Utc::now(),
        });
        let envelope = envelope(&started, chat::stream_id(conversation_id));
        let first = reactions_to(&envelope);
        let again = reactions_to(&envelope);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].command_id, again[0].command_id);
        let Command::Acd(AcdAction::EnqueueContact { contact_id, customer_key, .. }) = &first[0].command else {
            panic!("expected an enqueue")
        };
        assert_eq!(
            (*contact_id, customer_key.as_deref()),
            (conversation_id, Some(Uuid::from_u128(9).to_string().as_str()))
        );
        assert!(may_react(&envelope.event_type));
    }
}
