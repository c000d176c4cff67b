//! Layered configuration (figment): built-in defaults < `parquetframe.toml`
//! (found from the working directory upwards, or `PARQUETFRAME_CONFIG`) <
//! `PARQUETFRAME_*` environment variables < arguments in code.
//!
//! This release reads the `[store]` and `[engine]` keys; performance and UX
//! keys come with the features that use them.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::magic::RelativePathBuf;
use serde::{Deserialize, Serialize};

use crate::error::{Error, StorageError};

/// The configuration file name searched for.
pub const FILE_NAME: &str = "parquetframe.toml";

/// `[store]` settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// The default store's root (relative paths in a file are relative to the file).
    pub root: RelativePathBuf,
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
    /// When foreign keys are checked: `deferred` (only by `store.validate()`)
    /// or `on_save` (a save whose rows reference missing parents fails).
    pub fk_check: crate::validate::FkCheck,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            root: RelativePathBuf::from(PathBuf::from("data")),
            row_group_size: 128 * 1024,
            codec: "zstandard".into(),
            zstd_level: 1,
            compact_max_files: 16,
            fk_check: crate::validate::FkCheck::Deferred,
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
}

impl std::str::FromStr for EngineSetting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "memory" | "eager" => Ok(Self::Memory),
            "lazy" => Ok(Self::Lazy),
            "streaming" => Ok(Self::Streaming),
            other => Err(format!("unknown engine `{other}`; expected auto, memory, lazy or streaming")),
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
    /// MiB of `DataFrame`s the memory engine keeps cached.
    pub cache_mb: u64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            default: EngineSetting::Auto,
            memory_threshold_mb: 1024,
            streaming_fraction: 0.5,
            memory_limit_mb: 0,
            warn_fraction: 0.5,
            cache_mb: 1024,
        }
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
}

/// Environment variables and the keys they set.
const ENV_KEYS: &[(&str, &str)] = &[
    ("root", "store.root"),
    ("row_group_size", "store.row_group_size"),
    ("codec", "store.codec"),
    ("zstd_level", "store.zstd_level"),
    ("compact_max_files", "store.compact_max_files"),
    ("fk_check", "store.fk_check"),
    ("engine", "engine.default"),
    ("memory_threshold_mb", "engine.memory_threshold_mb"),
    ("streaming_fraction", "engine.streaming_fraction"),
    ("memory_limit_mb", "engine.memory_limit_mb"),
    ("warn_fraction", "engine.warn_fraction"),
    ("cache_mb", "engine.cache_mb"),
];

/// `parquetframe.toml` in `start` or the nearest ancestor.
pub fn find_file(start: &Path) -> Option<PathBuf> {
    start.ancestors().map(|dir| dir.join(FILE_NAME)).find(|p| p.is_file())
}

/// Loads the configuration from its layers.
pub fn load() -> Result<Config, Error> {
    let figment = figment();
    figment.extract::<Config>().map_err(|e| StorageError::Config(e.to_string()).into())
}

/// Where the value of `key` (e.g. `engine.default`) came from: the
/// environment variable or the file, `None` for a built-in default.
pub fn origin(key: &str) -> Option<String> {
    if let Some((var, _)) = ENV_KEYS.iter().find(|(_, k)| *k == key) {
        let var = format!("PARQUETFRAME_{}", var.to_ascii_uppercase());
        if let Ok(value) = std::env::var(&var) {
            return Some(format!("{var}={value}"));
        }
    }
    let figment = figment();
    let Some(figment::Source::File(file)) = figment.find_metadata(key)?.source.as_ref() else { return None };
    let (section, name) = key.split_once('.').unwrap_or(("", key));
    Some(format!("{} [{section}] {name}", file.display()))
}

fn figment() -> Figment {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    let file = match std::env::var_os("PARQUETFRAME_CONFIG") {
        Some(path) => Some(PathBuf::from(path)),
        None => std::env::current_dir().ok().and_then(|d| find_file(&d)),
    };
    if let Some(file) = &file {
        figment = figment.merge(Toml::file(file));
    }
    let names: Vec<&str> = ENV_KEYS.iter().map(|(var, _)| *var).collect();
    let env = Env::prefixed("PARQUETFRAME_").only(&names).map(|var| {
        let key = ENV_KEYS.iter().find(|(v, _)| var.as_str().eq_ignore_ascii_case(v)).map_or("", |(_, k)| k);
        key.into()
    });
    figment.merge(env)
}

impl StoreConfig {
    /// The root as a path (relative to the config file when it came from one).
    pub fn root_path(&self) -> PathBuf {
        self.root.relative()
    }

    /// The configured codec at the configured level.
    pub fn codec(&self) -> Result<crate::avro::Codec, Error> {
        let codec: crate::avro::Codec =
            self.codec.parse().map_err(|e| StorageError::Config(format!("store.codec: {e}")))?;
        Ok(match codec {
            crate::avro::Codec::Zstd(_) if self.zstd_level <= 0 => crate::avro::Codec::Null,
            crate::avro::Codec::Zstd(_) => codec.with_level(self.zstd_level),
            other => other,
        })
    }
}
