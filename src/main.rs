//! `hotline`: the one binary of Hotline.
//!
//! Wires configuration to adapters and offers the command line: `serve` (the whole
//! product), `migrate`, `replay`, `audit verify`, `events tail` and `bench`. Business rules
//! live in the crates; this file only chooses and connects them.

mod serve;
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
    /// Rebuilds a projection from the log into fresh tables and swaps them in.
    Replay {
        /// The projection's name (see `hotline replay --list`).
        #[arg(required_unless_present = "list")]
        projection: Option<String>,
        /// Apply only events after this global position.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// Lists the projections.
        #[arg(long)]
        list: bool,
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
    /// Walks each tenant's hash chain and names the first broken link.
    Verify {
        /// One tenant, by slug or id; every tenant when left out.
        #[arg(long)]
        tenant: Option<String>,
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
        Command::Replay { projection, from, list } => tools::replay(&cli.data_dir, projection, from, list).await,
        Command::Audit { command: AuditCommand::Verify { tenant } } => tools::audit_verify(&cli.data_dir, tenant).await,
        Command::Audit { command: AuditCommand::Routing { tenant } } => {
            tools::audit_routing(&cli.data_dir, &tenant).await
        }
        Command::Events { command: EventsCommand::Tail { from, tenant, follow } } => {
            tools::events_tail(&cli.data_dir, from, tenant, follow).await
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
