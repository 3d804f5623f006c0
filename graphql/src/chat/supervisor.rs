//! The supervisor's live board: every queue's waiting and offered contacts, today's answered
//! and abandoned ones and the service level, and every agent's presence and load. The query
//! gives it once; the subscription gives it again after each change of the routing, at most
//! four times a second.

use std::collections::HashMap;
use std::time::Duration;

use async_graphql::{Context, Object, Subscription};
use chrono::Utc;
use futures::Stream;
use hotline_command_api::Session;
use hotline_command_api::chat::desk::SUPERVISE_PERMISSION;
use hotline_command_api::live::{LiveItem, Topic};
use hotline_domain::acd;
use tokio::sync::broadcast;
use tokio::time::Instant;

use super::display_names;
use super::types::{AgentPresence, ChannelCapacity, LiveAgent, LiveBoard, LiveQueue, QueueRef};
use crate::error::OrGraphqlError;
use crate::identity::query::read_model_error;
use crate::schema::{GraphqlState, session};

/// The least time between two boards of one subscription.
const BOARD_INTERVAL: Duration = Duration::from_millis(250);
/// How long a board waits for the daily counters to include the change that caused it.
const STATS_WAIT: Duration = Duration::from_secs(1);

/// The board now: the ACD's live state, today's (UTC) counters, and the agents' names.
pub(crate) async fn live_board(state: &GraphqlState, session: &Session) -> async_graphql::Result<LiveBoard> {
    let view = state.chat.live_board(session).await.or_graphql_error()?;
    let now = Utc::now();
    let stats: HashMap<_, _> =
        hotline_projections::queue_stats_for_day(&state.read_models, session.tenant_id, now.date_naive())
            .await
            .map_err(read_model_error)?
            .into_iter()
            .map(|stats| (stats.queue_id, stats))
            .collect();
    let names = display_names(state, session.tenant_id, view.agents.iter().map(|agent| agent.agent_id)).await?;
    let mut queues: Vec<LiveQueue> = view
        .queues
        .iter()
        .map(|queue| {
            let today = stats.get(&queue.queue_id);
            let longest_wait_seconds = queue
                .oldest_waiting_since
                .map(|since| u32::try_from((now - since).num_seconds().max(0)).unwrap_or(u32::MAX))
                .unwrap_or(0);
            LiveQueue {
                queue: QueueRef { id: queue.queue_id, name: queue.name.clone() },
                waiting: queue.waiting,
                offered: queue.offered,
                longest_wait_seconds,
                agents_available: queue.agents_available,
                agents_logged_in: queue.agents_logged_in,
                answered_today: today.map_or(0, |today| today.answered),
                abandoned_today: today.map_or(0, |today| today.abandoned),
                service_level: today.and_then(|today| today.service_level()),
            }
        })
        .collect();
    queues.sort_by(|a, b| {
        a.queue.name.to_lowercase().cmp(&b.queue.name.to_lowercase()).then(a.queue.id.cmp(&b.queue.id))
    });
    let mut agents: Vec<LiveAgent> = view
        .agents
        .iter()
        .map(|agent| LiveAgent {
            agent_id: agent.agent_id,
            name: names.get(&agent.agent_id).cloned().unwrap_or_default(),
            presence: AgentPresence::new(&agent.presence, Some(agent.presence_since)),
            load: agent.load.iter().map(ChannelCapacity::from).collect(),
        })
        .collect();
    agents.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.agent_id.cmp(&b.agent_id)));
    Ok(LiveBoard { queues, agents, at: now })
}

#[derive(Default)]
pub struct SupervisorQuery;

#[Object]
impl SupervisorQuery {
    /// Queues and agents now. Needs `chat.supervise`.
    async fn live_board(&self, context: &Context<'_>) -> async_graphql::Result<LiveBoard> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        live_board(state, session).await
    }
}

#[derive(Default)]
pub struct SupervisorSubscription;

#[Subscription]
impl SupervisorSubscription {
    /// The board at once, then a fresh board after each change of the routing (a burst of
    /// changes gives one board), at most four a second. Needs `chat.supervise`.
    async fn live_board(
        &self,
        context: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<LiveBoard>> + use<>> {
        let state = context.data::<GraphqlState>()?.clone();
        let session = session(context)?.clone();
        session.require(SUPERVISE_PERMISSION).or_graphql_error()?;
        let live = state.chat.hub().subscribe(Topic::Tenant(session.tenant_id));
        let watch = BoardWatch { state, session, live, first: true, sent_at: None, position: 0 };
        Ok(futures::stream::unfold(watch, |mut watch| async move { watch.next().await.map(|board| (board, watch)) }))
    }
}

/// The state of one `liveBoard` subscription.
struct BoardWatch {
    state: GraphqlState,
    session: Session,
    live: broadcast::Receiver<LiveItem>,
    first: bool,
    sent_at: Option<Instant>,
    /// The global position of the last routing change seen.
    position: u64,
}

impl BoardWatch {
    /// Notes a hub item; true when it changes the board.
    fn changes_board(&mut self, item: &LiveItem) -> bool {
        match item {
            LiveItem::Event(envelope) if envelope.stream_id.context() == acd::CONTEXT => {
                self.position = self.position.max(envelope.global_position);
                true
            }
            _ => false,
        }
    }

    async fn next(&mut self) -> Option<async_graphql::Result<LiveBoard>> {
        if !std::mem::take(&mut self.first) {
            // Wait for a change.
            loop {
                match self.live.recv().await {
                    Ok(item) => {
                        if self.changes_board(&item) {
                            break;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
            // At most one board per interval: what arrives meanwhile joins this one.
            if let Some(sent_at) = self.sent_at {
                tokio::time::sleep_until(sent_at + BOARD_INTERVAL).await;
            }
            loop {
                match self.live.try_recv() {
                    Ok(item) => {
                        self.changes_board(&item);
                    }
                    Err(broadcast::error::TryRecvError::Lagged(_)) => {}
                    Err(broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Closed) => break,
                }
            }
            // The daily counters come from a read model: let it see the change first.
            self.state.projections.wait_for(self.position, STATS_WAIT).await;
        }
        self.sent_at = Some(Instant::now());
        Some(live_board(&self.state, &self.session).await)
    }
}
