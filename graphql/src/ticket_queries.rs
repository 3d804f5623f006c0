//! Ticket searches: the filter the ticket list takes, and the saved ticket queries that keep
//! one under a name (the owner's, or shared with the tenant). Conditions on form values use
//! the customers' condition types.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::Utc;
use hotline_command_api::Session;
use hotline_command_api::tickets::MENU_PERMISSION;
use hotline_domain::DomainError;
use hotline_domain::saved_queries::{Condition, QueryKind};
use hotline_domain::ticket::queries::{
    DueFilter, SavedTicketQuery as DomainSavedQuery, StatusFilter, TicketQueries, TicketQuery as QueryBody, TicketSort,
    WaitingOn,
};
use hotline_projections::tickets as read_model;
use uuid::Uuid;

use crate::chat::catch_up_read_models;
use crate::customers::types::{QueryCondition, QueryConditionInput};
use crate::error::{OrGraphqlError, graphql_error};
use crate::identity::query::read_model_error;
use crate::schema::{GraphqlState, session};
use crate::tickets::TicketStatus;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum TicketWaitingOnKind {
    /// A task whoever runs the query may complete (theirs, their roles' or their unit's).
    Me,
    User,
    Role,
    Unit,
    /// A task for an outside collaborator.
    External,
}

/// Whose work an open task of the ticket waits on; `id` names the user, role or unit.
#[derive(InputObject, SimpleObject, Clone)]
#[graphql(input_name = "TicketWaitingOnInput")]
pub struct TicketWaitingOn {
    pub kind: TicketWaitingOnKind,
    pub id: Option<Uuid>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum TicketDueKind {
    /// An open task is past its due time.
    Overdue,
    /// An open task, not overdue yet, is due within `hours`.
    Within,
}

#[derive(InputObject, SimpleObject, Clone)]
#[graphql(input_name = "TicketDueInput")]
pub struct TicketDue {
    pub kind: TicketDueKind,
    pub hours: Option<u32>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum TicketSortField {
    Updated,
    Created,
    /// The earliest due time of an open task; tickets with none last.
    Due,
    Number,
}

/// Which tickets a list shows; every part given must hold.
#[derive(InputObject, Default)]
pub struct TicketFilter {
    pub status: Option<TicketStatus>,
    pub type_id: Option<Uuid>,
    /// In the number or the title.
    pub text: Option<String>,
    /// Only tickets the caller opened.
    pub started_by_me: Option<bool>,
    /// Only tickets made from this conversation (not kept by a saved query).
    pub conversation_id: Option<Uuid>,
    pub waiting_on: Option<TicketWaitingOn>,
    pub due: Option<TicketDue>,
    /// On form values, by field key; all must hold.
    pub conditions: Option<Vec<QueryConditionInput>>,
    /// Without it, the most recently changed first.
    pub sort: Option<TicketSortField>,
    #[graphql(default)]
    pub sort_descending: bool,
}

fn invalid(message: impl Into<String>) -> async_graphql::Error {
    graphql_error(DomainError::new(TicketQueries::INVALID, message).into())
}

impl TicketFilter {
    /// The query it asks for, checked; the conversation is apart, as saved queries lack it.
    pub(crate) fn into_query(self) -> async_graphql::Result<(QueryBody, Option<Uuid>)> {
        let waiting_on = match self.waiting_on {
            None => None,
            Some(TicketWaitingOn { kind: TicketWaitingOnKind::Me, .. }) => Some(WaitingOn::Me),
            Some(TicketWaitingOn { kind: TicketWaitingOnKind::External, .. }) => Some(WaitingOn::External),
            Some(TicketWaitingOn { kind, id }) => {
                let id = id.ok_or_else(|| invalid("waiting on a user, role or unit names its id"))?;
                Some(match kind {
                    TicketWaitingOnKind::User => WaitingOn::User { user_id: id },
                    TicketWaitingOnKind::Role => WaitingOn::Role { role_id: id },
                    _ => WaitingOn::Unit { org_unit_id: id },
                })
            }
        };
        let due = match self.due {
            None => None,
            Some(TicketDue { kind: TicketDueKind::Overdue, .. }) => Some(DueFilter::Overdue),
            Some(TicketDue { kind: TicketDueKind::Within, hours }) => {
                Some(DueFilter::Within { hours: hours.ok_or_else(|| invalid("\"due within\" needs hours"))? })
            }
        };
        let query = QueryBody {
            status: self.status.map(|status| match status {
                TicketStatus::Open => StatusFilter::Open,
                TicketStatus::Finished => StatusFilter::Finished,
                TicketStatus::Cancelled => StatusFilter::Cancelled,
            }),
            type_id: self.type_id,
            text: self.text.filter(|text| !text.trim().is_empty()),
            started_by_me: self.started_by_me.unwrap_or(false),
            waiting_on,
            due,
            conditions: self.conditions.unwrap_or_default().into_iter().map(Condition::from).collect(),
            sort: self.sort.map(|sort| match sort {
                TicketSortField::Updated => TicketSort::Updated,
                TicketSortField::Created => TicketSort::Created,
                TicketSortField::Due => TicketSort::Due,
                TicketSortField::Number => TicketSort::Number,
            }),
            sort_descending: self.sort_descending,
        };
        query.check().map_err(invalid)?;
        Ok((query, self.conversation_id))
    }
}

/// A saved query's search, as the list's filter takes it.
#[derive(SimpleObject, Clone)]
pub struct TicketQueryFilter {
    pub status: Option<TicketStatus>,
    pub type_id: Option<Uuid>,
    pub text: Option<String>,
    pub started_by_me: bool,
    pub waiting_on: Option<TicketWaitingOn>,
    pub due: Option<TicketDue>,
    pub conditions: Vec<QueryCondition>,
    pub sort: Option<TicketSortField>,
    pub sort_descending: bool,
}

impl From<QueryBody> for TicketQueryFilter {
    fn from(query: QueryBody) -> Self {
        let waiting_on = query.waiting_on.map(|waiting_on| {
            let (kind, id) = match waiting_on {
                WaitingOn::Me => (TicketWaitingOnKind::Me, None),
                WaitingOn::User { user_id } => (TicketWaitingOnKind::User, Some(user_id)),
                WaitingOn::Role { role_id } => (TicketWaitingOnKind::Role, Some(role_id)),
                WaitingOn::Unit { org_unit_id } => (TicketWaitingOnKind::Unit, Some(org_unit_id)),
                WaitingOn::External => (TicketWaitingOnKind::External, None),
            };
            TicketWaitingOn { kind, id }
        });
        TicketQueryFilter {
            status: query.status.map(|status| match status {
                StatusFilter::Open => TicketStatus::Open,
                StatusFilter::Finished => TicketStatus::Finished,
                StatusFilter::Cancelled => TicketStatus::Cancelled,
            }),
            type_id: query.type_id,
            text: query.text,
            started_by_me: query.started_by_me,
            waiting_on,
            due: query.due.map(|due| match due {
                DueFilter::Overdue => TicketDue { kind: TicketDueKind::Overdue, hours: None },
                DueFilter::Within { hours } => TicketDue { kind: TicketDueKind::Within, hours: Some(hours) },
            }),
            conditions: query.conditions.into_iter().map(QueryCondition::from).collect(),
            sort: query.sort.map(|sort| match sort {
                TicketSort::Updated => TicketSortField::Updated,
                TicketSort::Created => TicketSortField::Created,
                TicketSort::Due => TicketSortField::Due,
                TicketSort::Number => TicketSortField::Number,
            }),
            sort_descending: query.sort_descending,
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct SavedTicketQuery {
    pub id: Uuid,
    pub name: String,
    /// Listed for everyone in the tenant; only the owner changes it.
    pub shared: bool,
    /// Whether the caller owns it.
    pub mine: bool,
    pub filter: TicketQueryFilter,
}

impl SavedTicketQuery {
    fn from_domain(query: DomainSavedQuery, user_id: Uuid) -> Self {
        Self {
            id: query.query_id,
            name: query.name,
            shared: query.shared,
            mine: query.owner_id == user_id,
            filter: query.body.into(),
        }
    }
}

#[derive(InputObject)]
pub struct SavedTicketQueryInput {
    /// Re-saves one of yours; without it, a new query.
    pub id: Option<Uuid>,
    pub name: String,
    pub shared: bool,
    pub filter: TicketFilter,
}

fn require_menu(session: &Session) -> async_graphql::Result<()> {
    session.require(MENU_PERMISSION).or_graphql_error()
}

#[derive(Default)]
pub struct TicketQueriesQuery;

#[Object]
impl TicketQueriesQuery {
    /// Your saved ticket queries and the shared ones, by name. Needs `menu.tickets`.
    async fn saved_ticket_queries(&self, context: &Context<'_>) -> async_graphql::Result<Vec<SavedTicketQuery>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require_menu(session)?;
        let queries = read_model::list_saved_ticket_queries(&state.read_models, session.tenant_id, session.user_id)
            .await
            .map_err(read_model_error)?;
        Ok(queries.into_iter().map(|query| SavedTicketQuery::from_domain(query, session.user_id)).collect())
    }
}

#[derive(Default)]
pub struct TicketQueriesMutation;

#[Object]
impl TicketQueriesMutation {
    /// Saves a ticket query of yours (names are unique among yours). Needs `menu.tickets`.
    async fn save_ticket_query(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        input: SavedTicketQueryInput,
    ) -> async_graphql::Result<SavedTicketQuery> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require_menu(session)?;
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        let (body, conversation_id) = input.filter.into_query()?;
        if conversation_id.is_some() {
            return Err(invalid("a saved query cannot keep a conversation"));
        }
        let query = DomainSavedQuery {
            query_id: input.id.unwrap_or_else(|| Uuid::new_v5(&command_id, b"ticket-query")),
            name: input.name,
            owner_id: session.user_id,
            shared: input.shared,
            body,
        };
        let query_id = query.query_id;
        state.tickets.save_query(session, command_id, query, Utc::now()).await.or_graphql_error()?;
        catch_up_read_models(state).await;
        let saved =
            read_model::get_saved_ticket_query(&state.read_models, session.tenant_id, session.user_id, query_id)
                .await
                .map_err(read_model_error)?
                .ok_or_else(|| async_graphql::Error::new("the saved query is not readable yet; retry"))?;
        Ok(SavedTicketQuery::from_domain(saved, session.user_id))
    }

    /// Deletes a ticket query of yours. Needs `menu.tickets`.
    async fn delete_ticket_query(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        id: Uuid,
    ) -> async_graphql::Result<bool> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require_menu(session)?;
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        state.tickets.delete_query(session, command_id, id, Utc::now()).await.or_graphql_error()?;
        catch_up_read_models(state).await;
        Ok(true)
    }
}
