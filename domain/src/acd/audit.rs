//! Checking the log's routing decisions: every batch of ACD events (the events one command
//! appended) must be exactly what deciding that command again, on the state the earlier
//! batches built, gives. A batch says which command caused it by its first event, since every
//! command's own event comes first and the offers it made possible follow.
//!
//! This is how an auditor or an analyst confirms, from the log alone, that no routing decision
//! was altered and that this build decides as the one that wrote the log did.

use super::{AcdAction, AcdCommand, AcdEvent, AcdState, Presence, TransferTarget};
use crate::Decider;

/// The command that caused a batch, if the batch has a recognisable cause.
pub fn command_behind(batch: &[AcdEvent]) -> Option<AcdAction> {
    let action = match batch.first()? {
        AcdEvent::AgentRegistered(registered) => AcdAction::RegisterAgent(registered.agent.clone()),
        AcdEvent::AgentUpdated(updated) => AcdAction::UpdateAgent(updated.agent.clone()),
        AcdEvent::AgentPresenceChanged(changed) => {
            AcdAction::SetPresence { agent_id: changed.agent_id, presence: changed.presence.clone() }
        }
        AcdEvent::QueueDefined(defined) => AcdAction::DefineQueue(defined.queue.clone()),
        AcdEvent::ContactQueued(queued) => AcdAction::EnqueueContact {
            contact_id: queued.contact_id,
            channel: queued.channel,
            queue_id: queued.queue_id,
            priority: queued.priority,
            customer_key: queued.customer_key.clone(),
        },
        AcdEvent::OfferAccepted(answer) => {
            AcdAction::AcceptOffer { contact_id: answer.contact_id, agent_id: answer.agent_id }
        }
        AcdEvent::OfferRejected(answer) => {
            AcdAction::RejectOffer { contact_id: answer.contact_id, agent_id: answer.agent_id }
        }
        AcdEvent::ContactAbandoned(abandoned) => AcdAction::AbandonContact { contact_id: abandoned.contact_id },
        AcdEvent::ContactFinished(finished) => AcdAction::FinishContact {
            contact_id: finished.contact_id,
            agent_id: finished.agent_id,
            // Wrap-up shows as the agent's next presence change in the same batch.
            after_call_work: matches!(batch.get(1), Some(AcdEvent::AgentPresenceChanged(changed))
                if changed.agent_id == finished.agent_id && changed.presence == Presence::AfterCallWork),
        },
        AcdEvent::ContactTransferred(transferred) => AcdAction::TransferContact {
            contact_id: transferred.contact_id,
            agent_id: transferred.from_agent_id,
            to: match transferred.to {
                TransferTarget::Queue { queue_id } => TransferTarget::Queue { queue_id },
                TransferTarget::Agent { agent_id } => TransferTarget::Agent { agent_id },
            },
        },
        AcdEvent::ContactHandedOver(handed) => AcdAction::HandOverContact {
            contact_id: handed.contact_id,
            from_agent_id: handed.from_agent_id,
            to_agent_id: handed.to_agent_id,
        },
        AcdEvent::OfferTimedOut(_) | AcdEvent::StickyWaitEnded(_) | AcdEvent::ContactOverflowed(_) => AcdAction::Tick,
        // An offer is never a command's own event.
        AcdEvent::ContactOffered(_) => return None,
    };
    Some(action)
}

/// Where the log and a fresh decision part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// The batch's index among the batches checked.
    pub batch: usize,
    pub logged: Vec<AcdEvent>,
    /// What deciding again gave (empty if it refused or the cause was not recognised).
    pub decided: Vec<AcdEvent>,
    pub reason: String,
}

/// Decides every batch's command again and compares; returns how many batches were checked.
pub fn verify(tenant_id: uuid::Uuid, batches: &[Vec<AcdEvent>]) -> Result<usize, Box<Divergence>> {
    let mut state = AcdState::default();
    for (index, batch) in batches.iter().enumerate() {
        let diverged = |decided: Vec<AcdEvent>, reason: String| {
            Box::new(Divergence { batch: index, logged: batch.clone(), decided, reason })
        };
        let Some(action) = command_behind(batch) else {
            return Err(diverged(vec![], "the batch does not start with a command's own event".into()));
        };
        let at = event_time(&batch[0]);
        let command = AcdCommand { tenant_id, at, action };
        let decided = super::Acd::decide(&state, &command).map_err(|error| diverged(vec![], error.to_string()))?;
        if decided != *batch {
            return Err(diverged(decided, "deciding again gives different events".into()));
        }
        state = batch.iter().fold(state, super::Acd::evolve);
    }
    Ok(batches.len())
}

fn event_time(event: &AcdEvent) -> chrono::DateTime<chrono::Utc> {
    match event {
        AcdEvent::AgentRegistered(event) | AcdEvent::AgentUpdated(event) => event.at,
        AcdEvent::AgentPresenceChanged(event) => event.at,
        AcdEvent::QueueDefined(event) => event.at,
        AcdEvent::ContactQueued(event) => event.at,
        AcdEvent::ContactOffered(event) => event.at,
        AcdEvent::OfferAccepted(event) | AcdEvent::OfferRejected(event) | AcdEvent::OfferTimedOut(event) => event.at,
        AcdEvent::StickyWaitEnded(event) => event.at,
        AcdEvent::ContactOverflowed(event) => event.at,
        AcdEvent::ContactFinished(event) => event.at,
        AcdEvent::ContactAbandoned(event) => event.at,
        AcdEvent::ContactTransferred(event) => event.at,
        AcdEvent::ContactHandedOver(event) => event.at,
    }
}
