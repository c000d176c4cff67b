//! How a store writes and maintains files, and what a compaction did.

use crate::config::FkCheck;
use crate::formats::WriteOptions;

/// How a store writes and maintains files.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Data file settings.
    pub write: WriteOptions,
    /// The format of entities that declare none, when first saved here.
    pub format: crate::entity::Format,
    /// Above this many live files, a commit compacts the newest small files.
    pub compact_max_files: usize,
    /// Manifest versions kept (older snapshots stay readable that long).
    pub keep_manifests: usize,
    /// When foreign keys are checked (`deferred`: only by [`Store::validate`](crate::Store::validate)).
    pub fk_check: FkCheck,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            write: WriteOptions::default(),
            format: crate::entity::Format::Parquet,
            compact_max_files: 16,
            keep_manifests: 10,
            fk_check: FkCheck::Deferred,
        }
    }
}

/// What a compaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compaction {
    /// Live files before.
    pub files_before: usize,
    /// Live files after.
    pub files_after: usize,
    /// Live rows written.
    pub rows: u64,
}
