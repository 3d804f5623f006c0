//! The `conversations` read model: a conversation's lifecycle read back through the queries,
//! the ACD moving its queue, the screen pop's contact history, tenant isolation, and
//! idempotence (a range applied twice, or a rebuild, gives the same rows).

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use common::{
    Backend, TIME_LIMIT, TestEnv, append, apply_again, create_tenant, decide_and_append, dump_table, new_events,
};
use hotline_domain::ExpectedVersion;
use hotline_domain::acd::{
    self, AcdEvent, Channel, ContactOverflowed, ContactQueued, ContactTransferred, TransferTarget,
};
use hotline_domain::conversation::{
    Attachment, Author, ClosedBy, Conversation, ConversationAction, ConversationCommand, Visitor,
};
use hotline_infra::store::{Scope, SharedEventStore};
use hotline_projections::{
    ConversationFilter, ConversationStatus, ConversationView, ConversationsProjection, Party, Projection,
    ProjectionRunner, RunnerHandle, TenantUsageProjection, all_projections, customer_history, get_conversation,
    get_tenant_usage, list_conversations, list_messages, open_conversations_of_agent, rebuild,
};
use uuid::Uuid;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-03-01T08:00:00Z").expect("a time").with_timezone(&Utc)
        + Duration::seconds(seconds)
}

fn id(number: u128) -> Uuid {
    Uuid::from_u128(number)
}

const Q1: u128 = 0x9001;
const Q2: u128 = 0x9002;
const Q3: u128 = 0x9003;
const A1: u128 = 0xa001;
const A2: u128 = 0xa002;
const V1: u128 = 0xb001;
const C1: u128 = 0xc001;
const C2: u128 = 0xc002;
const C3: u128 = 0xc003;

async fn converse(
    store: &SharedEventStore,
    tenant_id: Uuid,
    conversation: u128,
    seconds: i64,
    action: ConversationAction,
) -> u64 {
    let command = ConversationCommand { tenant_id, conversation_id: id(conversation), at: at(seconds), action };
    decide_and_append::<Conversation>(store, tenant_id, command).await
}

fn visitor(visitor: u128, email: Option<&str>, phone: Option<&str>) -> Visitor {
    Visitor {
        visitor_id: id(visitor),
        name: Some(format!("Visitor {visitor:x}")),
        email: email.map(str::to_owned),
        phone: phone.map(str::to_owned),
        language: Some("zh-CN".into()),
    }
}

async fn start(store: &SharedEventStore, tenant_id: Uuid, conversation: u128, seconds: i64, visitor: Visitor) -> u64 {
    let action = ConversationAction::Start { channel: Channel::Chat, queue_id: id(Q1), visitor, priority: 0 };
    converse(store, tenant_id, conversation, seconds, action).await
}

fn post(client_id: &str, author: Author, text: Option<&str>, attachment: Option<Attachment>) -> ConversationAction {
    ConversationAction::PostMessage { client_id: client_id.into(), author, text: text.map(str::to_owned), attachment }
}

fn invoice() -> Attachment {
    Attachment {
        attachment_id: id(0xf001),
        name: "invoice.pdf".into(),
        content_type: "application/pdf".into(),
        size: 48_213,
    }
}

/// Appends the ACD's events to the tenant's routing stream; returns the last position.
async fn append_acd(store: &SharedEventStore, tenant_id: Uuid, events: &[AcdEvent]) -> u64 {
    append(store, tenant_id, acd::stream_id(tenant_id), ExpectedVersion::Any, new_events(events)).await
}

fn acd_transferred(contact: u128, from_agent: u128, queue: u128, seconds: i64) -> AcdEvent {
    AcdEvent::ContactTransferred(ContactTransferred {
        contact_id: id(contact),
        from_agent_id: id(from_agent),
        to: TransferTarget::Queue { queue_id: id(queue) },
        queue_id: id(queue),
        reserved_for: None,
        reserved_until: None,
        overflow_at: None,
        overflow_to_queue_id: None,
        at: at(seconds),
    })
}

fn acd_queued(contact: u128, queue: u128, seconds: i64) -> AcdEvent {
    AcdEvent::ContactQueued(ContactQueued {
        contact_id: id(contact),
        channel: Channel::Chat,
        queue_id: id(queue),
        priority: 0,
        customer_key: None,
        reserved_for: None,
        reserved_until: None,
        overflow_at: Some(at(seconds + 30)),
        overflow_to_queue_id: Some(id(Q3)),
        at: at(seconds),
    })
}

fn acd_overflowed(contact: u128, from: u128, to: u128, seconds: i64) -> AcdEvent {
    AcdEvent::ContactOverflowed(ContactOverflowed {
        contact_id: id(contact),
        from_queue_id: id(from),
        to_queue_id: id(to),
        reserved_for: None,
        reserved_until: None,
        overflow_at: None,
        overflow_to_queue_id: None,
        at: at(seconds),
    })
}

async fn started_runner(env: &TestEnv, head: u64) -> RunnerHandle {
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await, "the projections reach position {head}");
    runner
}

fn ids(conversations: &[ConversationView]) -> Vec<Uuid> {
    conversations.iter().map(|conversation| conversation.conversation_id).collect()
}

/// acme: C1 (visitor, agent and file messages, assigned to A1, transferred to Q2, assigned to
/// A2, closed and rated) and C2 (waiting, overflowed by the ACD to Q3); globex: C3, the same
/// visitor id assigned to the same agent id. Returns the tenants and the head.
async fn write_conversations(store: &SharedEventStore) -> (Uuid, Uuid, u64) {
    let (acme, _) = create_tenant(store, "acme").await;
    let (globex, _) = create_tenant(store, "globex").await;
    let ann = visitor(V1, Some("ann@example.com"), Some("+86 138 0013 8000"));
    start(store, acme, C1, 0, ann.clone()).await;
    converse(store, acme, C1, 1, post("m-1", Author::Visitor, Some("Hello?"), None)).await;
    converse(store, acme, C1, 5, ConversationAction::Assign { agent_id: id(A1) }).await;
    let agent = Author::Agent { agent_id: id(A1) };
    converse(store, acme, C1, 6, post("m-2", agent, Some("Hi Ann, how can I help?"), None)).await;
    converse(store, acme, C1, 7, post("m-3", Author::Visitor, None, Some(invoice()))).await;
    let transfer = ConversationAction::Transfer { agent_id: id(A1), to_queue_id: Some(id(Q2)), to_agent_id: None };
    converse(store, acme, C1, 10, transfer).await;
    append_acd(store, acme, &[acd_transferred(C1, A1, Q2, 10)]).await;
    converse(store, acme, C1, 20, ConversationAction::Assign { agent_id: id(A2) }).await;
    let close =
        ConversationAction::Close { by: ClosedBy::Agent { agent_id: id(A2) }, disposition: Some("resolved".into()) };
    converse(store, acme, C1, 30, close).await;
    converse(store, acme, C1, 31, ConversationAction::Rate { score: 5, comment: Some("Quick and kind".into()) }).await;

    start(store, acme, C2, 40, visitor(0xb002, None, None)).await;
    append_acd(store, acme, &[acd_queued(C2, Q1, 40), acd_overflowed(C2, Q1, Q3, 70)]).await;
    // A call's contact is no conversation: the ACD's moves of it change no row.
    append_acd(store, acme, &[acd_queued(0xca11, Q1, 80), acd_overflowed(0xca11, Q1, Q3, 90)]).await;

    start(store, globex, C3, 50, ann).await;
    let head = converse(store, globex, C3, 55, ConversationAction::Assign { agent_id: id(A2) }).await;
    (acme, globex, head)
}

async fn a_conversations_lifecycle_reads_back_through_the_queries(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let pool = &env.pool;
    let (acme, _) = create_tenant(&env.store, "acme").await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));

    // Step by step, as the desk sees it.
    let ann = visitor(V1, Some("ann@example.com"), Some("+86 138 0013 8000"));
    let position = start(&env.store, acme, C1, 0, ann).await;
    assert!(runner.wait_for(position, TIME_LIMIT).await);
    let queued = get_conversation(pool, acme, id(C1)).await.unwrap().expect("C1 is projected");
    assert_eq!((queued.status, queued.queue_id, queued.agent_id), (ConversationStatus::Queued, id(Q1), None));
    assert_eq!((queued.message_count, queued.last_message_text.as_deref()), (0, None));

    let position = converse(&env.store, acme, C1, 5, ConversationAction::Assign { agent_id: id(A1) }).await;
    assert!(runner.wait_for(position, TIME_LIMIT).await);
    assert_eq!(ids(&open_conversations_of_agent(pool, acme, id(A1)).await.unwrap()), [id(C1)]);
    let transfer = ConversationAction::Transfer { agent_id: id(A1), to_queue_id: Some(id(Q2)), to_agent_id: None };
    let position = converse(&env.store, acme, C1, 10, transfer).await;
    assert!(runner.wait_for(position, TIME_LIMIT).await);
    let transferred = get_conversation(pool, acme, id(C1)).await.unwrap().unwrap();
    assert_eq!(
        (transferred.status, transferred.queue_id, transferred.agent_id),
        (ConversationStatus::Queued, id(Q2), None)
    );
    assert!(open_conversations_of_agent(pool, acme, id(A1)).await.unwrap().is_empty());
    runner.shutdown().await;

    // The whole story, in a fresh environment.
    let env = TestEnv::new(backend).await;
    let pool = &env.pool;
    let (acme, globex, head) = write_conversations(&env.store).await;
    let runner = started_runner(&env, head).await;

    let c1 = get_conversation(pool, acme, id(C1)).await.unwrap().expect("C1 is projected");
    assert_eq!((c1.tenant_id, c1.channel, c1.status), (acme, Channel::Chat, ConversationStatus::Closed));
    assert_eq!((c1.queue_id, c1.agent_id), (id(Q2), Some(id(A2))));
    assert_eq!(
        (c1.visitor_id, c1.visitor_email.as_deref(), c1.visitor_phone.as_deref(), c1.visitor_language.as_deref()),
        (id(V1), Some("ann@example.com"), Some("+86 138 0013 8000"), Some("zh-CN"))
    );
    assert_eq!((c1.started_at, c1.assigned_at, c1.closed_at), (at(0), Some(at(20)), Some(at(30))));
    assert_eq!((c1.closed_by, c1.disposition.as_deref()), (Some(Party::Agent), Some("resolved")));
    assert_eq!((c1.rating_score, c1.rating_comment.as_deref()), (Some(5), Some("Quick and kind")));
    assert_eq!(
        (c1.message_count, c1.last_message_text.as_deref(), c1.last_message_at),
        (3, Some("invoice.pdf"), Some(at(7))),
        "a file message shows its file name"
    );

    let messages = list_messages(pool, acme, id(C1), 0, 10).await.unwrap();
    assert_eq!(messages.iter().map(|message| message.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(
        messages.iter().map(|message| (message.author_kind, message.agent_id)).collect::<Vec<_>>(),
        [(Party::Visitor, None), (Party::Agent, Some(id(A1))), (Party::Visitor, None)]
    );
    assert_eq!(
        (messages[0].client_id.as_str(), messages[0].text.as_deref(), messages[0].attachment.as_ref(), messages[0].at),
        ("m-1", Some("Hello?"), None, at(1))
    );
    assert_eq!((messages[2].text.as_deref(), messages[2].attachment.clone()), (None, Some(invoice())));
    let page = list_messages(pool, acme, id(C1), 1, 1).await.unwrap();
    assert_eq!(page.iter().map(|message| message.seq).collect::<Vec<_>>(), [2]);
    assert!(list_messages(pool, acme, id(C1), 3, 10).await.unwrap().is_empty());

    // The ACD's overflow moved the waiting C2; the call's moves touched nothing.
    let c2 = get_conversation(pool, acme, id(C2)).await.unwrap().expect("C2 is projected");
    assert_eq!((c2.status, c2.queue_id, c2.message_count), (ConversationStatus::Queued, id(Q3), 0));
    assert!(get_conversation(pool, acme, id(0xca11)).await.unwrap().is_none());

    assert!(open_conversations_of_agent(pool, acme, id(A2)).await.unwrap().is_empty(), "C1 is closed");
    assert_eq!(ids(&open_conversations_of_agent(pool, globex, id(A2)).await.unwrap()), [id(C3)]);

    let all = ConversationFilter::default();
    assert_eq!(ids(&list_conversations(pool, acme, &all, 10, 0).await.unwrap()), [id(C2), id(C1)]);
    assert_eq!(ids(&list_conversations(pool, acme, &all, 1, 0).await.unwrap()), [id(C2)]);
    assert_eq!(ids(&list_conversations(pool, acme, &all, 10, 1).await.unwrap()), [id(C1)]);
    let closed = ConversationFilter { status: Some(ConversationStatus::Closed), ..ConversationFilter::default() };
    assert_eq!(ids(&list_conversations(pool, acme, &closed, 10, 0).await.unwrap()), [id(C1)]);
    let in_q3 = ConversationFilter { queue_id: Some(id(Q3)), ..ConversationFilter::default() };
    assert_eq!(ids(&list_conversations(pool, acme, &in_q3, 10, 0).await.unwrap()), [id(C2)]);
    let of_a2 = ConversationFilter { agent_id: Some(id(A2)), ..ConversationFilter::default() };
    assert_eq!(ids(&list_conversations(pool, acme, &of_a2, 10, 0).await.unwrap()), [id(C1)]);
    let queued_in_q1 =
        ConversationFilter { status: Some(ConversationStatus::Queued), queue_id: Some(id(Q1)), agent_id: None };
    assert!(list_conversations(pool, acme, &queued_in_q1, 10, 0).await.unwrap().is_empty());

    // Another tenant's rows are never returned, not even by id.
    assert!(get_conversation(pool, globex, id(C1)).await.unwrap().is_none());
    assert!(get_conversation(pool, acme, id(C3)).await.unwrap().is_none());
    assert!(list_messages(pool, globex, id(C1), 0, 10).await.unwrap().is_empty());
    assert_eq!(ids(&list_conversations(pool, globex, &all, 10, 0).await.unwrap()), [id(C3)]);
    assert_eq!(ids(&list_conversations(pool, globex, &of_a2, 10, 0).await.unwrap()), [id(C3)]);
    assert!(list_conversations(pool, Uuid::now_v7(), &all, 10, 0).await.unwrap().is_empty());
    let phone = Some("+86 138 0013 8000");
    assert_eq!(ids(&customer_history(pool, acme, id(V1), None, phone, None, 10).await.unwrap()), [id(C1)]);
    assert_eq!(ids(&customer_history(pool, globex, id(V1), None, phone, None, 10).await.unwrap()), [id(C3)]);

    // Billing counts the messages.
    assert_eq!(get_tenant_usage(pool, acme).await.unwrap().messages, 3);
    assert_eq!(get_tenant_usage(pool, globex).await.unwrap().messages, 0);
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversations_lifecycle_reads_back_through_the_queries_on_sqlite() {
    a_conversations_lifecycle_reads_back_through_the_queries(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversations_lifecycle_reads_back_through_the_queries_on_postgres() {
    a_conversations_lifecycle_reads_back_through_the_queries(Backend::Postgres).await;
}

async fn customer_history_finds_the_same_customer_on_any_conversation(backend: Backend) {
    const H1: u128 = 0xd001;
    const H2: u128 = 0xd002;
    const H3: u128 = 0xd003;
    const H4: u128 = 0xd004;
    const CURRENT: u128 = 0xd005;
    const G1: u128 = 0xd101;
    let env = TestEnv::new(backend).await;
    let pool = &env.pool;
    let store = &env.store;
    let (acme, _) = create_tenant(store, "acme").await;
    let (globex, _) = create_tenant(store, "globex").await;
    // The same visitor, with nothing typed.
    start(store, acme, H1, 0, visitor(V1, None, None)).await;
    // Another device, the same phone written another way.
    start(store, acme, H2, 100, visitor(0xb002, None, Some("+86 138 0013 8000"))).await;
    // Another device, the same email in other case.
    start(store, acme, H3, 200, visitor(0xb003, Some(" Ann@Example.com"), None)).await;
    // Someone else.
    start(store, acme, H4, 300, visitor(0xb004, Some("other@example.com"), Some("+86 139 9999 9999"))).await;
    start(store, acme, CURRENT, 400, visitor(V1, None, Some("+8613800138000"))).await;
    let head = start(store, globex, G1, 150, visitor(V1, Some("ann@example.com"), Some("+8613800138000"))).await;
    let runner = started_runner(&env, head).await;

    let history = |visitor_id: u128, email: Option<&'static str>, phone: Option<&'static str>, limit: usize| {
        let pool = pool.clone();
        async move {
            ids(&customer_history(&pool, acme, id(visitor_id), email, phone, Some(id(CURRENT)), limit).await.unwrap())
        }
    };
    let phone = Some("+8613800138000");
    assert_eq!(history(V1, None, phone, 10).await, [id(H2), id(H1)], "by visitor id and by phone, newest first");
    assert_eq!(history(V1, Some("ann@example.com"), phone, 10).await, [id(H3), id(H2), id(H1)]);
    assert_eq!(history(V1, Some("ann@example.com"), phone, 2).await, [id(H3), id(H2)]);
    assert_eq!(history(V1, Some("  "), Some(""), 10).await, [id(H1)], "blank details match nobody");
    assert_eq!(history(0xb00f, None, phone, 10).await, [id(H2)], "a phone alone finds the customer");
    assert!(history(0xb00f, None, None, 10).await.is_empty());
    let without_exclusion = customer_history(pool, acme, id(V1), None, phone, None, 10).await.unwrap();
    assert_eq!(ids(&without_exclusion), [id(CURRENT), id(H2), id(H1)]);
    assert!(without_exclusion.iter().all(|conversation| conversation.tenant_id == acme));
    // globex's conversation of the same visitor, email and phone stays globex's.
    assert_eq!(
        ids(&customer_history(pool, globex, id(V1), Some("ann@example.com"), phone, None, 10).await.unwrap()),
        [id(G1)]
    );
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_history_finds_the_same_customer_on_any_conversation_on_sqlite() {
    customer_history_finds_the_same_customer_on_any_conversation(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_history_finds_the_same_customer_on_any_conversation_on_postgres() {
    customer_history_finds_the_same_customer_on_any_conversation(Backend::Postgres).await;
}

const CONVERSATION_COLUMNS: &str = "tenant_id, conversation_id, channel, status, queue_id, agent_id, visitor_id, \
     visitor_name, visitor_email, visitor_phone, visitor_language, email_key, phone_key, started_at, assigned_at, \
     closed_at, closed_by, disposition, rating_score, rating_comment, message_count, last_message_text, \
     last_message_at, position";
const MESSAGE_COLUMNS: &str = "tenant_id, conversation_id, seq, client_id, author_kind, agent_id, text, \
     attachment_id, attachment_name, attachment_content_type, attachment_size, at";

async fn dump_all(env: &TestEnv) -> Vec<Vec<String>> {
    vec![
        dump_table(&env.pool, "conversations", CONVERSATION_COLUMNS, "tenant_id, conversation_id").await,
        dump_table(&env.pool, "conversation_messages", MESSAGE_COLUMNS, "tenant_id, conversation_id, seq").await,
        dump_table(&env.pool, "tenant_usage", "tenant_id, seats, minutes, messages, position", "tenant_id").await,
    ]
}

fn conversation_projections() -> Vec<Arc<dyn Projection>> {
    vec![Arc::new(ConversationsProjection), Arc::new(TenantUsageProjection)]
}

async fn applying_the_log_twice_or_rebuilding_changes_nothing(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let (acme, _, head) = write_conversations(&env.store).await;
    let runner = started_runner(&env, head).await;
    runner.shutdown().await;
    let live = dump_all(&env).await;
    assert_eq!((live[0].len(), live[1].len()), (3, 3), "every conversation and message is projected: {live:?}");

    // The whole log once more in one batch: no message is doubled, no row changes.
    let events = env.store.read_all(Scope::Global, 0, 10_000).await.unwrap();
    apply_again(&env.pool, &conversation_projections(), &events).await;
    assert_eq!(list_messages(&env.pool, acme, id(C1), 0, 10).await.unwrap().len(), 3);
    assert_eq!(get_tenant_usage(&env.pool, acme).await.unwrap().messages, 3);
    assert_eq!(dump_all(&env).await, live, "applying the log again changed a row");

    // Every prefix and every suffix of the log once more.
    let ranges = (1..=events.len()).map(|end| &events[..end]).chain((1..events.len()).map(|start| &events[start..]));
    for range in ranges {
        apply_again(&env.pool, &conversation_projections(), range).await;
        let (first, last) = (range[0].global_position, range[range.len() - 1].global_position);
        assert_eq!(dump_all(&env).await, live, "applying positions {first} to {last} again changed a row");
    }

    // Twice: the second rebuild must find the index names the first one left free.
    for _ in 0..2 {
        for projection in conversation_projections() {
            rebuild(env.store.as_ref(), &env.pool, projection.as_ref(), 0).await.unwrap();
        }
        assert_eq!(dump_all(&env).await, live, "a rebuild differs from the live run");
    }
    let c1 = get_conversation(&env.pool, acme, id(C1)).await.unwrap().expect("C1 is rebuilt");
    assert_eq!((c1.status, c1.message_count), (ConversationStatus::Closed, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_the_log_twice_or_rebuilding_changes_nothing_on_sqlite() {
    applying_the_log_twice_or_rebuilding_changes_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_the_log_twice_or_rebuilding_changes_nothing_on_postgres() {
    applying_the_log_twice_or_rebuilding_changes_nothing(Backend::Postgres).await;
}
