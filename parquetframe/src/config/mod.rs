//! Layered configuration (figment): built-in defaults < `parquetframe.toml`
//! (found from the working directory upwards, or `PARQUETFRAME_CONFIG`) <
//! `PARQUETFRAME_*` environment variables < arguments in code.
//!
//! Every key, its variable and its default: `docs/configuration.md`.
//! [`effective`] lists each value with its origin; [`Store::builder`]
//! sets values in code (the highest layer), optionally ignoring the file and
//! the environment.
//!
//! [`Store::builder`]: crate::Store::builder

mod cluster;
mod effective;
mod fk_check;
mod format;
pub mod keys;
mod layers;

use std::path::{Path, PathBuf};

use figment::value::magic::RelativePathBuf;
use serde::{Deserialize, Serialize};

use crate::error::{ConfigError, Error};
pub use cluster::ClusterAddress;
pub use effective::{Origin, Setting};
pub use fk_check::FkCheck;
pub use format::Format;
pub use layers::Overrides;
pub(crate) use layers::{Resolved, resolve};

/// The configuration file name searched for.
pub const FILE_NAME: &str = "parquetframe.toml";

/// `[store]` settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// The default store's root (relative paths in a file are relative to the file).
    pub root: RelativePathBuf,
    /// The file format of entities that declare none (`parquet` or `avro`),
    /// when first saved in a store; afterwards the catalog keeps it.
    pub format: Format,
    /// Rows per Parquet row group.
    pub row_group_size: usize,
    /// Compression of data files: `null`, `snappy`, `zstandard` (or `zstd`),
    /// and for Avro entities also `deflate`, `bzip2`, `xz`. An entity's
    /// `#[entity(codec = "...")]` wins over this.
    pub codec: String,
    /// Level of the zstandard codec; 0 writes files uncompressed.
    pub zstd_level: i32,
    /// Above this many live files, a commit compacts the newest small files.
    pub compact_max_files: usize,
    /// Hours a file no longer in the newest version stays for readers of
    /// older versions before vacuum removes it (Delta's default: 7 days).
    pub retention_hours: u64,
    /// When foreign keys are checked: `deferred` (only by `store.validate()`)
    /// or `on_save` (a save whose rows reference missing parents fails).
    pub fk_check: FkCheck,
    /// Object storage: the endpoint of an S3-compatible server
    /// (`http://127.0.0.1:9000`) or of Azure storage; empty: the cloud's own
    /// (or its variable, e.g. `AWS_ENDPOINT_URL`).
    pub endpoint: String,
    /// Object storage: the S3 region; empty: `AWS_REGION`, else `us-east-1`.
    pub region: String,
    /// Object storage: allow plain `http://` endpoints (local servers).
    pub allow_http: bool,
    /// Object storage: more options of the bucket's client, by the names of
    /// `object_store`'s builders (`aws_session_token`,
    /// `google_service_account`, `azure_storage_account_key`, ...). Values of
    /// keys naming a secret are shown masked.
    pub options: std::collections::BTreeMap<String, String>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            root: RelativePathBuf::from(PathBuf::from("data")),
            format: Format::Parquet,
            row_group_size: 128 * 1024,
            codec: "zstandard".into(),
            zstd_level: 1,
            compact_max_files: 16,
            retention_hours: 168,
            fk_check: FkCheck::Deferred,
            endpoint: String::new(),
            region: String::new(),
            allow_http: false,
            options: Default::default(),
        }
    }
}

/// Which query engine runs queries when a query does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineSetting {
    /// Chosen per query by the engine heuristics.
    #[default]
    Auto,
    /// Eager polars `DataFrame`s, cached per committed snapshot.
    Memory,
    /// polars `LazyFrame`s over the files, with pushdown.
    Lazy,
    /// The polars streaming engine: bounded memory.
    Streaming,
    /// A DataFusion Ballista cluster (`engine.cluster`, feature `distributed`).
    Distributed,
    /// Apache DataFusion on this machine (feature `distributed`).
    DataFusion,
}

impl std::str::FromStr for EngineSetting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "memory" | "eager" => Ok(Self::Memory),
            "lazy" => Ok(Self::Lazy),
            "streaming" => Ok(Self::Streaming),
            "distributed" | "ballista" | "cluster" => Ok(Self::Distributed),
            "datafusion" => Ok(Self::DataFusion),
            other => Err(format!(
                "unknown engine `{other}`; expected auto, memory, lazy, streaming, distributed or datafusion"
            )),
        }
    }
}

/// `[engine]` settings: the engine choice and the memory monitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// The engine of queries that do not pick one (`PARQUETFRAME_ENGINE`).
    pub default: EngineSetting,
    /// Data whose estimated size after projection is at most this many MiB
    /// runs on the memory engine (eager, cached); above, on the lazy engine.
    pub memory_threshold_mb: u64,
    /// A query whose working estimate (size after projection, times the cost
    /// of its joins and group-bys) exceeds this fraction of the memory budget
    /// runs on the streaming engine.
    pub streaming_fraction: f64,
    /// Hard limit in MiB for materialising data (`load_all`, the memory
    /// engine); above it they fail and suggest streaming. 0: no limit, the
    /// budget is the available memory.
    pub memory_limit_mb: u64,
    /// Warn (tracing) when a materialisation's estimate exceeds this fraction
    /// of the available memory.
    pub warn_fraction: f64,
    /// The Ballista scheduler of the distributed engine, `df://host:port`
    /// (`PARQUETFRAME_CLUSTER`); empty: no cluster.
    pub cluster: String,
    /// Auto selection runs a query on the cluster when its inputs, after
    /// projection, exceed this many MiB (and a cluster is configured and
    /// reachable).
    pub distributed_threshold_mb: u64,
    /// Seconds a query on the cluster may take before it fails with an
    /// error (a job can stall when executors are lost); 0: no limit.
    pub cluster_timeout_s: u64,
    /// Auto selection runs a plan with at least this many joins (nested and
    /// semi/anti joins counted) on DataFusion in this process, when the
    /// build has it (feature `distributed`) and the inputs are Parquet on
    /// local disk; 0 (the default): never.
    pub datafusion_joins: usize,
    /// Auto selection runs a plan holding a join that is not an inner join
    /// (semi and anti joins: `EXISTS`, `IN` over a subquery, their
    /// negations; left and full joins) on DataFusion in this process, under
    /// the same conditions as `datafusion_joins`. On by default: on TPC-H
    /// (SF 1 and 10) DataFusion beat the streaming engine on most such
    /// queries, by up to 1.9x (docs/benchmarks.md).
    pub datafusion_non_inner_joins: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            default: EngineSetting::Auto,
            memory_threshold_mb: 1024,
            streaming_fraction: 0.5,
            memory_limit_mb: 0,
            warn_fraction: 0.5,
            cluster: String::new(),
            // The ADR's distributed tier starts at 100 GB.
            distributed_threshold_mb: 100 * 1024,
            cluster_timeout_s: 3600,
            // Off: on TPC-H SF 1 DataFusion beat polars on some plans of
            // many joins and lost on others, by more than runs vary.
            datafusion_joins: 0,
            datafusion_non_inner_joins: true,
        }
    }
}

/// `[performance]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PerformanceConfig {
    /// Threads of parquetframe's own parallel work (reading, converting and
    /// writing files, validation); 0: rayon's global pool (one per core).
    /// polars sizes its own pool from `POLARS_MAX_THREADS`.
    pub threads: usize,
    /// MiB of `DataFrame`s the memory engine keeps cached.
    pub cache_mb: u64,
}

impl Default for PerformanceConfig {
    fn default() -> Self {
        Self { threads: 0, cache_mb: 1024 }
    }
}

/// When progress bars are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProgressSetting {
    /// On a terminal (stderr), not under CI, for long operations.
    #[default]
    Auto,
    /// Never.
    Off,
}

/// `[ux]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UxConfig {
    /// Progress bars of long operations.
    pub progress: ProgressSetting,
    /// The log filter (`tracing_subscriber::EnvFilter` syntax) of the
    /// subscriber parquetframe installs when the application has none.
    pub log_level: String,
    /// Print per-stage timings of each operation to stderr (`true`/`false`,
    /// also `1`/`0`, `on`/`off`, `yes`/`no` from a variable).
    #[serde(deserialize_with = "switch")]
    pub profile: bool,
}

/// A boolean that environment variables may spell 1/0, on/off, yes/no.
fn switch<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Switch {
        Bool(bool),
        Int(i64),
        Text(String),
    }
    match Switch::deserialize(d)? {
        Switch::Bool(b) => Ok(b),
        Switch::Int(0) => Ok(false),
        Switch::Int(1) => Ok(true),
        Switch::Text(t) if ["1", "true", "on", "yes"].contains(&t.to_ascii_lowercase().as_str()) => Ok(true),
        Switch::Text(t) if ["0", "false", "off", "no"].contains(&t.to_ascii_lowercase().as_str()) => {
            Ok(false)
        }
        other => Err(serde::de::Error::custom(format!(
            "expected true or false (or 1/0, on/off, yes/no), found {}",
            match other {
                Switch::Int(i) => i.to_string(),
                Switch::Text(t) => format!("`{t}`"),
                Switch::Bool(b) => b.to_string(),
            }
        ))),
    }
}

impl Default for UxConfig {
    fn default() -> Self {
        Self { progress: ProgressSetting::Auto, log_level: "warn".into(), profile: false }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Store settings.
    pub store: StoreConfig,
    /// Engine and memory settings.
    pub engine: EngineConfig,
    /// Threads and caching.
    pub performance: PerformanceConfig,
    /// Progress, logging and profiling.
    pub ux: UxConfig,
}

/// `parquetframe.toml` in `start` or the nearest ancestor.
pub fn find_file(start: &Path) -> Option<PathBuf> {
    start.ancestors().map(|dir| dir.join(FILE_NAME)).find(|p| p.is_file())
}

/// The configuration from its layers (cached while the file and the
/// `PARQUETFRAME_*` variables are unchanged).
pub fn load() -> Result<Config, Error> {
    Ok(layers::resolve(&Overrides::default())?.config.clone())
}

/// Where the value of `key` (e.g. `engine.default`) came from, `None` for a
/// built-in default (or a configuration that cannot be read).
pub fn origin(key: &str) -> Option<String> {
    let resolved = layers::resolve(&Overrides::default()).ok()?;
    resolved.origin(key).filter(|o| *o != Origin::Default).map(|o| o.describe(key))
}

/// Every key with its value and where the value came from.
///
/// ```
/// for setting in parquetframe::config::effective()? {
///     println!("{} = {}  ({})", setting.key, setting.value, setting.origin);
/// }
/// # Ok::<(), parquetframe::Error>(())
/// ```
pub fn effective() -> Result<Vec<Setting>, Error> {
    Ok(layers::resolve(&Overrides::default())?.settings())
}

/// Whether an option's value is a secret (shown masked): its key names a
/// secret, a key, a token, a password, a signature or credentials.
pub fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["secret", "key", "token", "password", "sas", "credential", "signature"].iter().any(|s| key.contains(s))
}

/// `value` as shown: `***` with its last 4 characters for a secret.
pub fn masked(key: &str, value: &str) -> String {
    if !is_secret(key) {
        return value.to_owned();
    }
    let tail: String = value.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    if value.chars().count() > 8 { format!("***{tail}") } else { "***".to_owned() }
}

impl StoreConfig {
    /// The options of a bucket's client this configuration sets: `endpoint`,
    /// `region` and `allow_http` when set, then [`options`](Self::options).
    pub fn object_options(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !self.endpoint.is_empty() {
            out.push(("endpoint".to_owned(), self.endpoint.clone()));
        }
        if !self.region.is_empty() {
            out.push(("region".to_owned(), self.region.clone()));
        }
        if self.allow_http {
            out.push(("allow_http".to_owned(), "true".to_owned()));
        }
        out.extend(self.options.iter().map(|(k, v)| (k.clone(), v.clone())));
        out
    }

    /// The root as a path (relative to the config file when it came from one).
    pub fn root_path(&self) -> PathBuf {
        // A URL (`s3://bucket/prefix`) is taken as written, not joined to
        // the directory of the file that set it.
        let original = self.root.original();
        if original.to_str().is_some_and(crate::io::is_url) {
            original.to_path_buf()
        } else {
            self.root.relative()
        }
    }

    /// The configured codec at the configured level.
    pub fn codec(&self) -> Result<crate::avro::Codec, Error> {
        let codec: crate::avro::Codec = self.codec.parse().map_err(|message| ConfigError::BadValue {
            key: "store.codec".into(),
            origin: "the store's configuration".into(),
            message,
        })?;
        Ok(match codec {
            crate::avro::Codec::Zstd(_) if self.zstd_level <= 0 => crate::avro::Codec::Null,
            crate::avro::Codec::Zstd(_) => codec.with_level(self.zstd_level),
            other => other,
        })
    }
}
