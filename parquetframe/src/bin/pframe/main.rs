//! `pframe`: inspect, query, validate, draw, convert, compact, vacuum and show the history of Parquet and
//! Avro files and parquetframe stores from the command line.
//!
//! Exit codes: 0 ok, 1 the data is invalid (e.g. orphans found), 2 an error.

mod commands;
mod filter;
mod output;
mod target;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use output::Output;

/// Inspect, query, validate and convert Parquet and Avro data and parquetframe stores.
#[derive(Parser)]
#[command(name = "pframe", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Format, schema, rows, files, sizes, row groups and codec of a file,
    /// an entity directory or a store.
    Inspect {
        /// A data file, a directory of files, an entity directory or a store root.
        path: PathBuf,
    },
    /// The first rows of a file, a directory of files or an entity directory.
    Head {
        /// What to read.
        path: PathBuf,
        /// How many rows.
        #[arg(short = 'n', long, default_value_t = 10)]
        rows: u64,
    },
    /// Filter, project and limit a file, a directory of files or an entity directory.
    Query {
        /// What to read.
        path: PathBuf,
        /// A predicate, e.g. "age >= 18 and name != 'Bob'" (and, or, not,
        /// ==, !=, <, <=, >, >=, in (..), is null, is not null).
        #[arg(long)]
        filter: Option<String>,
        /// Columns to keep, comma separated.
        #[arg(long, value_delimiter = ',')]
        select: Vec<String>,
        /// At most this many rows.
        #[arg(long)]
        limit: Option<u64>,
        /// The engine: auto, memory, lazy or streaming.
        #[arg(long, default_value = "auto")]
        engine: String,
        /// Print the engine choice and the plan instead of the rows.
        #[arg(long)]
        explain: bool,
    },
    /// Run SQL (polars SQL) with every entity of a store as a table.
    Sql {
        /// The query, e.g. "SELECT name, count(*) FROM User GROUP BY name".
        query: String,
        /// The store root (default: the configured `store.root`).
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Check primary and foreign keys of every entity of a store, from its catalog alone.
    Validate {
        /// The store root (default: the configured `store.root`).
        #[arg(long)]
        root: Option<PathBuf>,
        /// Check on the cluster (`engine.cluster`) whatever the sizes; by
        /// default key columns above `engine.distributed_threshold_mb` go
        /// there when it answers. Needs the feature `distributed`.
        #[arg(long)]
        on_cluster: bool,
    },
    /// Draw the entity graph of a store.
    Graph {
        /// The store root (default: the configured `store.root`).
        #[arg(long)]
        root: Option<PathBuf>,
        /// dot (Graphviz), mermaid (ER diagram) or text.
        #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
        format: GraphFormat,
    },
    /// Convert between Parquet, Avro, CSV, NDJSON and Arrow IPC (formats from the extensions).
    Convert {
        /// Input: a file, a directory of files or an entity directory.
        input: PathBuf,
        /// Output file: .parquet, .avro, .csv, .ndjson/.jsonl or .arrow/.ipc/.feather.
        output: PathBuf,
        /// Compression of Parquet and Avro output (null, snappy, zstandard; Avro also deflate).
        #[arg(long, default_value = "zstandard")]
        codec: String,
        /// Replace the output file if it exists (refused otherwise).
        #[arg(long)]
        force: bool,
    },
    /// Rewrite entities' live rows into one file each.
    Compact {
        /// Entities to compact (default: all).
        entities: Vec<String>,
        /// The store root (default: the configured `store.root`).
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// An entity's commits: version, time, operation, rows added and removed.
    History {
        /// The entity.
        entity: String,
        /// The store root (default: the configured `store.root`).
        #[arg(long)]
        root: Option<PathBuf>,
        /// Only versions from this one on.
        #[arg(long)]
        from: Option<u64>,
        /// Only versions up to this one.
        #[arg(long)]
        to: Option<u64>,
        /// Only the newest N commits (after --from/--to).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Remove files no version within the retention needs (replaced files,
    /// stale deletion vectors, files of writes that never committed).
    Vacuum {
        /// Entities to vacuum (default: all).
        entities: Vec<String>,
        /// Keep files replaced less than this many hours ago (default: `store.retention_hours`, 168).
        #[arg(long)]
        retention_hours: Option<u64>,
        /// The store root (default: the configured `store.root`).
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// The effective configuration, each value with its origin.
    Config,
}

/// Graph output formats.
#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
    Text,
}

/// What a command found.
pub enum Outcome {
    /// Everything as it should be.
    Ok,
    /// The data is invalid (exit code 1).
    Invalid,
}

/// Commands run once per process: a `DataFrame` cached by the memory engine
/// would be dropped at exit, so unless the user configured
/// `performance.cache_mb`, it is 0 for them and the engine heuristics read
/// the files with pushdown instead (10 rows of a 1M-row entity: 10 ms
/// instead of 100 ms, a quarter of the memory).
fn without_cache() {
    let configured = parquetframe::config::effective()
        .ok()
        .and_then(|all| all.into_iter().find(|s| s.key == "performance.cache_mb"))
        .is_some_and(|s| s.origin != parquetframe::config::Origin::Default);
    if !configured {
        // SAFETY: called first in `main`, before any other thread exists.
        unsafe { std::env::set_var("PARQUETFRAME_CACHE_MB", "0") };
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(
        cli.command,
        Command::Head { .. } | Command::Query { .. } | Command::Sql { .. } | Command::Convert { .. }
    ) {
        without_cache();
    }
    let out = Output::new(
        cli.json,
        match cli.color {
            Color::Auto => None,
            Color::Always => Some(true),
            Color::Never => Some(false),
        },
    );
    parquetframe::ux::logging::init_from_config();
    let result = match cli.command {
        Command::Inspect { path } => commands::inspect::run(&out, &path),
        Command::Head { path, rows } => commands::query::head(&out, &path, rows),
        Command::Query { path, filter, select, limit, engine, explain } => {
            commands::query::query(&out, &path, filter.as_deref(), &select, limit, &engine, explain)
        }
        Command::Sql { query, root } => commands::query::sql(&out, root, &query),
        Command::Validate { root, on_cluster } => commands::validate::run(&out, root, on_cluster),
        Command::Graph { root, format } => commands::graph::run(&out, root, format),
        Command::Convert { input, output, codec, force } => {
            commands::convert::run(&out, &input, &output, &codec, force)
        }
        Command::Compact { entities, root } => commands::compact::run(&out, root, &entities),
        Command::History { entity, root, from, to, limit } => {
            commands::history::history(&out, root, &entity, commands::history::Range { from, to, limit })
        }
        Command::Vacuum { entities, root, retention_hours } => {
            commands::history::vacuum(&out, root, &entities, retention_hours)
        }
        Command::Config => commands::config::run(&out),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Invalid) => ExitCode::from(1),
        Err(e) => {
            out.error(&e);
            ExitCode::from(2)
        }
    }
}
