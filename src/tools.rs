//! The command-line tools beside `serve`: migrate, replay, audit verify and routing, events tail, bench.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use futures::StreamExt;
use hotline_domain::identity::tenant_id_for_slug;
use hotline_infra::chain::verify_tenant;
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
