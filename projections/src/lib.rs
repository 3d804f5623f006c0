//! `hotline-projections`: the read side of Hotline, built from the event log.
//!
//! Owns the projection runner (one task per projection, following the log from its
//! checkpoint, each batch committed together with the checkpoint in one transaction), the
//! rebuild that replays a projection into fresh tables and swaps them in, and the read
//! models with the queries the API runs on them. Read models live in an `sqlx::AnyPool`:
//! SQLite (`readmodels.db` beside the event store) in the embedded mode, PostgreSQL in the
//! distributed one, so all SQL here runs on both.
//!
//! What it must not do: make business decisions (those are the deciders' in
//! `hotline-domain`), or change a read model other than by applying events. Anything in a
//! read model can be dropped and rebuilt from the log at any time.
//!
//! Layout:
//! - [`runner`]: the `Projection` trait, `ProjectionRunner` and its `RunnerHandle` (status,
//!   lag metrics, read-your-writes waits, shutdown), checkpoints and `rebuild`.
//! - [`identity`]: the `tenants` and `users` read models and their queries.
//! - [`access`]: the `roles` read model.
//! - [`organisation`]: `org_units` (with paths for subtree queries) and its queries.
//! - [`dictionary`]: `dictionaries` and `dictionary_entries` and their queries.
//! - [`tenant_settings`]: what the web app's header and footer show of a tenant.
//! - [`tenant_usage`]: per-tenant counters for billing (seats, minutes, messages).
//! - [`conversations`]: `conversations` and `conversation_messages` (chat and messaging
//!   contacts), the agent desk's and the screen pop's queries on them.
//! - [`customers`]: `customers` (profiles opened with the customers' own keys, forgettable),
//!   `customer_values` (one row per field, for queries), `customer_field_types` and
//!   `customer_saved_queries`, and the customer pages', duplicates' and screen pop's queries.
//! - [`knowledge`]: `kb_articles`, `kb_favourites`, `kb_pushes`, `kb_gaps` and `kb_gap_users`:
//!   the knowledge base's articles, readers' favourites and inboxes, and knowledge to add.
//! - [`knowledge_index`]: the knowledge search index, fed from the log with its own
//!   checkpoint in the index's commits.
//! - [`queue_stats`]: per queue and UTC day, the ACD's queued, answered (in and outside the
//!   service level target) and abandoned counts, for the supervisor's live view.
//! - [`calls`]: `calls`, one row per voice call (its state, agent, times, durations and
//!   recording, the caller's number still sealed), for call records and the softphone bar.
//! - [`telephony`]: `telephony_extensions`, `telephony_trunks` and `telephony_access_numbers`:
//!   the tenant's telephony directory, for its administration page and the SIP server's
//!   lookups (an extension by number or user, every trunk's peers, an access number's queue).
//! - [`tickets`]: `ticket_types`, `ticket_type_versions`, `tickets` and `ticket_tasks`: the
//!   ticket types as designed and published, the tickets, and the open tasks the to-do lists
//!   query.

pub mod access;
pub mod calls;
pub mod conversations;
pub mod customers;
pub mod dictionary;
pub mod identity;
pub mod kafka;
pub mod knowledge;
pub mod knowledge_index;
pub mod mail_addresses;
pub mod organisation;
pub mod queue_stats;
mod rows;
pub mod runner;
mod saved_queries;
pub mod telephony;
pub mod tenant_settings;
pub mod tenant_usage;
pub mod tickets;

use std::sync::Arc;

use hotline_infra::keys::SubjectKeys;

pub use conversations::{
    ConversationFilter, ConversationStatus, ConversationView, ConversationsProjection, MessageView, Party,
    customer_history, get_conversation, list_conversations, list_messages, open_conversations_of_agent,
};
pub use customers::{
    CustomerView, CustomersProjection, DuplicateKeys, MAX_CUSTOMERS_PER_PAGE, customers_by_phone_or_email,
    duplicate_keys, duplicates, find_customers, get_customer, get_saved_query, id_card_key, list_saved_queries,
    phone_key,
};
pub use dictionary::{DictionariesProjection, DictionaryView, get_dictionary, list_dictionaries};
pub use identity::{
    MAX_PAGE_SIZE, TenantView, TenantsProjection, UserFilter, UserView, UsersProjection, count_users, get_tenant,
    get_user, list_tenants, list_users, search_users,
};
pub use organisation::{OrgUnitView, OrgUnitsProjection, get_org_unit, list_org_units, units_at_and_below};
pub use queue_stats::{QueueDayStats, QueueStatsProjection, SERVICE_LEVEL_TARGET_SECONDS, queue_stats_for_day};
pub use runner::{
    Projection, ProjectionError, ProjectionResult, ProjectionRunner, ProjectionStatus, RebuildReport, RunnerHandle,
    checkpoint, prepare_read_models, rebuild,
};
pub use telephony::{
    AccessNumberRoute, AccessNumberView, ExtensionLogin, ExtensionView, MusicView, QueueMusicView, TelephonyProjection,
    TrunkPeer, TrunkView, access_number_route, all_trunks, extension_for_login, extension_of_user, list_music,
    list_queue_music, queue_music,
};
pub use tenant_settings::{TenantSettingsProjection, TenantSettingsView, get_tenant_settings};
pub use tenant_usage::{TenantUsageProjection, TenantUsageView, get_tenant_usage};

/// The names of [`all_projections`], in start order (for listing them without the keys).
pub const PROJECTION_NAMES: [&str; 15] = [
    "tenants",
    "users",
    "roles",
    "org_units",
    "dictionaries",
    "tenant_settings",
    "tenant_usage",
    "conversations",
    "queue_stats",
    "customers",
    "knowledge",
    "telephony",
    "calls",
    "tickets",
    "mail_addresses",
];

/// Every projection this build runs, in start order. `keys` opens the customers' sealed
/// profiles: pass the process's one [`SubjectKeys`], so that a key destroyed through it is
/// dropped from the cache the projections read.
pub fn all_projections(keys: SubjectKeys) -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(TenantsProjection),
        Arc::new(UsersProjection),
        Arc::new(access::RolesProjection),
        Arc::new(OrgUnitsProjection),
        Arc::new(DictionariesProjection),
        Arc::new(TenantSettingsProjection),
        Arc::new(TenantUsageProjection),
        Arc::new(ConversationsProjection),
        Arc::new(QueueStatsProjection),
        Arc::new(CustomersProjection::new(keys)),
        Arc::new(knowledge::KnowledgeProjection),
        Arc::new(TelephonyProjection),
        Arc::new(calls::CallsProjection),
        Arc::new(tickets::TicketsProjection),
        Arc::new(mail_addresses::MailAddressesProjection),
    ]
}

/// The projection with this name (`hotline replay <name>`).
pub fn projection_by_name(name: &str, keys: SubjectKeys) -> Option<Arc<dyn Projection>> {
    all_projections(keys).into_iter().find(|projection| projection.name() == name)
}
