//! Saved ticket queries (see [`crate::saved_queries`]): a named ticket search (status, type,
//! text, whose work it waits on, deadlines, conditions on form values) with a sort, kept by
//! its owner or shared with the tenant.
//!
//! Form values are free per ticket type, so a condition names a field key and compares with
//! the value as text, or as a number when both sides read as numbers. Dates and times in
//! ISO form (`2026-11-26`, `09:30`) compare correctly as text.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::StreamId;
use crate::saved_queries::{self, QueryKind};
pub use crate::saved_queries::{Condition, ConditionOp};

pub const CONTEXT: &str = "ticket_queries";

pub const QUERY_SAVED: &str = "hotline.ticket_queries.saved";
pub const QUERY_DELETED: &str = "hotline.ticket_queries.deleted";

/// The most conditions on form values one query holds.
pub const MAX_CONDITIONS: usize = 20;
/// The text searched in the number and title is at most this many characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// "Due within" looks at most this far ahead (a year).
pub const MAX_DUE_WITHIN_HOURS: u32 = 24 * 366;

pub fn queries_stream_id(tenant_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, tenant_id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    Open,
    Finished,
    Cancelled,
}

/// Whose work an open task of the ticket waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WaitingOn {
    /// Whoever runs the query: a task they may complete (theirs, a role's or unit's of theirs).
    Me,
    /// A task given to this user by name.
    User { user_id: Uuid },
    /// A task for anyone with this role.
    Role { role_id: Uuid },
    /// A task for anyone in this unit.
    Unit { org_unit_id: Uuid },
    /// A task for an outside collaborator.
    External,
}

/// Deadlines of the ticket's open tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DueFilter {
    /// An open task is past its due time.
    Overdue,
    /// An open task, not overdue yet, is due within this many hours of the query's run.
    Within { hours: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketSort {
    /// When the ticket last changed.
    Updated,
    Created,
    /// The earliest due time of an open task; tickets with none last.
    Due,
    Number,
}

/// What a saved ticket query searches for. Every part given must hold (AND).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TicketQuery {
    pub status: Option<StatusFilter>,
    pub type_id: Option<Uuid>,
    /// In the number or the title, ignoring case.
    pub text: Option<String>,
    /// Only the tickets whoever runs the query opened.
    pub started_by_me: bool,
    pub waiting_on: Option<WaitingOn>,
    pub due: Option<DueFilter>,
    /// On form values; at most [`MAX_CONDITIONS`].
    pub conditions: Vec<Condition>,
    /// `None`: the most recently changed first.
    pub sort: Option<TicketSort>,
    pub sort_descending: bool,
}

/// Tickets' kind of saved query.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketQueries;

impl QueryKind for TicketQueries {
    type Body = TicketQuery;
    const CONTEXT: &'static str = CONTEXT;
    const SAVED: &'static str = QUERY_SAVED;
    const DELETED: &'static str = QUERY_DELETED;
    const INVALID: &'static str = "ticket_queries.invalid";
    const NOT_OWNER: &'static str = "ticket_queries.not_owner";
    const NAME_TAKEN: &'static str = "ticket_queries.name_taken";
    const NOT_FOUND: &'static str = "ticket_queries.not_found";

    fn check_body(body: &TicketQuery) -> Result<(), String> {
        body.check()
    }
}

pub type SavedTicketQuery = saved_queries::SavedQuery<TicketQuery>;
pub type SavedTicketQueries = saved_queries::SavedQueries<TicketQueries>;
pub type TicketQueriesCommand = saved_queries::SavedQueriesCommand<TicketQuery>;
pub type TicketQueriesEvent = saved_queries::SavedQueriesEvent<TicketQueries>;
pub type TicketQueriesState = saved_queries::SavedQueriesState<TicketQuery>;

/// A field key as form-js writes them: letters, digits, `_` and `-`, starting with a letter or `_`.
fn is_field_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|rest| rest.is_ascii_alphanumeric() || rest == '_' || rest == '-')
        && key.len() <= 100
}

fn reads_as_number(value: &str) -> bool {
    value.trim().parse::<f64>().is_ok_and(f64::is_finite)
}

impl TicketQuery {
    /// Whether the query is well formed; `Err` names the first fault. The lists run it before
    /// they search, and saving runs it too (as `ticket_queries.invalid`).
    pub fn check(&self) -> Result<(), String> {
        if self.text.as_deref().is_some_and(|text| text.chars().count() > MAX_TEXT_CHARS) {
            return Err(format!("the text searched is at most {MAX_TEXT_CHARS} characters"));
        }
        if let Some(DueFilter::Within { hours }) = self.due
            && !(1..=MAX_DUE_WITHIN_HOURS).contains(&hours)
        {
            return Err(format!("\"due within\" is 1 to {MAX_DUE_WITHIN_HOURS} hours, not {hours}"));
        }
        if self.conditions.len() > MAX_CONDITIONS {
            return Err(format!("a query has at most {MAX_CONDITIONS} conditions, not {}", self.conditions.len()));
        }
        for condition in &self.conditions {
            let field = condition.field.as_str();
            if !is_field_key(field) {
                return Err(format!("{field:?} is not a form field's key"));
            }
            let op = condition.op;
            if !op.takes_value() {
                continue;
            }
            let Some(value) = condition.value() else {
                return Err(format!("{field}: {} needs a value", op.as_str().to_uppercase()));
            };
            if op == ConditionOp::Between {
                let Some(value_to) = condition.value_to() else {
                    return Err(format!("{field}: BETWEEN needs a second value"));
                };
                if reads_as_number(value) != reads_as_number(value_to) {
                    return Err(format!("{field}: BETWEEN compares two numbers or two texts"));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Decider, DomainEvent};

    const TENANT: Uuid = Uuid::from_u128(1);
    const ANN: Uuid = Uuid::from_u128(0xA1);

    fn condition(field: &str, op: ConditionOp, value: Option<&str>, value_to: Option<&str>) -> Condition {
        Condition { field: field.into(), op, value: value.map(str::to_owned), value_to: value_to.map(str::to_owned) }
    }

    fn with(body: TicketQuery) -> SavedTicketQuery {
        SavedTicketQuery {
            query_id: Uuid::from_u128(7),
            name: "Overdue refunds".into(),
            owner_id: ANN,
            shared: true,
            body,
        }
    }

    #[test]
    fn a_whole_query_is_saved_on_the_tenants_ticket_query_stream_and_reads_back() {
        let body = TicketQuery {
            status: Some(StatusFilter::Open),
            type_id: Some(Uuid::from_u128(9)),
            text: Some("refund".into()),
            started_by_me: false,
            waiting_on: Some(WaitingOn::Role { role_id: Uuid::from_u128(3) }),
            due: Some(DueFilter::Within { hours: 4 }),
            conditions: vec![condition("amount", ConditionOp::Between, Some("100"), Some("500"))],
            sort: Some(TicketSort::Due),
            sort_descending: false,
        };
        let command = TicketQueriesCommand::Save { tenant_id: TENANT, query: with(body), by_user: ANN };
        let events = SavedTicketQueries::decide(&TicketQueriesState::default(), &command).unwrap();
        assert_eq!(SavedTicketQueries::stream_id(&command).to_string(), format!("ticket_queries-{TENANT}"));
        assert_eq!(events[0].event_type(), QUERY_SAVED);
        let payload = events[0].to_payload();
        assert_eq!(payload["waiting_on"], serde_json::json!({ "kind": "role", "role_id": Uuid::from_u128(3) }));
        assert_eq!(payload["due"], serde_json::json!({ "kind": "within", "hours": 4 }));
        assert_eq!(payload["name"], "Overdue refunds", "the body is stored beside the name");
        assert_eq!(TicketQueriesEvent::from_stored(QUERY_SAVED, 1, &payload).unwrap(), events[0]);
    }

    #[test]
    fn badly_shaped_queries_are_refused_with_the_fault_named() {
        use ConditionOp::*;
        let bad = [
            (TicketQuery { text: Some("x".repeat(MAX_TEXT_CHARS + 1)), ..TicketQuery::default() }, "text"),
            (TicketQuery { due: Some(DueFilter::Within { hours: 0 }), ..TicketQuery::default() }, "due within"),
            (
                TicketQuery {
                    conditions: vec![condition("amount", NotEmpty, None, None); MAX_CONDITIONS + 1],
                    ..TicketQuery::default()
                },
                "at most",
            ),
            (
                TicketQuery { conditions: vec![condition("a b", IsEmpty, None, None)], ..TicketQuery::default() },
                "not a form field's key",
            ),
            (
                TicketQuery {
                    conditions: vec![condition("amount", Equals, Some(" "), None)],
                    ..TicketQuery::default()
                },
                "needs a value",
            ),
            (
                TicketQuery {
                    conditions: vec![condition("amount", Between, Some("1"), None)],
                    ..TicketQuery::default()
                },
                "second value",
            ),
            (
                TicketQuery {
                    conditions: vec![condition("amount", Between, Some("1"), Some("lots"))],
                    ..TicketQuery::default()
                },
                "two numbers or two texts",
            ),
        ];
        for (body, fault) in bad {
            let message = body.check().unwrap_err();
            assert!(message.contains(fault), "{message}");
            let command = TicketQueriesCommand::Save { tenant_id: TENANT, query: with(body), by_user: ANN };
            let refused = SavedTicketQueries::decide(&TicketQueriesState::default(), &command).unwrap_err();
            assert_eq!(refused.code, "ticket_queries.invalid");
        }
        let good = TicketQuery {
            due: Some(DueFilter::Within { hours: MAX_DUE_WITHIN_HOURS }),
            conditions: vec![
                condition("priority", Equals, Some("high"), None),
                condition("visit_on", Between, Some("2026-01-01"), Some("2026-12-31")),
                condition("note-2", IsEmpty, None, None),
            ],
            ..TicketQuery::default()
        };
        assert_eq!(good.check(), Ok(()));
    }
}
