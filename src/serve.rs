//! `hotline serve`: opens the database, starts the projections, and serves HTTP.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use chrono::Utc;
use hotline_command_api::chat::{self, ChatService};
use hotline_command_api::customers::CustomerService;
use hotline_command_api::identity::NewUser;
use hotline_command_api::knowledge::{self, KnowledgeService};
use hotline_command_api::live::LiveHub;
use hotline_command_api::tickets::services::ServiceCaller;
use hotline_command_api::{Dispatcher, IdentityService, TokenSigner};
use hotline_domain::access::BuiltInRole;
use hotline_infra::database::{self, DatabaseLocation};
use hotline_infra::kafka::KafkaSettings;
use hotline_infra::kafka::relay::{self, Lease};
use hotline_infra::keys::SubjectKeys;
use hotline_infra::secrets::SecretStore;
use hotline_projections::{ProjectionRunner, RunnerHandle};
use tower_http::services::{ServeDir, ServeFile};
use uuid::Uuid;

/// `--sip-listen`, `--smtp-listen`: an address to listen on, or `off`.
#[derive(Debug, Clone, Copy)]
pub struct ListenAddress(pub Option<SocketAddr>);

impl std::str::FromStr for ListenAddress {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("off") {
            return Ok(Self(None));
        }
        text.parse()
            .map(|address| Self(Some(address)))
            .map_err(|_| format!("{text:?} is neither an address such as 0.0.0.0:5060 nor `off`"))
    }
}

#[derive(clap::Args)]
pub struct ServeOptions {
    /// Address to listen on (port 0 picks a free port; the chosen one is printed).
    #[arg(long, env = "HOTLINE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Largest event payload a command may produce, in bytes.
    #[arg(long, env = "HOTLINE_MAX_PAYLOAD_BYTES", default_value_t = hotline_command_api::dispatcher::DEFAULT_MAX_PAYLOAD_BYTES)]
    max_payload_bytes: usize,
    /// Do not create the demo tenant.
    #[arg(long, env = "HOTLINE_NO_DEMO")]
    no_demo: bool,
    /// Folder of the built web app (`npm --prefix ui run build`), served at `/`.
    #[arg(long, env = "HOTLINE_WEB_ROOT", default_value = "ui/dist")]
    web_root: PathBuf,
    /// What this node does. Anything but `all` needs the distributed mode (PostgreSQL in
    /// HOTLINE_DATABASE_URL and Kafka in HOTLINE_KAFKA_BROKERS).
    #[arg(long, env = "HOTLINE_ROLE", value_enum, default_value_t = Role::All)]
    role: Role,
    /// SIP for desk phones and trunks: UDP and TCP on this address (port 0 picks a free
    /// one, printed at start); `off` turns SIP off. 0.0.0.0:5060 lets phones on the LAN in.
    #[arg(long, env = "HOTLINE_SIP_LISTEN", default_value = "127.0.0.1:5060")]
    sip_listen: ListenAddress,
    /// The address calls' media (RTP) binds to and announces in SDP; by default the SIP
    /// address (which must then not be 0.0.0.0 or ::).
    #[arg(long, env = "HOTLINE_RTP_ADDRESS")]
    rtp_address: Option<std::net::IpAddr>,
    /// The UDP ports calls' media may use, FIRST-LAST (two per bridged call).
    #[arg(long, env = "HOTLINE_RTP_PORTS", default_value = "20000-29999")]
    rtp_ports: crate::sip::PortRange,
    /// The SMTP relay ticket reminders go out through: `smtp://host:25`,
    /// `smtp://host:587?tls=required` (STARTTLS) or `smtps://user:password@host:465`. Without
    /// one, mail is queued and not sent.
    #[arg(long, env = "HOTLINE_SMTP_RELAY", hide_env_values = true)]
    smtp_relay: Option<String>,
    /// Where the SMTP listener for replies to tickets listens (port 0 picks a free one,
    /// printed at start); `off` turns it off. Point the support address's mail here.
    #[arg(long, env = "HOTLINE_SMTP_LISTEN", default_value = "127.0.0.1:2525")]
    smtp_listen: ListenAddress,
    /// The name the SMTP listener greets with.
    #[arg(long, env = "HOTLINE_SMTP_HOSTNAME", default_value = "hotline")]
    smtp_hostname: String,
    /// The web app's address as people outside reach it (`https://desk.example.com`), for
    /// links in mail (outside collaborators' links); by default the address listened on.
    #[arg(long, env = "HOTLINE_PUBLIC_URL")]
    public_url: Option<String>,
    /// The Kafka consumer group of the projector nodes.
    #[arg(long, env = "HOTLINE_KAFKA_GROUP", default_value = hotline_projections::kafka::DEFAULT_GROUP)]
    kafka_group: String,
}

/// The parts of Hotline a node runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Role {
    /// The web app, GraphQL and REST, and the processes behind them.
    Api,
    /// The projections, as members of a Kafka consumer group.
    Projector,
    /// Publishes the log to Kafka (one node at a time holds the lease).
    Relay,
    /// All of the above.
    All,
}

impl Role {
    fn runs(self, part: Role) -> bool {
        self == Role::All || self == part
    }
}

const DEMO_TENANT: &str = "demo";
const DEMO_ADMIN: &str = "admin";
/// Where the demo administrator's generated password is kept, so it can be shown again.
const DEMO_PASSWORD_ID: Uuid = Uuid::from_u128(0x686f_746c_696e_6500_0000_0000_0000_0002);

pub async fn run(data_dir: &Path, options: ServeOptions) -> anyhow::Result<ExitCode> {
    let location = DatabaseLocation::from_env_or(data_dir);
    let kafka = KafkaSettings::from_env().map_err(|message| anyhow::anyhow!(message))?;
    let distributed = matches!(location, DatabaseLocation::Postgres { .. }) && kafka.is_some();
    if options.role != Role::All && !distributed {
        anyhow::bail!(
            "--role {:?} needs the distributed mode: a PostgreSQL URL in HOTLINE_DATABASE_URL and brokers in HOTLINE_KAFKA_BROKERS",
            options.role
        );
    }
    let database = database::open(&location).await.context("opening the database")?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut background = Vec::new();
    if let Some(settings) = kafka.clone().filter(|_| options.role.runs(Role::Relay)) {
        let lease = match &location {
            DatabaseLocation::Postgres { url } => Lease::PostgresAdvisoryLock { url: url.clone() },
            DatabaseLocation::Embedded { .. } => Lease::Exclusive,
        };
        let (_progress, task) =
            relay::start(database.events.clone(), database.checkpoints.clone(), settings, lease, stopped.clone());
        background.push(task);
    }
    // The customers' keys: one instance for the process, so that a key destroyed through it
    // is gone from the cache the projections open profiles with.
    let keys = SubjectKeys::new(database.secrets.clone());
    hotline_projections::prepare_read_models(
        &database.read_models,
        &hotline_projections::all_projections(keys.clone()),
    )
    .await
    .context("migrating the read models")?;
    let projections = match &kafka {
        Some(settings) if distributed => {
            if options.role.runs(Role::Projector) {
                background.push(hotline_projections::kafka::start(
                    settings.clone(),
                    options.kafka_group.clone(),
                    database.read_models.clone(),
                    hotline_projections::all_projections(keys.clone()),
                    stopped.clone(),
                ));
            }
            ProjectionRunner::follow_distributed(
                database.events.clone(),
                database.read_models.clone(),
                hotline_projections::all_projections(keys.clone()),
            )
        }
        _ => ProjectionRunner::start(
            database.events.clone(),
            database.read_models.clone(),
            hotline_projections::all_projections(keys.clone()),
        ),
    };
    if !options.role.runs(Role::Api) {
        return serve_worker(options, projections, stop, background).await;
    }
    let dispatcher = Arc::new(Dispatcher::new(database.events.clone(), options.max_payload_bytes));
    let signer = TokenSigner::load_or_create(database.secrets.as_ref()).await?;
    let identity = IdentityService::new(dispatcher.clone(), database.secrets.clone(), signer.clone());
    // Bound before the background processes start, so that mail can link to the address.
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("listening on {}", options.listen))?;
    let address = listener.local_addr()?;
    let public_url = options.public_url.clone().unwrap_or_else(|| format!("http://{address}"));
    let hub = LiveHub::start(database.events.clone()).await.context("following the log")?;
    let chat = ChatService::new(dispatcher.clone(), hub, database.blobs.clone(), signer);
    let customers = CustomerService::new(dispatcher.clone(), keys.clone());
    // Outgoing webhooks and tickets' service calls; the retry schedule and timeout can be
    // shortened (tests) by env vars, and an on-premise install lets them reach its LAN.
    let webhook_config = hotline_command_api::webhooks::DeliveryConfig::from_values(
        std::env::var("HOTLINE_WEBHOOK_RETRY_SCHEDULE_MS").ok().as_deref(),
        std::env::var("HOTLINE_WEBHOOK_TIMEOUT_MS").ok().as_deref(),
        std::env::var("HOTLINE_WEBHOOK_ALLOWED_NETWORKS").ok().as_deref(),
    )
    .map_err(|error| anyhow::anyhow!(error))?;
    let webhooks = hotline_command_api::webhooks::WebhookService::open(
        dispatcher.clone(),
        database.secrets.clone(),
        database.read_models.clone(),
        webhook_config.clone(),
    )
    .await
    .context("opening the webhook deliveries")?;
    let knowledge = KnowledgeService::new(dispatcher.clone(), database.blobs.clone());
    let index_dir = data_dir.join("index").join("knowledge");
    let knowledge_index = hotline_projections::knowledge_index::open_index(&index_dir, &database.events)
        .await
        .map_err(|error| anyhow::anyhow!("opening the knowledge index in {}: {error}", index_dir.display()))?;
    let (knowledge_index, _indexer) = hotline_projections::knowledge_index::KnowledgeIndexer::start(
        knowledge_index,
        database.events.clone(),
        database.blobs.clone(),
    );
    let demo_password =
        if options.no_demo { None } else { Some(bootstrap_demo(&identity, &chat, database.secrets.as_ref()).await?) };
    chat::reactions::start_background(chat.clone(), database.checkpoints.clone());
    let tickets =
        hotline_command_api::TicketService::new(dispatcher.clone(), database.secrets.clone(), database.blobs.clone());
    let service_caller = ServiceCaller::open(tickets.clone(), database.read_models.clone(), webhook_config, Utc::now)
        .await
        .map_err(|error| anyhow::anyhow!("opening the ticket service calls: {}", error.message))?;
    crate::ticket_timers::start(tickets.clone(), service_caller, database.read_models.clone(), Utc::now);
    let outbox = hotline_infra::mail::outbox::Outbox::open(database.read_models.clone())
        .await
        .context("opening the mail outbox")?;
    let mail_parts = crate::mail::MailParts {
        store: database.events.clone(),
        read_models: database.read_models.clone(),
        projections: projections.clone(),
        tickets: tickets.clone(),
        checkpoints: database.checkpoints.clone(),
        outbox: outbox.clone(),
        signer: identity.signer().clone(),
        public_url,
        clock: Utc::now,
    };
    let smtp_address =
        crate::mail::start(mail_parts, options.smtp_relay.as_deref(), options.smtp_listen, &options.smtp_hostname)
            .await?;
    webhooks.start_delivery(database.checkpoints.clone());

    let sip = match options.sip_listen.0 {
        Some(address) => {
            let rtp_ip = options.rtp_address.unwrap_or(address.ip());
            if rtp_ip.is_unspecified() {
                anyhow::bail!(
                    "SIP listens on {address}: set HOTLINE_RTP_ADDRESS (--rtp-address) to the address phones and trunks reach for media"
                );
            }
            let settings = hotline_media::SipSettings {
                udp: Some(address),
                tcp: Some(address),
                rtp_ip,
                rtp_ports: options.rtp_ports.0.clone(),
            };
            let switchboard = Arc::new(crate::sip::HotlineSwitchboard {
                read_models: database.read_models.clone(),
                dispatcher: dispatcher.clone(),
                chat: chat.clone(),
                keys: keys.clone(),
                recordings: spooling_recordings(&database, &keys, data_dir)?,
                blobs: database.blobs.clone(),
                music: Default::default(),
                spools: Default::default(),
            });
            Some(start_sip(settings, &database, switchboard).await?)
        }
        None => None,
    };
    let phones: Arc<dyn hotline_graphql::RegisteredPhones> = match &sip {
        Some(server) => Arc::new(crate::sip::Phones {
            phones: server.registrations().clone(),
            trunks: server.trunk_registrations().clone(),
        }),
        None => Arc::new(hotline_graphql::NoPhones),
    };
    let call_control: Arc<dyn hotline_graphql::CallControl> = match &sip {
        Some(server) => {
            Arc::new(crate::sip::Calls { director: server.director().clone(), dialer: server.dialer().clone() })
        }
        None => Arc::new(hotline_graphql::NoCalls),
    };
    let graphql_state = hotline_graphql::GraphqlState {
        identity: identity.clone(),
        read_models: database.read_models.clone(),
        projections: projections.clone(),
        chat: chat.clone(),
        customers,
        tickets: tickets.clone(),
        knowledge: knowledge.clone(),
        knowledge_index,
        webhooks,
        phones,
        call_control,
        blobs: database.blobs.clone(),
        outbox,
    };
    let app = Router::new()
        .route("/metrics", get(metrics).with_state(projections.clone()))
        .merge(hotline_command_api::rest::router(identity.clone()))
        .merge(chat::http::router(chat.clone(), identity.clone()))
        .merge(knowledge::http::router(knowledge, identity.clone()))
        .merge(hotline_graphql::customers::files_router(graphql_state.clone()))
        .merge(hotline_graphql::audit_http::router(graphql_state.clone()))
        .merge(hotline_graphql::calls::recordings_router(
            graphql_state.clone(),
            hotline_infra::recordings::RecordingStore::new(database.blobs.clone(), keys.clone()),
            |tracks| hotline_media::relay::to_wav(&tracks.caller, &tracks.agent),
        ))
        .merge(hotline_graphql::music::router(
            graphql_state.clone(),
            hotline_graphql::music::MusicCodec {
                decode: |file| hotline_media::music::decode_wav(file).map_err(|refused| refused.0),
                to_wav: hotline_media::music::to_wav,
            },
        ))
        .merge(hotline_graphql::ticket_links::router(graphql_state.clone()))
        .merge(hotline_graphql::ticket_export::router(graphql_state.clone()))
        .merge(hotline_graphql::ticket_fields::router(graphql_state.clone()))
        .merge(hotline_graphql::router(graphql_state))
        .merge(web_app(&options.web_root))
        .layer(tower_http::trace::TraceLayer::new_for_http());

    println!(
        "hotline: listening on http://{address} ({})",
        match location {
            DatabaseLocation::Embedded { ref data_dir } => format!("embedded, data in {}", data_dir.display()),
            DatabaseLocation::Postgres { .. } => "PostgreSQL".to_owned(),
        }
    );
    println!("hotline: GraphQL (with GraphiQL) at http://{address}/graphql");
    if let Some(smtp_address) = smtp_address {
        println!("hotline: SMTP for replies to tickets on {smtp_address}");
    }
    if let Some(password) = demo_password {
        println!(
            "hotline: demo log-in: tenant {DEMO_TENANT:?}, user {DEMO_ADMIN:?} (also supervisor, agent1, agent2), password {password:?}"
        );
    }
    println!("hotline: ready");
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    stop_background(&projections, stop, background).await;
    Ok(ExitCode::SUCCESS)
}

/// The recording store of the SIP server's calls: recordings in progress are spooled, sealed,
/// under the data directory; the spools of calls a previous process was cut off from are
/// deleted first (those calls ended with it).
fn spooling_recordings(
    database: &database::Database,
    keys: &SubjectKeys,
    data_dir: &Path,
) -> anyhow::Result<hotline_infra::recordings::RecordingStore> {
    let spool_dir = data_dir.join("recordings-spool");
    let recordings = hotline_infra::recordings::RecordingStore::new(database.blobs.clone(), keys.clone())
        .with_spool_dir(spool_dir.clone())
        .with_context(|| format!("creating the recordings' spool folder {}", spool_dir.display()))?;
    let swept = recordings.sweep_spools().with_context(|| format!("sweeping {}", spool_dir.display()))?;
    if swept > 0 {
        tracing::warn!(swept, "deleted the recording spools of calls cut off by the last stop");
    }
    Ok(recordings)
}

/// The SIP server on UDP and TCP at one address; with port 0, TCP takes the port UDP got.
async fn start_sip(
    mut settings: hotline_media::SipSettings,
    database: &database::Database,
    switchboard: Arc<crate::sip::HotlineSwitchboard>,
) -> anyhow::Result<hotline_media::SipServer> {
    let requested = settings.udp.expect("SIP listens on UDP");
    // Port 0: a port free for UDP and TCP alike (a free UDP port may be taken for TCP).
    let attempts = if requested.port() == 0 { 20 } else { 1 };
    let mut address = requested;
    for attempt in 1..=attempts {
        let udp = std::net::UdpSocket::bind(requested).with_context(|| format!("SIP: listening on udp {requested}"))?;
        address = udp.local_addr()?;
        drop(udp);
        match std::net::TcpListener::bind(address) {
            Ok(_) => break,
            Err(_) if attempt < attempts => continue,
            Err(error) => return Err(error).with_context(|| format!("SIP: listening on tcp {address}")),
        }
    }
    settings.udp = Some(address);
    settings.tcp = Some(address);
    let directory = Arc::new(crate::sip::ReadModelDirectory {
        read_models: database.read_models.clone(),
        secrets: database.secrets.clone(),
    });
    let server = hotline_media::SipServer::start(&settings, directory, switchboard).await.context("starting SIP")?;
    crate::sip::follow_acd(database.events.clone(), server.director().clone()).await?;
    println!("hotline: SIP on udp and tcp {address}");
    Ok(server)
}

/// A node without the API (a projector or a relay): only health and metrics over HTTP.
async fn serve_worker(
    options: ServeOptions,
    projections: RunnerHandle,
    stop: tokio::sync::watch::Sender<bool>,
    background: Vec<tokio::task::JoinHandle<()>>,
) -> anyhow::Result<ExitCode> {
    let app = Router::new()
        .route("/metrics", get(metrics).with_state(projections.clone()))
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("listening on {}", options.listen))?;
    println!("hotline: listening on http://{} ({:?} node: health and metrics)", listener.local_addr()?, options.role);
    println!("hotline: ready");
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    stop_background(&projections, stop, background).await;
    Ok(ExitCode::SUCCESS)
}

/// Stops the relay and the projector after their current batch, then the local projections.
async fn stop_background(
    projections: &RunnerHandle,
    stop: tokio::sync::watch::Sender<bool>,
    background: Vec<tokio::task::JoinHandle<()>>,
) {
    stop.send_replace(true);
    for task in background {
        if let Err(error) = task.await {
            tracing::error!(%error, "a background task panicked");
        }
    }
    projections.shutdown().await;
}

/// The demo tenant with an administrator, a supervisor and two agents, created on first
/// start with one random password that is kept in the secret store so that every start can
/// print it.
async fn bootstrap_demo(
    identity: &IdentityService,
    chat: &ChatService,
    secrets: &dyn SecretStore,
) -> anyhow::Result<String> {
    let password = match secrets.get(Uuid::nil(), DEMO_PASSWORD_ID).await? {
        Some(password) => password,
        None => {
            let password: String = Uuid::now_v7().simple().to_string().chars().rev().take(16).collect();
            secrets.put(Uuid::nil(), DEMO_PASSWORD_ID, &password).await?;
            password
        }
    };
    let user = |username: &str, display_name: &str, roles: &[BuiltInRole]| NewUser {
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        password: password.clone(),
        role_ids: roles.iter().map(|role| role.id()).collect(),
        org_unit_id: None,
        email: Some(format!("{username}@demo.example")),
    };
    let users = vec![
        user(DEMO_ADMIN, "Demo administrator", &[BuiltInRole::Administrator, BuiltInRole::PlatformAdministrator]),
        user("supervisor", "Demo supervisor", &[BuiltInRole::Supervisor]),
        user("agent1", "Demo agent one", &[BuiltInRole::Agent]),
        user("agent2", "Demo agent two", &[BuiltInRole::Agent]),
    ];
    identity.bootstrap_tenant(DEMO_TENANT, "Demo Contact Centre", users, Utc::now()).await?;
    let tenant_id = hotline_domain::identity::tenant_id_for_slug(DEMO_TENANT);
    let agents: Vec<Uuid> = ["agent1", "agent2"]
        .iter()
        .map(|name| hotline_domain::identity::user_id_for_username(tenant_id, name))
        .collect();
    chat.bootstrap_routing(tenant_id, "General", &agents, Utc::now()).await?;
    Ok(password)
}

/// The web app at `/`: its files from `web_root`, and `index.html` for any other path that
/// is not the server's own, so the app's addresses survive a reload. Without a built app,
/// `/` says how to build it.
fn web_app(web_root: &Path) -> Router {
    let index = web_root.join("index.html");
    if !index.is_file() {
        tracing::warn!(web_root = %web_root.display(), "the web app is not built; serving a notice at /");
        return Router::new().route("/", get(web_app_not_built));
    }
    let files = ServeDir::new(web_root).fallback(ServeFile::new(index));
    // The chat's full-page (H5) variant for mobile apps, beside the widget's script.
    let h5_page = ServeFile::new(web_root.join("widget").join("h5.html"));
    Router::new().route_service("/chat/h5", h5_page).fallback(move |request: Request| {
        let mut files = files.clone();
        async move {
            let path = request.uri().path().to_owned();
            let is_server_path = ["/api", "/graphql", "/chat", "/health", "/ready", "/metrics"]
                .iter()
                .any(|prefix| path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')));
            if is_server_path {
                return StatusCode::NOT_FOUND.into_response();
            }
            let mut response = match files.try_call(request).await {
                Ok(response) => response.into_response(),
                Err(error) => {
                    tracing::error!(%error, "reading the web app's files");
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
            };
            // Bundles have content hashes in their names; index.html must be fetched afresh.
            let cache = if path.starts_with("/assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            response
        }
    })
}

async fn web_app_not_built() -> Html<&'static str> {
    Html(include_str!("index.html"))
}

async fn metrics(State(projections): State<RunnerHandle>) -> impl IntoResponse {
    let text = projections.prometheus_text()
        + &hotline_projections::kafka::prometheus_text()
        + &hotline_media::metrics::prometheus_text();
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing a SIGTERM handler");
    tokio::select! {
        _ = interrupt => {}
        _ = terminate.recv() => {}
    }
    tracing::info!("shutting down");
}
