//! Subscriptions over the live log (graphql-ws).

use async_graphql::{Context, Subscription};
use futures::{Stream, StreamExt};
use hotline_domain::identity::Role;
use hotline_infra::store::{Scope, subscribe};

use crate::error::graphql_error;
use crate::schema::{GraphqlState, session};
use crate::types::EventObject;

pub struct SubscriptionRoot;

#[Subscription]
impl SubscriptionRoot {
    /// Every event of your tenant after `fromPosition` (0: from the start), catching up and
    /// then live, in position order, with no gap and no repeat. Resume after a disconnect by
    /// passing the last `globalPosition` you saw. `types` keeps only those event types.
    /// Tenant administrators and auditors only.
    async fn events(
        &self,
        context: &Context<'_>,
        #[graphql(default = 0)] from_position: u64,
        types: Option<Vec<String>>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<EventObject>> + use<>> {
        let state = context.data::<GraphqlState>()?;
        let session = session(context)?;
        session.require_any(&[Role::TenantAdmin, Role::Auditor], "read the event log").map_err(graphql_error)?;
        let stream = subscribe(state.store().clone(), Scope::Tenant(session.tenant_id), from_position);
        Ok(stream.filter_map(move |item| {
            let keep = match &item {
                Ok(envelope) => {
                    types.as_ref().is_none_or(|types| types.contains(&envelope.event_type))
                }
                Err(_) => true,
            };
            let item =
                item.map(EventObject::from).map_err(|error| graphql_error(hotline_command_api::ApiError::from(error)));
            async move { keep.then_some(item) }
        }))
    }
}
