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
    /// Hours a file no longer in the newest version stays for readers of
    /// older versions before [`Store::vacuum`](crate::Store::vacuum) removes it.
    pub retention_hours: u64,
    /// When foreign keys are checked (`deferred`: only by [`Store::validate`](crate::Store::validate)).
    pub fk_check: FkCheck,
    /// Whether writers take the OS file lock of an entity (see
    /// [`StoreBuilder::writer_lock`](crate::StoreBuilder::writer_lock)).
    pub writer_lock: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            write: WriteOptions::default(),
            format: crate::entity::Format::Parquet,
            compact_max_files: 16,
            retention_hours: 168,
            fk_check: FkCheck::Deferred,
            writer_lock: true,
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

/// What a vacuum removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vacuum {
    /// Files removed (paths relative to the table directory).
    pub files_removed: Vec<String>,
    /// The retention it kept, in hours.
    pub retention_hours: u64,
}
