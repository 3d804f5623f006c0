//! The event log itself: paged reads, live subscriptions, and how far the projections are.

use async_graphql::{Context, Object, SimpleObject, Subscription};
use futures::{Stream, StreamExt};
use hotline_infra::store::{Scope, subscribe};

use crate::error::{OrGraphqlError, graphql_error};
use crate::identity::query::{MAX_PAGE, page_size};
use crate::schema::{GraphqlState, session};
use crate::types::EventObject;

#[derive(SimpleObject, Clone)]
pub struct ProjectionStatus {
    pub name: String,
    pub position: u64,
    pub head: u64,
    pub lag: u64,
}

#[derive(Default)]
pub struct LogQuery;

#[Object]
impl LogQuery {
    /// Your tenant's events after `after` (a global position), oldest first, optionally only
    /// some types. Holders of `audit.read`.
    async fn events(
        &self,
        context: &Context<'_>,
        #[graphql(default = 0)] after: u64,
        #[graphql(default = 100)] first: usize,
        types: Option<Vec<String>>,
    ) -> async_graphql::Result<Vec<EventObject>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require("audit.read").or_graphql_error()?;
        let first = page_size(first)? as usize;
        let mut found = Vec::new();
        let mut cursor = after;
        // Filtering by type happens after reading, so keep paging until the page is full.
        loop {
            let page = state
                .store()
                .read_all(Scope::Tenant(session.tenant_id), cursor, MAX_PAGE)
                .await
                .map_err(|error| graphql_error(error.into()))?;
            let exhausted = page.len() < MAX_PAGE;
            for envelope in page {
                cursor = envelope.global_position;
                if types.as_ref().is_none_or(|types| types.contains(&envelope.event_type)) {
                    found.push(EventObject::from(envelope));
                    if found.len() == first {
                        return Ok(found);
                    }
                }
            }
            if exhausted {
                return Ok(found);
            }
        }
    }

    /// Where each projection stands against the head of the log. Holders of `menu.admin`.
    async fn projections(&self, context: &Context<'_>) -> async_graphql::Result<Vec<ProjectionStatus>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require("menu.admin").or_graphql_error()?;
        Ok(state
            .projections
            .status()
            .into_iter()
            .map(|status| ProjectionStatus {
                name: status.name.to_string(),
                position: status.position,
                head: status.head,
                lag: status.lag,
            })
            .collect())
    }
}

#[derive(Default)]
pub struct LogSubscription;

#[Subscription]
impl LogSubscription {
    /// Every event of your tenant after `fromPosition` (0: from the start), catching up and
    /// then live, in position order, with no gap and no repeat. Resume after a disconnect by
    /// passing the last `globalPosition` you saw. `types` keeps only those event types.
    /// Holders of `audit.read` only.
    async fn events(
        &self,
        context: &Context<'_>,
        #[graphql(default = 0)] from_position: u64,
        types: Option<Vec<String>>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<EventObject>> + use<>> {
        let state = context.data::<GraphqlState>()?;
        let session = session(context)?;
        session.require("audit.read").map_err(graphql_error)?;
        let stream = subscribe(state.store().clone(), Scope::Tenant(session.tenant_id), from_position);
        Ok(stream.filter_map(move |item| {
            let keep = match &item {
                Ok(envelope) => types.as_ref().is_none_or(|types| types.contains(&envelope.event_type)),
                Err(_) => true,
            };
            let item =
                item.map(EventObject::from).map_err(|error| graphql_error(hotline_command_api::ApiError::from(error)));
            async move { keep.then_some(item) }
        }))
    }
}
