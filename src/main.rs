//! `hotline`: the one binary of Hotline.
//!
//! Wires configuration to adapters and offers the command line: `serve` (the whole
//! product), `migrate`, `replay` (and forks), `audit verify` (also of an export file),
//! `events tail`, `events export` and `bench`. Business rules
//! live in the crates; this file only chooses and connects them.

mod mail;
mod serve;
mod sip;
mod ticket_timers;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "hotline", version, about = "Hotline: an event-sourced omnichannel contact centre")]
struct Cli {
    /// Folder of the embedded mode's SQLite files (ignored when HOTLINE_DATABASE_URL names
    /// a PostgreSQL database).
    #[arg(long, global = true, env = "HOTLINE_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server: GraphQL at /graphql, REST at /api, health at /health and /ready.
    Serve(serve::ServeOptions),
    /// Creates or upgrades the database schema, then exits.
    Migrate,
    /// Rebuilds a projection from the log into fresh tables and swaps them in, or forks it
    /// up to a position or a time into tables of its own (`--into NAME`).
    Replay {
        /// The projection's name (see `hotline replay --list`).
        #[arg(required_unless_present_any = ["list", "list_forks", "drop_fork"])]
        projection: Option<String>,
        /// Apply only events after this global position.
        #[arg(long, default_value_t = 0, conflicts_with = "into")]
        from: u64,
        /// Lists the projections.
        #[arg(long)]
        list: bool,
        /// Fork: replay the log up to this global position (inclusive).
        #[arg(long, requires = "into", conflicts_with = "to_time")]
        to_position: Option<u64>,
        /// Fork: replay the events recorded up to this time (RFC 3339, inclusive).
        #[arg(long, requires = "into")]
        to_time: Option<chrono::DateTime<chrono::Utc>>,
        /// Fork into `<table>__fork_<NAME>` tables (1 to 32 lowercase letters, digits and
        /// underscores); the live tables are left alone.
        #[arg(long, value_name = "NAME")]
        into: Option<String>,
        /// Lists the forks in the read-model database.
        #[arg(long)]
        list_forks: bool,
        /// Drops the fork's tables.
        #[arg(long, value_name = "NAME")]
        drop_fork: Option<String>,
    },
    /// Checks the log's hash chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Reads the log.
    Events {
        #[command(subcommand)]
        command: EventsCommand,
    },
    /// Runs benchmarks and prints their figures against their baselines (see BENCHMARKS.md).
    Bench {
        /// The benchmarks to run (see `hotline bench --list`); `all` runs every one.
        #[arg(required_unless_present = "list")]
        names: Vec<String>,
        /// Lists the benchmarks.
        #[arg(long)]
        list: bool,
        /// Multiplies every benchmark's amount of work (1.0 is the documented run).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Also prints each report as Markdown, for BENCHMARKS.md.
        #[arg(long)]
        markdown: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walks each tenant's hash chain and names the first broken link; with `--file`, checks
    /// an export (CloudEvents JSON Lines) offline, without the store.
    Verify {
        /// One tenant, by slug or id; every tenant when left out.
        #[arg(long, conflicts_with = "file")]
        tenant: Option<String>,
        /// An export written by `hotline events export` or `GET /api/audit/export`.
        #[arg(long, value_name = "EXPORT")]
        file: Option<PathBuf>,
        /// The export was filtered by type, stream or actor, so it leaves events out: every
        /// event's hash is checked, and the links only where two events follow each other.
        #[arg(long, requires = "file")]
        filtered: bool,
    },
    /// Decides every routing decision of a tenant's ACD again and compares it with the log.
    Routing {
        /// The tenant, by slug or id.
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Subcommand)]
enum EventsCommand {
    /// Prints events as CloudEvents JSON lines.
    Tail {
        /// Start after this global position.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// One tenant, by slug or id.
        #[arg(long)]
        tenant: Option<String>,
        /// Keep printing new events as they are committed.
        #[arg(long)]
        follow: bool,
    },
    /// Writes a tenant's events as CloudEvents JSON Lines with their hash chain, for
    /// auditors (`hotline audit verify --file` checks it offline).
    Export {
        /// The tenant, by slug or id.
        #[arg(long)]
        tenant: String,
        /// The first global position to export (inclusive).
        #[arg(long)]
        from_position: Option<u64>,
        /// The last global position to export (inclusive).
        #[arg(long)]
        to_position: Option<u64>,
        /// Only events recorded at or after this time (RFC 3339).
        #[arg(long)]
        from_time: Option<chrono::DateTime<chrono::Utc>>,
        /// Only events recorded at or before this time (RFC 3339).
        #[arg(long)]
        to_time: Option<chrono::DateTime<chrono::Utc>>,
        /// Only events of these types (comma-separated); the export then leaves events out,
        /// check it with `hotline audit verify --file --filtered`. So do --stream and --actor.
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
        /// Only events of these streams (`<context>-<uuid>`, comma-separated).
        #[arg(long, value_delimiter = ',')]
        stream: Vec<String>,
        /// Only events by these actors (`user:<id>`, `system:<name>`, comma-separated).
        #[arg(long, value_delimiter = ',')]
        actor: Vec<String>,
        /// The file to write (standard output when left out).
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HOTLINE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let outcome = match cli.command {
        Command::Serve(options) => serve::run(&cli.data_dir, options).await,
        Command::Migrate => tools::migrate(&cli.data_dir).await,
        Command::Replay { projection, from, list, to_position, to_time, into, list_forks, drop_fork } => {
            if list_forks {
                tools::list_forks(&cli.data_dir).await
            } else if let Some(name) = drop_fork {
                tools::drop_fork(&cli.data_dir, &name).await
            } else if let Some(name) = into {
                tools::fork(&cli.data_dir, projection, &name, to_position, to_time).await
            } else {
                tools::replay(&cli.data_dir, projection, from, list).await
            }
        }
        Command::Audit { command: AuditCommand::Verify { file: Some(file), filtered, .. } } => {
            tools::audit_verify_file(&file, filtered)
        }
        Command::Audit { command: AuditCommand::Verify { tenant, file: None, .. } } => {
            tools::audit_verify(&cli.data_dir, tenant).await
        }
        Command::Audit { command: AuditCommand::Routing { tenant } } => {
            tools::audit_routing(&cli.data_dir, &tenant).await
        }
        Command::Events { command: EventsCommand::Tail { from, tenant, follow } } => {
            tools::events_tail(&cli.data_dir, from, tenant, follow).await
        }
        Command::Events {
            command:
                EventsCommand::Export {
                    tenant,
                    from_position,
                    to_position,
                    from_time,
                    to_time,
                    types,
                    stream,
                    actor,
                    output,
                },
        } => {
            let range = tools::ExportRange {
                from_position,
                to_position,
                from_time,
                to_time,
                event_types: types,
                stream_ids: stream,
                actors: actor,
            };
            tools::events_export(&cli.data_dir, &tenant, range, output.as_deref()).await
        }
        Command::Bench { names, list, scale, markdown } => tools::bench(names, list, scale, markdown).await,
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("hotline: {error:#}");
            ExitCode::FAILURE
        }
    }
}
