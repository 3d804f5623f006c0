//! Given-when-then tests of the conversation decider.

use chrono::TimeZone;

use super::*;

const TENANT: Uuid = Uuid::from_u128(1);
const CONVERSATION: Uuid = Uuid::from_u128(0xC0);
const QUEUE: Uuid = Uuid::from_u128(0x100);
const AGENT: Uuid = Uuid::from_u128(0xA1);
const OTHER_AGENT: Uuid = Uuid::from_u128(0xA2);

fn command(seconds: i64, action: ConversationAction) -> ConversationCommand {
    let at = Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap() + chrono::Duration::seconds(seconds);
    ConversationCommand { tenant_id: TENANT, conversation_id: CONVERSATION, at, action }
}

fn start() -> ConversationCommand {
    let visitor = Visitor { visitor_id: Uuid::from_u128(0xF1), name: Some("Ann".into()), ..Visitor::default() };
    command(0, ConversationAction::Start { channel: Channel::Chat, queue_id: QUEUE, visitor, priority: 0 })
}

fn post(client_id: &str, author: Author, text: &str) -> ConversationCommand {
    command(
        1,
        ConversationAction::PostMessage {
            client_id: client_id.into(),
            author,
            text: Some(text.into()),
            attachment: None,
        },
    )
}

fn assign(agent_id: Uuid) -> ConversationCommand {
    command(2, ConversationAction::Assign { agent_id })
}

fn close_by_agent(agent_id: Uuid, disposition: Option<&str>) -> ConversationCommand {
    command(
        3,
        ConversationAction::Close { by: ClosedBy::Agent { agent_id }, disposition: disposition.map(str::to_owned) },
    )
}

fn given(commands: &[ConversationCommand]) -> ConversationState {
    commands.iter().fold(ConversationState::default(), |state, command| {
        let events = Conversation::decide(&state, command).unwrap_or_else(|error| panic!("{command:?}: {error}"));
        events.iter().fold(state, Conversation::evolve)
    })
}

fn refusal(state: &ConversationState, command: &ConversationCommand) -> &'static str {
    Conversation::decide(state, command).expect_err("the command is refused").code
}

#[test]
fn messages_are_numbered_from_one_and_a_resent_client_id_posts_nothing() {
    let state = given(&[start(), post("a", Author::Visitor, "hello"), post("b", Author::Visitor, "anyone?")]);
    assert_eq!(state.messages, 2);
    assert_eq!(state.seq_of("a"), Some(1));
    assert_eq!(Conversation::decide(&state, &post("a", Author::Visitor, "hello")), Ok(vec![]));
    let events = Conversation::decide(&state, &post("c", Author::System, "an agent will be with you")).unwrap();
    let [ConversationEvent::MessagePosted(posted)] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(posted.seq, 3);
}

#[test]
fn only_the_assigned_agent_writes_transfers_and_closes_and_closing_needs_a_disposition() {
    let state = given(&[start(), assign(AGENT)]);
    assert_eq!(
        refusal(&state, &post("x", Author::Agent { agent_id: OTHER_AGENT }, "hi")),
        "conversation.not_your_conversation"
    );
    assert_eq!(refusal(&state, &close_by_agent(AGENT, None)), "conversation.invalid_disposition");
    assert_eq!(refusal(&state, &close_by_agent(AGENT, Some(" "))), "conversation.invalid_disposition");
    assert_eq!(refusal(&state, &close_by_agent(OTHER_AGENT, Some("solved"))), "conversation.not_your_conversation");
    let transfer_to_self =
        command(2, ConversationAction::Transfer { agent_id: AGENT, to_queue_id: None, to_agent_id: Some(AGENT) });
    assert_eq!(refusal(&state, &transfer_to_self), "conversation.invalid_transfer");
    let state = given(&[
        start(),
        assign(AGENT),
        command(2, ConversationAction::Transfer { agent_id: AGENT, to_queue_id: None, to_agent_id: Some(OTHER_AGENT) }),
    ]);
    assert_eq!((state.status, state.agent_id), (Status::Queued, None));
    let state = given(&[
        start(),
        assign(AGENT),
        post("x", Author::Agent { agent_id: AGENT }, "hi"),
        close_by_agent(AGENT, Some("solved")),
    ]);
    assert_eq!(state.status, Status::Closed);
}

#[test]
fn a_closed_conversation_takes_no_message_and_is_rated_once() {
    let waiting = given(&[start()]);
    assert_eq!(
        refusal(&waiting, &command(4, ConversationAction::Rate { score: 5, comment: None })),
        "conversation.not_closed"
    );
    let closed_by_visitor = command(3, ConversationAction::Close { by: ClosedBy::Visitor, disposition: None });
    let events = Conversation::decide(&waiting, &closed_by_visitor).unwrap();
    let [ConversationEvent::Closed(closed)] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(closed.agent_id, None, "closed while queued: the visitor gave up waiting");
    let state = given(&[start(), closed_by_visitor.clone()]);
    assert_eq!(Conversation::decide(&state, &closed_by_visitor), Ok(vec![]), "closing twice is a no-op");
    assert_eq!(refusal(&state, &post("late", Author::Visitor, "wait")), "conversation.closed");
    assert_eq!(
        refusal(&state, &command(4, ConversationAction::Rate { score: 6, comment: None })),
        "conversation.invalid_rating"
    );
    let state = given(&[
        start(),
        closed_by_visitor,
        command(4, ConversationAction::Rate { score: 4, comment: Some("quick".into()) }),
    ]);
    assert_eq!(
        refusal(&state, &command(5, ConversationAction::Rate { score: 5, comment: None })),
        "conversation.already_rated"
    );
}

#[test]
fn bad_messages_are_refused() {
    let state = given(&[start()]);
    assert_eq!(refusal(&ConversationState::default(), &post("a", Author::Visitor, "hi")), "conversation.not_found");
    assert_eq!(refusal(&state, &post("", Author::Visitor, "hi")), "conversation.invalid_message");
    assert_eq!(refusal(&state, &post("a", Author::Visitor, "  ")), "conversation.invalid_message");
    assert_eq!(
        refusal(&state, &post("a", Author::Visitor, &"x".repeat(MAX_TEXT_CHARS + 1))),
        "conversation.invalid_message"
    );
    let empty = command(
        1,
        ConversationAction::PostMessage {
            client_id: "e".into(),
            author: Author::Visitor,
            text: None,
            attachment: None,
        },
    );
    assert_eq!(refusal(&state, &empty), "conversation.invalid_message");
}

#[test]
fn every_event_reads_back_from_its_payload() {
    let events: Vec<ConversationEvent> =
        [start(), post("a", Author::Visitor, "hi"), assign(AGENT), close_by_agent(AGENT, Some("solved"))]
            .iter()
            .scan(ConversationState::default(), |state, command| {
                let events = Conversation::decide(state, command).unwrap();
                *state = events.iter().fold(state.clone(), Conversation::evolve);
                Some(events)
            })
            .flatten()
            .collect();
    for event in &events {
        let read = ConversationEvent::from_stored(event.event_type(), 1, &event.to_payload()).unwrap();
        assert_eq!(&read, event);
    }
}
