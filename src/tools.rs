//! The command-line tools beside `serve`: migrate, replay and forks, audit verify (of the
//! store or of an export file) and routing, events tail and export, bench.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use futures::StreamExt;
use hotline_domain::identity::tenant_id_for_slug;
use hotline_graphql::audit_http::{ExportBound, export_range, filter_lists};
use hotline_infra::chain::{ChainBreak, ChainVerifier, GENESIS_HASH, event_hash, payload_text, verify_tenant};
use hotline_infra::database::{self, DatabaseLocation};
use hotline_infra::keys::SubjectKeys;
use hotline_infra::store::postgres::PostgresEventStore;
use hotline_infra::store::sqlite::SqliteEventStore;
use hotline_infra::store::{Scope, SharedEventStore, subscribe};
use uuid::Uuid;

pub async fn migrate(data_dir: &Path) -> anyhow::Result<ExitCode> {
    let location = DatabaseLocation::from_env_or(data_dir);
    let database = database::open(&location).await.context("opening the database")?;
    let keys = SubjectKeys::new(database.secrets.clone());
    hotline_projections::prepare_read_models(&database.read_models, &hotline_projections::all_projections(keys))
        .await
        .context("migrating the read models")?;
    println!("the database is up to date ({location:?})");
    Ok(ExitCode::SUCCESS)
}

/// The log alone, for tools that only read it: in embedded mode this does not take the data
/// folder's lock, so it works beside a running server.
async fn open_log(data_dir: &Path) -> anyhow::Result<SharedEventStore> {
    Ok(match DatabaseLocation::from_env_or(data_dir) {
        DatabaseLocation::Embedded { data_dir } => {
            let path = data_dir.join("events.db");
            if !path.exists() {
                bail!(
                    "there is no event log at {}; start `hotline serve` first or set HOTLINE_DATA_DIR",
                    path.display()
                );
            }
            Arc::new(SqliteEventStore::open(&path).await?)
        }
        DatabaseLocation::Postgres { url } => Arc::new(PostgresEventStore::connect(&url).await?),
    })
}

/// A tenant given by id or by slug.
fn tenant_id(text: &str) -> Uuid {
    Uuid::parse_str(text).unwrap_or_else(|_| tenant_id_for_slug(text))
}

pub async fn audit_verify(data_dir: &Path, tenant: Option<String>) -> anyhow::Result<ExitCode> {
    let store = open_log(data_dir).await?;
    let tenants = match tenant {
        Some(text) => vec![tenant_id(&text)],
        None => store.tenants().await?,
    };
    let mut broken = false;
    for tenant_id in tenants {
        let report = verify_tenant(store.as_ref(), tenant_id).await?;
        match report.first_break {
            None => println!("tenant {tenant_id}: {} events, chain intact", report.verified),
            Some(first_break) => {
                broken = true;
                println!(
                    "tenant {tenant_id}: BROKEN at position {} after {} good events: {first_break}",
                    first_break.position(),
                    report.verified
                );
            }
        }
    }
    Ok(if broken { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// What an export holds: positions and recorded times, every bound inclusive, and the
/// events of these types, streams and actors (empty lists: all).
pub struct ExportRange {
    pub from_position: Option<u64>,
    pub to_position: Option<u64>,
    pub from_time: Option<chrono::DateTime<chrono::Utc>>,
    pub to_time: Option<chrono::DateTime<chrono::Utc>>,
    pub event_types: Vec<String>,
    pub stream_ids: Vec<String>,
    pub actors: Vec<String>,
}

/// Writes a tenant's events as CloudEvents JSON lines (with `prevhash` and `hash`).
pub async fn events_export(
    data_dir: &Path,
    tenant: &str,
    range: ExportRange,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let (mut after, mut filter) =
        export_range(range.from_position.map(ExportBound::Position), range.to_position.map(ExportBound::Position))
            .map_err(anyhow::Error::msg)?;
    filter.from_time = range.from_time;
    filter.to_time = range.to_time;
    if let (Some(from), Some(to)) = (range.from_time, range.to_time)
        && from > to
    {
        bail!("--from-time {from} is after --to-time {to}");
    }
    filter_lists(&mut filter, &range.event_types, &range.stream_ids, &range.actors).map_err(anyhow::Error::msg)?;
    let store = open_log(data_dir).await?;
    let tenant_id = tenant_id(tenant);
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut written = 0u64;
    loop {
        let page = store.read_filtered(tenant_id, &filter, after, 1000).await?;
        for event in &page {
            after = event.global_position;
            out.write_all(hotline_schemas::cloudevents::to_json_line(event).as_bytes())?;
        }
        written += page.len() as u64;
        if page.len() < 1000 {
            break;
        }
    }
    out.flush()?;
    if let Some(path) = output {
        println!("tenant {tenant_id}: {written} events written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Where one tenant's chain in an export file starts, and how far it was checked.
struct FileChain {
    verifier: ChainVerifier,
    first_position: u64,
    genesis: bool,
}

/// One tenant's events in a filtered export: each hash checked, links only where they join.
#[derive(Default)]
struct FilteredChain {
    last_hash: Option<String>,
    events: u64,
    links: u64,
    gaps: u64,
}

/// Checks an export offline: every line is one of our CloudEvents, every event's hash
/// recomputes from its attributes, and every `prevhash` is the hash of the tenant's
/// previous event in the file. The first event of a tenant is the anchor (or its genesis
/// when it links to 64 zeros). Names the first line that fails.
///
/// A `filtered` export (by type, stream or actor) leaves events out, so its lines do not
/// form a chain: each event's hash is still checked, a link only where an event's
/// `prevhash` is the hash of the tenant's previous line, and the others are counted as gaps.
pub fn audit_verify_file(path: &Path, filtered: bool) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut chains: HashMap<Uuid, FileChain> = HashMap::new();
    let mut filtered_chains: HashMap<Uuid, FilteredChain> = HashMap::new();
    let mut order: Vec<Uuid> = Vec::new();
    for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
        let number = index + 1;
        let line = match line {
            Ok(line) => line,
            Err(error) => {
                println!("{}: line {number}: unreadable: {error}", path.display());
                return Ok(ExitCode::FAILURE);
            }
        };
        let envelope = match hotline_schemas::cloudevents::from_json_line(&line) {
            Ok(envelope) => envelope,
            Err(error) => {
                println!("{}: line {number}: not a Hotline CloudEvent: {error}", path.display());
                return Ok(ExitCode::FAILURE);
            }
        };
        let broken = |first_break: &dyn std::fmt::Display, hint: &str| {
            println!(
                "{}: line {number}: BROKEN (tenant {}, position {}): {first_break}{hint}",
                path.display(),
                envelope.tenant_id,
                envelope.global_position
            );
            Ok(ExitCode::FAILURE)
        };
        if filtered {
            let chain = filtered_chains.entry(envelope.tenant_id).or_insert_with(|| {
                order.push(envelope.tenant_id);
                FilteredChain::default()
            });
            let computed = event_hash(&envelope, &payload_text(&envelope.payload));
            if computed != envelope.hash {
                let position = envelope.global_position;
                return broken(&ChainBreak::TamperedEvent { position, stored: envelope.hash.clone(), computed }, "");
            }
            match &chain.last_hash {
                Some(last_hash) if *last_hash == envelope.prev_hash => chain.links += 1,
                Some(_) => chain.gaps += 1,
                None => {}
            }
            chain.last_hash = Some(computed);
            chain.events += 1;
            continue;
        }
        let chain = chains.entry(envelope.tenant_id).or_insert_with(|| {
            order.push(envelope.tenant_id);
            FileChain {
                verifier: ChainVerifier::continuing_from(envelope.prev_hash.clone()),
                first_position: envelope.global_position,
                genesis: envelope.prev_hash == GENESIS_HASH,
            }
        });
        if let Err(first_break) = chain.verifier.check(&envelope) {
            let hint = match first_break {
                ChainBreak::BrokenLink { .. } => {
                    " (an export filtered by type, stream or actor leaves events out: check it with --filtered)"
                }
                ChainBreak::TamperedEvent { .. } => "",
            };
            return broken(&first_break, hint);
        }
    }
    if order.is_empty() {
        println!("{}: no events", path.display());
    }
    for tenant_id in order {
        if filtered {
            let chain = &filtered_chains[&tenant_id];
            println!(
                "tenant {tenant_id}: {} events, each event's hash verified; {} links between events that follow each \
                 other verified, {} gaps where the filter left events out (not checked: the file cannot show what \
                 a gap held)",
                chain.events, chain.links, chain.gaps
            );
            continue;
        }
        let chain = &chains[&tenant_id];
        let start = if chain.genesis {
            format!("chain verified from the tenant's genesis (position {})", chain.first_position)
        } else {
            format!(
                "chain verified from position {} (its prevhash, the event before the export, is taken as the anchor)",
                chain.first_position
            )
        };
        println!("tenant {tenant_id}: {} events, {start}", chain.verifier.verified());
    }
    Ok(ExitCode::SUCCESS)
}

/// Re-decides the tenant's routing from its ACD stream: each command's batch of events (the
/// events sharing a causation) must be what deciding that command again gives.
pub async fn audit_routing(data_dir: &Path, tenant: &str) -> anyhow::Result<ExitCode> {
    use hotline_domain::DomainEvent;
    use hotline_domain::acd::{self, AcdEvent};
    let store = open_log(data_dir).await?;
    let tenant_id = tenant_id(tenant);
    let stream_id = acd::stream_id(tenant_id);
    let mut batches: Vec<Vec<AcdEvent>> = Vec::new();
    let mut batch_cause = None;
    let mut next_version = 1;
    loop {
        let page = store
            .read_stream(tenant_id, &stream_id, hotline_infra::store::Direction::Forwards, next_version, 1000)
            .await?;
        let done = page.len() < 1000;
        for envelope in page {
            next_version = envelope.stream_version + 1;
            let event = AcdEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                .with_context(|| format!("reading the event at position {}", envelope.global_position))?;
            if batch_cause != Some(envelope.causation_id) {
                batches.push(Vec::new());
                batch_cause = Some(envelope.causation_id);
            }
            batches.last_mut().expect("a batch was started").push(event);
        }
        if done {
            break;
        }
    }
    match acd::audit::verify(tenant_id, &batches) {
        Ok(checked) => {
            let decisions =
                batches.iter().flatten().filter(|event| matches!(event, AcdEvent::ContactOffered(_))).count();
            println!("tenant {tenant_id}: {checked} routing commands and {decisions} offers decided again: identical");
            Ok(ExitCode::SUCCESS)
        }
        Err(divergence) => {
            println!(
                "tenant {tenant_id}: routing command {} differs ({}):\n  logged:  {:?}\n  decided: {:?}",
                divergence.batch + 1,
                divergence.reason,
                divergence.logged,
                divergence.decided
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

pub async fn events_tail(data_dir: &Path, from: u64, tenant: Option<String>, follow: bool) -> anyhow::Result<ExitCode> {
    match print_events(data_dir, from, tenant, follow).await {
        // A reader that has seen enough (`| head`) is not an error.
        Err(error)
            if error.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(ExitCode::SUCCESS)
        }
        outcome => outcome,
    }
}

async fn print_events(data_dir: &Path, from: u64, tenant: Option<String>, follow: bool) -> anyhow::Result<ExitCode> {
    let store = open_log(data_dir).await?;
    let scope = tenant.map_or(Scope::Global, |text| Scope::Tenant(tenant_id(&text)));
    let stdout = std::io::stdout();
    if follow {
        let mut events = subscribe(store, scope, from);
        while let Some(event) = events.next().await {
            let mut out = stdout.lock();
            out.write_all(hotline_schemas::cloudevents::to_json_line(&event?).as_bytes())?;
            out.flush()?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut cursor = from;
    loop {
        let page = store.read_all(scope, cursor, 1000).await?;
        let mut out = stdout.lock();
        for event in &page {
            cursor = event.global_position;
            out.write_all(hotline_schemas::cloudevents::to_json_line(event).as_bytes())?;
        }
        if page.len() < 1000 {
            return Ok(ExitCode::SUCCESS);
        }
    }
}

pub async fn replay(data_dir: &Path, projection: Option<String>, from: u64, list: bool) -> anyhow::Result<ExitCode> {
    if list {
        for name in hotline_projections::PROJECTION_NAMES {
            println!("{name}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let name = projection.context("name a projection")?;
    if !hotline_projections::PROJECTION_NAMES.contains(&name.as_str()) {
        bail!("unknown projection {name:?}; `hotline replay --list` names them");
    }
    if from > 0 {
        eprintln!(
            "hotline: note: with --from {from} the rebuilt {name} tables hold only what events after position {from} produce"
        );
    }
    let database = database::open(&DatabaseLocation::from_env_or(data_dir)).await.context("opening the database")?;
    let keys = SubjectKeys::new(database.secrets.clone());
    hotline_projections::prepare_read_models(
        &database.read_models,
        &hotline_projections::all_projections(keys.clone()),
    )
    .await?;
    let projection = hotline_projections::projection_by_name(&name, keys).context("a listed projection exists")?;
    let report =
        hotline_projections::rebuild(database.events.as_ref(), &database.read_models, projection.as_ref(), from)
            .await?;
    println!("{name}: {} events applied in {:.2?}; the rebuilt tables are live", report.events, report.elapsed);
    Ok(ExitCode::SUCCESS)
}

/// Builds `<table>__fork_<name>` tables of a projection from the log up to a bound.
pub async fn fork(
    data_dir: &Path,
    projection: Option<String>,
    name: &str,
    to_position: Option<u64>,
    to_time: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<ExitCode> {
    use hotline_projections::runner::ForkBound;
    let projection_name = projection.context("name a projection to fork")?;
    if !hotline_projections::PROJECTION_NAMES.contains(&projection_name.as_str()) {
        bail!("unknown projection {projection_name:?}; `hotline replay --list` names them");
    }
    let bound = match (to_position, to_time) {
        (Some(position), None) => ForkBound::Position(position),
        (None, Some(time)) => ForkBound::Time(time),
        _ => bail!("a fork needs --to-position N or --to-time RFC3339 (one of them)"),
    };
    hotline_projections::runner::validate_fork_name(name)?;
    let database = database::open(&DatabaseLocation::from_env_or(data_dir)).await.context("opening the database")?;
    let keys = SubjectKeys::new(database.secrets.clone());
    let projection =
        hotline_projections::projection_by_name(&projection_name, keys).context("a listed projection exists")?;
    let report = hotline_projections::runner::fork(
        database.events.as_ref(),
        &database.read_models,
        projection.as_ref(),
        name,
        bound,
        "command line",
    )
    .await?;
    let tables: Vec<String> = projection.tables().iter().map(|table| format!("{table}__fork_{name}")).collect();
    println!(
        "{projection_name}: forked into {} up to position {} ({} events in {:.2?}); the live tables are unchanged",
        tables.join(", "),
        report.position,
        report.events,
        report.elapsed
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn list_forks(data_dir: &Path) -> anyhow::Result<ExitCode> {
    let database = database::open(&DatabaseLocation::from_env_or(data_dir)).await.context("opening the database")?;
    for fork in hotline_projections::runner::list_forks(&database.read_models).await? {
        println!("{}: {}", fork.name, fork.tables.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn drop_fork(data_dir: &Path, name: &str) -> anyhow::Result<ExitCode> {
    hotline_projections::runner::validate_fork_name(name)?;
    let database = database::open(&DatabaseLocation::from_env_or(data_dir)).await.context("opening the database")?;
    let dropped = hotline_projections::runner::drop_fork(&database.read_models, name).await?;
    if dropped.is_empty() {
        bail!("there is no fork {name:?}; `hotline replay --list-forks` names them");
    }
    println!("dropped {}", dropped.join(", "));
    Ok(ExitCode::SUCCESS)
}

pub async fn bench(names: Vec<String>, list: bool, scale: f64, markdown: bool) -> anyhow::Result<ExitCode> {
    if list {
        for name in hotline_benchmarks::BENCHMARKS {
            println!("{name}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let names: Vec<String> = if names.iter().any(|name| name == "all") {
        hotline_benchmarks::BENCHMARKS.iter().map(|name| (*name).to_owned()).collect()
    } else {
        names
    };
    let options = hotline_benchmarks::BenchOptions { scale, ..Default::default() };
    for name in names {
        let report = hotline_benchmarks::run(&name, options.clone()).await?;
        println!("{report}");
        if markdown {
            println!("{}", report.to_markdown());
        }
    }
    Ok(ExitCode::SUCCESS)
}
