//! `Store::builder()`: a store configured in code. Values set here are the
//! highest configuration layer; `isolated()` ignores `parquetframe.toml` and
//! the environment, so tests and libraries need no global state.

use std::path::PathBuf;
use std::sync::Arc;

use super::{Store, StoreOptions, WriteOptions};
use crate::config::FkCheck;
use crate::config::{EngineSetting, Overrides, ProgressSetting};
use crate::error::Error;

/// Builds a [`Store`] from configuration set in code.
///
/// ```
/// use parquetframe::prelude::*;
/// use parquetframe::config::EngineSetting;
///
/// let dir = tempfile::tempdir()?;
/// let store = Store::builder()
///     .root(dir.path())
///     .engine(EngineSetting::Lazy)
///     .memory_limit_mb(512)
///     .isolated()
///     .open()?;
/// assert_eq!(store.config()?.engine.memory_limit_mb, 512);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct StoreBuilder {
    overrides: Overrides,
    /// `Some(false)`: writers skip the OS lock (see [`writer_lock`](Self::writer_lock)).
    writer_lock: Option<bool>,
}

impl StoreBuilder {
    /// The root directory (`store.root`).
    pub fn root(mut self, root: impl Into<PathBuf>) -> Self {
        self.overrides.set("store.root", root.into());
        self
    }

    /// The engine of queries that do not pick one (`engine.default`).
    pub fn engine(mut self, engine: impl Into<EngineSetting>) -> Self {
        self.overrides.set("engine.default", engine.into());
        self
    }

    /// Hard memory limit in MiB for materialising data (`engine.memory_limit_mb`).
    pub fn memory_limit_mb(mut self, mib: u64) -> Self {
        self.overrides.set("engine.memory_limit_mb", mib);
        self
    }

    /// The Ballista scheduler of the distributed engine, `df://host:port`
    /// (`engine.cluster`; feature `distributed`).
    pub fn cluster(mut self, address: impl Into<String>) -> Self {
        self.overrides.set("engine.cluster", address.into());
        self
    }

    /// Inputs above this many MiB run on the cluster under auto selection
    /// (`engine.distributed_threshold_mb`).
    pub fn distributed_threshold_mb(mut self, mib: u64) -> Self {
        self.overrides.set("engine.distributed_threshold_mb", mib);
        self
    }

    /// Seconds a query on the cluster may run before it fails
    /// (`engine.cluster_timeout_s`; 0: no limit).
    pub fn cluster_timeout_s(mut self, seconds: u64) -> Self {
        self.overrides.set("engine.cluster_timeout_s", seconds);
        self
    }

    /// The memory engine's size threshold in MiB (`engine.memory_threshold_mb`).
    pub fn memory_threshold_mb(mut self, mib: u64) -> Self {
        self.overrides.set("engine.memory_threshold_mb", mib);
        self
    }

    /// Compression of data files (`store.codec`): `null`, `snappy`, `zstandard`, ...
    pub fn codec(mut self, codec: &str) -> Self {
        self.overrides.set("store.codec", codec);
        self
    }

    /// The format of entities that declare none (`store.format`).
    pub fn format(mut self, format: crate::entity::Format) -> Self {
        self.overrides.set("store.format", format);
        self
    }

    /// Rows per row group (`store.row_group_size`).
    pub fn row_group_size(mut self, rows: usize) -> Self {
        self.overrides.set("store.row_group_size", rows);
        self
    }

    /// When foreign keys are checked (`store.fk_check`).
    pub fn fk_check(mut self, check: FkCheck) -> Self {
        self.overrides.set("store.fk_check", check);
        self
    }

    /// Threads of parquetframe's parallel work (`performance.threads`).
    pub fn threads(mut self, threads: usize) -> Self {
        self.overrides.set("performance.threads", threads);
        self
    }

    /// Progress bars (`ux.progress`).
    pub fn progress(mut self, progress: ProgressSetting) -> Self {
        self.overrides.set("ux.progress", progress);
        self
    }

    /// Any key by name, e.g. `.set("engine.warn_fraction", 0.8)`; an unknown
    /// key or a bad value fails [`open`](Self::open).
    pub fn set(mut self, key: &str, value: impl serde::Serialize) -> Self {
        self.overrides.set(key, value);
        self
    }

    /// Whether writers of an entity take the OS file lock on its `_lock`
    /// file (default: yes). The lock only keeps writers on one machine from
    /// racing; commits stay correct without it (a writer that loses a race
    /// plans again on the newer version), so `false` is what stores shared by
    /// several machines behave like, and what the race tests run.
    pub fn writer_lock(mut self, on: bool) -> Self {
        self.writer_lock = Some(on);
        self
    }

    /// Ignores `parquetframe.toml` and the `PARQUETFRAME_*` variables.
    pub fn isolated(mut self) -> Self {
        self.overrides.isolate();
        self
    }

    /// Opens the store (creating its directory), checking the configuration.
    pub fn open(self) -> Result<Store, Error> {
        let resolved = crate::config::resolve(&self.overrides)?;
        let config = &resolved.config.store;
        let options = StoreOptions {
            write: WriteOptions { row_group_size: config.row_group_size, codec: config.codec()? },
            format: config.format,
            compact_max_files: config.compact_max_files,
            retention_hours: config.retention_hours,
            fk_check: config.fk_check,
            writer_lock: self.writer_lock.unwrap_or(true),
        };
        Store::create(config.root_path(), options, Arc::new(self.overrides))
    }
}
