//! `customer-import`: a spreadsheet of 100,000 customer profiles through
//! `CustomerService::import`, against the same rows written by plain INSERTs.
//!
//! System: a scratch embedded database (SQLite, `synchronous = FULL`), a tenant bootstrapped
//! with an administrator who logs in (`IdentityService::login`, then `authenticate` for the
//! `Session` a request would carry), the tenant's own fields (`city`, text, required;
//! `id_card`, an ID-card number; `vip`, a number) and an .xlsx of N rows made by
//! `excel::export` (not timed). Every row is valid and unique (its own phone and ID-card
//! number). Timed: `CustomerService::import` end to end, as the upload route calls it:
//! reading the sheet, validating every row and checking it for duplicates, then per 1,000
//! rows a key per customer stored in one write, every profile sealed with its key, and one
//! `Create` command per customer through the dispatcher (64 in flight) into the store's group
//! commit. The projection runner is not started: what the upload waits for is the import;
//! the read models follow the log afterwards.
//!
//! Baseline, in the same run on the same disk: the same rows as one row per customer (the
//! values as JSON text, in clear) into a plain SQLite table, prepared per-row INSERTs, one
//! transaction per 1,000, one connection, with the store's connection settings: what a naive
//! store without log, encryption or checks would do. The baseline does not read the sheet.
//!
//! Diagnostics, to tell where the import's time goes, each measured alone on the same rows:
//! reading the sheet; validating the rows with their duplicate keys; sealing the profiles;
//! storing the keys (`SubjectKeys::create_many`, 1,000 at a time); and the dispatcher alone:
//! the same `Create` commands, already sealed, in chunks of 1,000 with 64 in flight, as the
//! import sends them, into a second fresh database.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use futures::StreamExt;
use hotline_command_api::customers::service::duplicate_keys;
use hotline_command_api::customers::{CustomerService, excel};
use hotline_command_api::dispatcher::{CommandMeta, DEFAULT_MAX_PAYLOAD_BYTES, Dispatcher};
use hotline_command_api::identity::NewUser;
use hotline_command_api::{IdentityService, Session, TokenSigner};
use hotline_domain::access::BuiltInRole;
use hotline_domain::customer::{
    self, Customer, CustomerAction, CustomerCommand, FieldDefinition, FieldType, Sealed, Status, validate_values,
};
use hotline_infra::database::{self, Database, DatabaseLocation};
use hotline_infra::keys::{self, SubjectKeys};
use uuid::Uuid;

use crate::BenchOptions;
use crate::baseline::{self, CustomerRow};
use crate::measure::{Timed, median, median_round};
use crate::report::{BenchReport, Check, Role, thousands};
use crate::scratch::ScratchDirectory;

const DEFAULT_ROWS: usize = 100_000;
const MINIMUM_ROWS: usize = 500;
/// The target: at least 100,000 rows a minute.
const TARGET_ROWS_PER_MINUTE: f64 = 100_000.0;
/// The baseline's transactions, and the import's chunks (`IMPORT_CHUNK` in the service).
const ROWS_PER_TRANSACTION: usize = 1_000;
/// Commands in flight at once in the import (`IMPORT_CONCURRENCY` in the service), for the
/// dispatcher-alone diagnostic.
const DISPATCH_CONCURRENCY: usize = 64;
const TENANT: &str = "bench";
const ADMIN: &str = "admin";
const PASSWORD: &str = "benchmark password";

pub(crate) async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let requested = options.scaled(DEFAULT_ROWS, MINIMUM_ROWS);
    let rows = requested.min(excel::MAX_IMPORT_ROWS);
    let mut report = BenchReport::new(
        "customer-import",
        format!(
            "one .xlsx of {} customer profiles (name, gender, phone and the tenant's `city`, `id_card`, `vip`; all \
             valid, none a duplicate) through `CustomerService::import` end to end (read, validate, keys, seal, one \
             `Create` command per row through the dispatcher into the embedded store: SQLite, `synchronous = \
             FULL`); baseline the same rows as prepared INSERTs (values as JSON) into a plain SQLite table, one \
             transaction per {}, on the same disk; {} rounds.",
            thousands(rows as f64),
            thousands(ROWS_PER_TRANSACTION as f64),
            options.rounds,
        ),
    );
    if rows < requested {
        report.note(format!(
            "{} rows instead of {}: one import takes at most {} rows (`excel::MAX_IMPORT_ROWS`)",
            thousands(rows as f64),
            thousands(requested as f64),
            thousands(excel::MAX_IMPORT_ROWS as f64),
        ));
    }

    // The sheet, once for every round (not timed).
    let profiles = profiles(rows);
    let building = Instant::now();
    let sheet = excel::export(&tenant_fields(), &profiles)?;
    let building = building.elapsed();
    report.note(format!(
        "the sheet: {} rows, {:.1} MiB (the upload route takes at most {} MiB), made by `excel::export` in {:.1} s \
         (not timed)",
        thousands(rows as f64),
        sheet.len() as f64 / (1024.0 * 1024.0),
        excel::MAX_IMPORT_BYTES / (1024 * 1024),
        building.as_secs_f64(),
    ));

    let mut rounds = Vec::with_capacity(options.rounds.max(1));
    for _ in 0..options.rounds.max(1) {
        let scratch = ScratchDirectory::create(&options.work_dir)?;
        rounds.push(round(options, &scratch, &sheet, &profiles).await?);
    }
    let ratios: Vec<f64> = rounds.iter().map(|round| round.system.rate() / round.baseline.rate()).collect();
    let naive_ratios: Vec<f64> = rounds
        .iter()
        .map(|round| {
            let naive = round.parse.elapsed + round.baseline.elapsed;
            round.system.rate() / (round.baseline.completed as f64 / naive.as_secs_f64().max(f64::EPSILON))
        })
        .collect();
    let share = |piece: fn(&Round) -> Duration| -> f64 {
        let shares: Vec<f64> = rounds
            .iter()
            .map(|round| piece(round).as_secs_f64() / round.system.elapsed.as_secs_f64().max(f64::EPSILON))
            .collect();
        median(&shares) * 100.0
    };
    let shares = [
        ("reading the sheet", share(|round| round.parse.elapsed)),
        ("validating and duplicate keys", share(|round| round.validate.elapsed)),
        ("storing the keys", share(|round| round.keys.elapsed)),
        ("sealing", share(|round| round.seal.elapsed)),
        ("the dispatcher into the store", share(|round| round.dispatch.elapsed)),
    ];
    let per_minute = |round: &Round| round.system.rate() * 60.0;
    let notes_per_round = format!(
        "the import round by round: {} rows/min; failed or duplicate rows: {}; cut off by the phase time limit: {}",
        rounds.iter().map(|round| thousands(per_minute(round))).collect::<Vec<_>>().join(", "),
        rounds.iter().map(|round| round.failed.to_string()).collect::<Vec<_>>().join(", "),
        rounds.iter().map(|round| if round.cut_off { "yes" } else { "no" }).collect::<Vec<_>>().join(", "),
    );
    let appended_ok = rounds.iter().all(|round| round.appended == round.system.completed as u64);

    let mut systems = Vec::new();
    let mut baselines = Vec::new();
    let mut diagnostics: [Vec<Timed>; 5] = Default::default();
    let mut failed = Vec::new();
    for round in rounds {
        failed.push((round.system.rate(), round.failed, round.cut_off));
        systems.push(round.system);
        baselines.push(round.baseline);
        for (index, timed) in
            [round.parse, round.validate, round.keys, round.seal, round.dispatch].into_iter().enumerate()
        {
            diagnostics[index].push(timed);
        }
    }
    // The failures of the round whose rate is the median one.
    failed.sort_by(|left, right| left.0.total_cmp(&right.0));
    let (_, failed, cut_off) = failed[(failed.len() - 1) / 2];

    let system = report
        .measure(median_round(systems).into_measurement(
            Role::System,
            "CustomerService::import, one sheet, end to end",
            "rows",
            1,
            "import",
        ))
        .clone();
    report.measure(median_round(baselines).into_measurement(
        Role::Baseline,
        format!("prepared INSERT per customer (values as JSON), one transaction per {ROWS_PER_TRANSACTION}"),
        "rows",
        1,
        "transaction",
    ));
    let labels = [
        "excel::read_rows alone (CPU)".to_owned(),
        "validate_values + duplicate_keys alone (CPU)".to_owned(),
        format!("SubjectKeys::create_many alone, {ROWS_PER_TRANSACTION} keys per write"),
        "sealing alone: values as JSON + AES-256-GCM (CPU)".to_owned(),
        format!(
            "Dispatcher::dispatch::<Customer> alone, sealed commands, {ROWS_PER_TRANSACTION} per chunk, \
             {DISPATCH_CONCURRENCY} in flight"
        ),
    ];
    let pers = ["sheet", "row", "write", "row", "chunk"];
    for ((timed, label), per) in diagnostics.into_iter().zip(labels).zip(pers) {
        report.measure(median_round(timed).into_measurement(Role::Diagnostic, label, "rows", 1, per));
    }

    report.ratio_of_rounds("system / baseline (rows/s)", &ratios);
    let rows_per_minute = system.per_second() * 60.0;
    let failed_share = failed as f64 / rows as f64 * 100.0;
    report.checks.push(Check {
        target: format!("≥ {} rows/min (CustomerService::import, end to end)", thousands(TARGET_ROWS_PER_MINUTE)),
        measured: format!(
            "{} rows/min; {failed} of {} rows failed ({failed_share:.2} %)",
            thousands(rows_per_minute),
            thousands(rows as f64)
        ),
        met: rows_per_minute >= TARGET_ROWS_PER_MINUTE && failed == 0 && !cut_off,
    });
    report.note(notes_per_round);
    if !appended_ok {
        report.note("in some round the log gained a different number of `customer.created` events than rows imported");
    }
    report.note(format!(
        "where the import's time goes (each piece measured alone on the same rows, as a share of the import's time, \
         median of the rounds; they need not add up to 100 %): {}",
        shares.iter().map(|(label, share)| format!("{label} {share:.0} %")).collect::<Vec<_>>().join(", "),
    ));
    report.note(format!(
        "a naive importer must read the sheet too: against reading it plus the baseline's INSERTs, the import's \
         rate is {:.2} times (median of the rounds: {})",
        median(&naive_ratios),
        naive_ratios.iter().map(|ratio| format!("{ratio:.2}")).collect::<Vec<_>>().join(", "),
    ));
    report.note(
        "the projection runner is not started: the import returns when every row's event is durable; the \
         `customers` read model (which opens every sealed profile) follows the log afterwards and is not timed",
    );
    Ok(report)
}

/// What one round measured.
struct Round {
    system: Timed,
    /// Rows the import reported failed or duplicate.
    failed: u32,
    /// The import did not finish within the phase time limit.
    cut_off: bool,
    /// Events the import appended (the log's head before and after).
    appended: u64,
    baseline: Timed,
    parse: Timed,
    validate: Timed,
    keys: Timed,
    seal: Timed,
    dispatch: Timed,
}

/// The system's pieces over one embedded database.
struct System {
    database: Database,
    dispatcher: Arc<Dispatcher>,
    keys: SubjectKeys,
    customers: CustomerService,
    session: Session,
}

/// Opens an embedded database in `data_dir`, bootstraps the tenant with its administrator,
/// logs in, and defines the tenant's fields.
async fn open_system(data_dir: &Path) -> anyhow::Result<System> {
    let database = database::open(&DatabaseLocation::Embedded { data_dir: data_dir.to_owned() }).await?;
    let keys = SubjectKeys::new(database.secrets.clone());
    let dispatcher = Arc::new(Dispatcher::new(database.events.clone(), DEFAULT_MAX_PAYLOAD_BYTES));
    let signer = TokenSigner::load_or_create(database.secrets.as_ref()).await?;
    let identity = IdentityService::new(dispatcher.clone(), database.secrets.clone(), signer);
    let customers = CustomerService::new(dispatcher.clone(), keys.clone());
    let admin = NewUser {
        username: ADMIN.into(),
        display_name: "Benchmark administrator".into(),
        password: PASSWORD.into(),
        role_ids: vec![BuiltInRole::Administrator.id()],
        org_unit_id: None,
        email: None,
    };
    identity.bootstrap_tenant(TENANT, "Benchmark", vec![admin], Utc::now()).await?;
    let logged_in = identity.login(TENANT, ADMIN, PASSWORD, Utc::now()).await?;
    let session = identity.authenticate(&logged_in.token, Utc::now()).await?;
    customers.define_fields(&session, Uuid::now_v7(), tenant_fields(), Utc::now()).await?;
    Ok(System { database, dispatcher, keys, customers, session })
}

async fn round(
    options: &BenchOptions,
    scratch: &ScratchDirectory,
    sheet: &[u8],
    profiles: &[BTreeMap<String, String>],
) -> anyhow::Result<Round> {
    let rows = profiles.len();
    let fields = tenant_fields();

    // The system: the whole import, bounded by the phase time limit.
    let system = open_system(&scratch.file("system")).await?;
    let head_before = system.database.events.head_position().await?;
    let import_command = Uuid::now_v7();
    let started = Instant::now();
    let outcome = tokio::time::timeout(
        options.phase_time_limit,
        system.customers.import(&system.session, import_command, sheet, &HashSet::new(), Utc::now()),
    )
    .await;
    let elapsed = started.elapsed();
    // Appends already queued when a cut-off import was dropped may still commit: let them.
    let appended = system.database.events.head_position().await? - head_before;
    let (completed, failed, cut_off) = match outcome {
        Ok(result) => {
            let report = result?;
            (report.imported as usize, report.failed + report.duplicates, false)
        }
        Err(_elapsed) => (appended as usize, 0, true),
    };
    let system_timed = Timed { completed, elapsed, latencies: vec![] };
    if !cut_off {
        // The diagnostics use the ids the import gives its rows: check they still do.
        let first = customer::stream_id(row_ids(import_command, sheet_row(0)).1);
        let (state, _) = system.dispatcher.load::<Customer>(system.session.tenant_id, &first).await?;
        anyhow::ensure!(state.status == Status::Active, "the import no longer names its rows' customers as expected");
    }

    // Storing the keys alone, into the same secret store, under another tenant, with the
    // key ids the import made.
    let keys = {
        let tenant_id = Uuid::now_v7();
        let key_ids: Vec<Uuid> = (0..rows).map(|index| row_ids(import_command, sheet_row(index)).2).collect();
        let deadline = Instant::now() + options.phase_time_limit;
        let started = Instant::now();
        let mut latencies = Vec::new();
        let mut completed = 0;
        for chunk in key_ids.chunks(ROWS_PER_TRANSACTION) {
            if Instant::now() >= deadline {
                break;
            }
            let begun = Instant::now();
            system.keys.create_many(tenant_id, chunk).await?;
            latencies.push(begun.elapsed());
            completed += chunk.len();
        }
        Timed { completed, elapsed: started.elapsed(), latencies }
    };
    let tenant_id = system.session.tenant_id;
    drop(system);

    // The baseline: the same rows, values as JSON, prepared before the clock starts.
    let customer_rows: Vec<CustomerRow> = profiles
        .iter()
        .enumerate()
        .map(|(index, profile)| CustomerRow {
            customer_id: row_ids(import_command, sheet_row(index)).1.to_string(),
            tenant_id: tenant_id.to_string(),
            profile: serde_json::to_string(profile).expect("text values serialise"),
        })
        .collect();
    let mut connection = baseline::sqlite_customers_connection(&scratch.file("baseline.sqlite3")).await?;
    let deadline = Instant::now() + options.phase_time_limit;
    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut completed = 0;
    for chunk in customer_rows.chunks(ROWS_PER_TRANSACTION) {
        if Instant::now() >= deadline {
            break;
        }
        let begun = Instant::now();
        baseline::sqlite_insert_customers_transaction(&mut connection, chunk).await?;
        latencies.push(begun.elapsed());
        completed += chunk.len();
    }
    let baseline_timed = Timed { completed, elapsed: started.elapsed(), latencies };
    drop(connection);

    // Reading the sheet alone.
    let started = Instant::now();
    let sheet_rows = excel::read_rows(sheet, &fields)?;
    let elapsed = started.elapsed();
    let parse = Timed { completed: sheet_rows.len(), elapsed, latencies: vec![] };

    // Validating alone, with the duplicate check the import makes.
    let deadline = Instant::now() + options.phase_time_limit;
    let started = Instant::now();
    let mut seen = HashSet::new();
    let mut valid = Vec::with_capacity(sheet_rows.len());
    let mut latencies = Vec::with_capacity(sheet_rows.len());
    for row in &sheet_rows {
        if Instant::now() >= deadline {
            break;
        }
        let begun = Instant::now();
        if let Ok(values) = validate_values(&fields, &row.values) {
            let keys = duplicate_keys(&fields, &values);
            if !keys.iter().any(|key| seen.contains(key)) {
                seen.extend(keys);
                valid.push((row.row, values));
            }
        }
        latencies.push(begun.elapsed());
    }
    let validate = Timed { completed: latencies.len(), elapsed: started.elapsed(), latencies };

    // Sealing alone, as the service seals: the values as JSON, AES-256-GCM, base64.
    let key = [0x5a_u8; 32];
    let deadline = Instant::now() + options.phase_time_limit;
    let started = Instant::now();
    let mut sealed = Vec::with_capacity(valid.len());
    let mut latencies = Vec::with_capacity(valid.len());
    for (row, values) in &valid {
        if Instant::now() >= deadline {
            break;
        }
        let begun = Instant::now();
        let plaintext = serde_json::to_vec(values).expect("text values serialise");
        sealed.push(Sealed { key_id: row_ids(import_command, *row).2, ciphertext: keys::seal(&key, &plaintext) });
        latencies.push(begun.elapsed());
    }
    let seal = Timed { completed: latencies.len(), elapsed: started.elapsed(), latencies };

    // The dispatcher alone, into a second fresh database, with the commands made beforehand
    // (the same command and customer ids as the import's).
    let second = open_system(&scratch.file("dispatch-alone")).await?;
    let now = Utc::now();
    let commands: Vec<(CommandMeta, CustomerCommand)> = valid
        .into_iter()
        .zip(sealed)
        .map(|((row, values), sealed)| {
            let (row_command, customer_id, _) = row_ids(import_command, row);
            let meta = CommandMeta::new(row_command, second.session.tenant_id, second.session.actor(), now);
            let action = CustomerAction::Create { values, fields: fields.clone(), sealed };
            let command = CustomerCommand { tenant_id: second.session.tenant_id, customer_id, at: now, action };
            (meta, command)
        })
        .collect();
    let dispatch = dispatch_alone(&second.dispatcher, commands, options.phase_time_limit).await?;
    drop(second);

    Ok(Round {
        system: system_timed,
        failed,
        cut_off,
        appended,
        baseline: baseline_timed,
        parse,
        validate,
        keys,
        seal,
        dispatch,
    })
}

/// The 1-based sheet row of the profile at `index`: after the label and key rows.
fn sheet_row(index: usize) -> u32 {
    index as u32 + 3
}

/// A row's command, customer and key ids, as `CustomerService::import` names them (derived
/// from the import's command id and the sheet row, so not ordered by time).
fn row_ids(import_command: Uuid, row: u32) -> (Uuid, Uuid, Uuid) {
    let row_command = Uuid::new_v5(&import_command, format!("row:{row}").as_bytes());
    let customer_id = CustomerService::customer_id_for_command(row_command);
    (row_command, customer_id, Uuid::new_v5(&customer_id, b"key"))
}

/// Dispatches `commands` as the import does: chunk after chunk of 1,000, 64 in flight within
/// a chunk; stops starting chunks at `time_limit`. Latencies are per chunk.
async fn dispatch_alone(
    dispatcher: &Arc<Dispatcher>,
    commands: Vec<(CommandMeta, CustomerCommand)>,
    time_limit: Duration,
) -> anyhow::Result<Timed> {
    let mut chunks: Vec<Vec<(CommandMeta, CustomerCommand)>> = Vec::new();
    let mut commands = commands.into_iter().peekable();
    while commands.peek().is_some() {
        chunks.push(commands.by_ref().take(ROWS_PER_TRANSACTION).collect());
    }
    let started = Instant::now();
    let deadline = started + time_limit;
    let mut latencies = Vec::with_capacity(chunks.len());
    let mut completed = 0;
    for chunk in chunks {
        if Instant::now() >= deadline {
            break;
        }
        let begun = Instant::now();
        let results: Vec<bool> = futures::stream::iter(chunk)
            .map(|(meta, command)| {
                let dispatcher = dispatcher.clone();
                async move { dispatcher.dispatch::<Customer>(&meta, &command).await.is_ok() }
            })
            .buffer_unordered(DISPATCH_CONCURRENCY)
            .collect()
            .await;
        completed += results.into_iter().filter(|ok| *ok).count();
        latencies.push(begun.elapsed());
    }
    Ok(Timed { completed, elapsed: started.elapsed(), latencies })
}

/// The tenant's own fields, as `tests/customers.rs` defines them.
fn tenant_fields() -> Vec<FieldDefinition> {
    let field = |key: &str, field_type, required| FieldDefinition {
        key: key.into(),
        label: key.to_uppercase(),
        field_type,
        required,
        max_length: None,
        enabled: true,
        sort_order: 0,
    };
    vec![
        field("city", FieldType::Text, true),
        field("id_card", FieldType::IdCard, false),
        field("vip", FieldType::Number, false),
    ]
}

const CITIES: [&str; 6] = ["Beijing", "Shanghai", "Hangzhou", "Guangzhou", "Chengdu", "Xi'an"];
const GENDERS: [&str; 3] = ["male", "female", "unknown"];

/// `count` valid profiles, each with a phone and an ID-card number of its own.
fn profiles(count: usize) -> Vec<BTreeMap<String, String>> {
    (1..=count)
        .map(|number| {
            BTreeMap::from([
                ("name".to_owned(), format!("Customer {number} 客户")),
                ("gender".to_owned(), GENDERS[number % GENDERS.len()].to_owned()),
                ("phone".to_owned(), format!("+86 139 {number:08}")),
                ("city".to_owned(), CITIES[number % CITIES.len()].to_owned()),
                ("id_card".to_owned(), id_card(number)),
                ("vip".to_owned(), (number % 5).to_string()),
            ])
        })
        .collect()
}

/// A valid PRC ID-card number, a different one for every `number` below 36,500,000: a
/// Beijing district code, a birth date from 1950-01-01 on (one day per 1,000 numbers), a
/// sequence number, and the check character.
fn id_card(number: usize) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let birth = NaiveDate::from_ymd_opt(1950, 1, 1).expect("a date") + chrono::Days::new((number / 1000) as u64);
    let body = format!("110105{}{:03}", birth.format("%Y%m%d"), number % 1000);
    let sum: u32 = body.bytes().zip(WEIGHTS).map(|(digit, weight)| u32::from(digit - b'0') * weight).sum();
    format!("{body}{}", CHECK[(sum % 11) as usize] as char)
}

#[cfg(test)]
mod tests {
    use hotline_domain::customer::validate_id_card;

    use super::*;

    #[test]
    fn the_profiles_are_valid_and_unique() {
        let profiles = profiles(3_000);
        let fields = tenant_fields();
        let mut seen = HashSet::new();
        for profile in &profiles {
            let values = validate_values(&fields, profile).unwrap();
            for key in duplicate_keys(&fields, &values) {
                assert!(seen.insert(key), "{profile:?}");
            }
        }
        assert_eq!(validate_id_card(&id_card(99_999)).unwrap(), id_card(99_999));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_small_run_imports_every_row_and_reports_the_target() {
        let options = BenchOptions { scale: 0.001, rounds: 1, ..BenchOptions::default() };
        let report = run(&options).await.unwrap();
        let of = |role| report.measurements.iter().find(|measurement| measurement.role == role).unwrap();
        assert_eq!(of(Role::System).operations, MINIMUM_ROWS as u64, "{report}");
        assert_eq!(of(Role::Baseline).operations, MINIMUM_ROWS as u64, "{report}");
        assert!(
            report
                .measurements
                .iter()
                .filter(|measurement| measurement.role == Role::Diagnostic)
                .all(|measurement| measurement.operations == MINIMUM_ROWS as u64),
            "{report}"
        );
        assert_eq!(report.checks.len(), 1);
        assert!(report.checks[0].measured.contains("0 of 500 rows failed"), "{report}");
        assert!(report.ratios.iter().all(|ratio| ratio.value.is_finite() && ratio.value > 0.0), "{report}");
    }
}
