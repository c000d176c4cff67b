//! Layered configuration (figment): built-in defaults < `parquetframe.toml`
//! (found from the working directory upwards, or `PARQUETFRAME_CONFIG`) <
//! `PARQUETFRAME_*` environment variables < arguments in code.
//!
//! This release reads the `[store]` keys; engine, performance and UX keys
//! come with the features that use them.

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

/// The whole configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Store settings.
    pub store: StoreConfig,
}

/// `parquetframe.toml` in `start` or the nearest ancestor.
pub fn find_file(start: &Path) -> Option<PathBuf> {
    start.ancestors().map(|dir| dir.join(FILE_NAME)).find(|p| p.is_file())
}

/// Loads the configuration from its layers.
pub fn load() -> Result<Config, Error> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    let file = match std::env::var_os("PARQUETFRAME_CONFIG") {
        Some(path) => Some(PathBuf::from(path)),
        None => std::env::current_dir().ok().and_then(|d| find_file(&d)),
    };
    if let Some(file) = &file {
        figment = figment.merge(Toml::file(file));
    }
    let env = Env::prefixed("PARQUETFRAME_")
        .only(&["root", "row_group_size", "codec", "zstd_level", "compact_max_files", "fk_check"])
        .map(|key| format!("store.{}", key.as_str()).into());
    figment = figment.merge(env);
    figment.extract::<Config>().map_err(|e| StorageError::Config(e.to_string()).into())
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
