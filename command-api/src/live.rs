//! The live hub: one follower of the log per process, fanning each new event out to the
//! listeners of its stream and of its tenant, plus ephemeral signals (typing) that are never
//! events.
//!
//! Ten thousand visitors each subscribing to the log would each read the store on every
//! commit; through the hub the store is read once per commit and a listener costs a channel.
//! A listener reads what it missed from the store first and then the hub, skipping what it
//! already has by stream version, so the switch loses and doubles nothing.
//!
//! A listener that falls more than [`CHANNEL_CAPACITY`] items behind gets
//! `RecvError::Lagged` and must read the store again to resynchronise.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use hotline_domain::{EventEnvelope, StreamId};
use hotline_infra::store::{Scope, SharedEventStore, subscribe};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::error::ApiError;

/// Items buffered per topic for a slow listener.
pub const CHANNEL_CAPACITY: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// One stream of one tenant (the tenant is part of the key, so a stream id from another
    /// tenant never reaches a listener).
    Stream(Uuid, StreamId),
    Tenant(Uuid),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypingAuthor {
    Visitor,
    Agent { agent_id: Uuid, name: String },
}

#[derive(Debug, Clone)]
pub enum LiveItem {
    Event(Arc<EventEnvelope>),
    /// Someone is typing in a conversation (not stored; lost if nobody listens).
    Typing {
        conversation_id: Uuid,
        author: TypingAuthor,
    },
}

#[derive(Clone, Default)]
pub struct LiveHub {
    topics: Arc<Mutex<HashMap<Topic, broadcast::Sender<LiveItem>>>>,
}

impl LiveHub {
    /// Starts following the log from its current head; the task ends with the process.
    pub async fn start(store: SharedEventStore) -> Result<Self, ApiError> {
        let hub = Self::default();
        let head = store.head_position().await?;
        let mut events = subscribe(store, Scope::Global, head);
        let follower = hub.clone();
        tokio::spawn(async move {
            while let Some(item) = events.next().await {
                match item {
                    Ok(envelope) => follower.publish_event(envelope),
                    Err(error) => {
                        // The subscription ends after an error; listeners resynchronise from the
                        // store when they reconnect, so restarting from the last position is enough.
                        tracing::error!(%error, "the live hub lost the log; live updates stop");
                        return;
                    }
                }
            }
        });
        Ok(hub)
    }

    pub fn subscribe(&self, topic: Topic) -> broadcast::Receiver<LiveItem> {
        let mut topics = self.topics.lock().expect("live hub lock poisoned");
        topics.entry(topic).or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0).subscribe()
    }

    fn publish(&self, topic: &Topic, item: LiveItem) {
        let mut topics = self.topics.lock().expect("live hub lock poisoned");
        if let Some(sender) = topics.get(topic)
            && sender.send(item).is_err()
        {
            // Nobody listens any more.
            topics.remove(topic);
        }
    }

    fn publish_event(&self, envelope: EventEnvelope) {
        let envelope = Arc::new(envelope);
        self.publish(&Topic::Stream(envelope.tenant_id, envelope.stream_id.clone()), LiveItem::Event(envelope.clone()));
        self.publish(&Topic::Tenant(envelope.tenant_id), LiveItem::Event(envelope));
    }

    pub fn publish_typing(
        &self,
        tenant_id: Uuid,
        conversation_stream: StreamId,
        conversation_id: Uuid,
        author: TypingAuthor,
    ) {
        let item = LiveItem::Typing { conversation_id, author };
        self.publish(&Topic::Stream(tenant_id, conversation_stream), item.clone());
        self.publish(&Topic::Tenant(tenant_id), item);
    }
}
