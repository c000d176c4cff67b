//! One version of an entity's table: its data files, each with the rows its
//! deletion vector marks deleted.

use std::collections::HashMap;

use deltalake_core::kernel::{Add, DeletionVectorDescriptor, Remove};
use rayon::prelude::*;
use roaring::RoaringTreemap;

use super::dv;
use crate::error::Error;

/// One data file of a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct FileEntry {
    /// Path relative to the table directory (`data/...`).
    pub path: String,
    /// Rows stored in the file.
    pub rows: u64,
    /// Of those, rows its deletion vector marks deleted.
    pub deleted: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// When the file was written, in milliseconds since the epoch.
    pub modification_time: i64,
    /// Its deletion vector, if any row is deleted.
    pub(crate) dv: Option<DeletionVectorDescriptor>,
    /// Its statistics as Delta stores them (JSON).
    pub(crate) stats: Option<String>,
}

impl FileEntry {
    /// A new file of `rows` rows with no deleted rows.
    pub(crate) fn new(path: String, rows: u64, bytes: u64) -> Self {
        let modification_time = chrono::Utc::now().timestamp_millis();
        let stats = Some(format!("{{\"numRecords\":{rows}}}"));
        Self { path, rows, deleted: 0, bytes, modification_time, dv: None, stats }
    }

    /// Rows not deleted.
    pub fn live_rows(&self) -> u64 {
        self.rows.saturating_sub(self.deleted)
    }

    /// Whether its deletion vector (if any) is the same as `other`'s.
    pub(crate) fn same_version(&self, other: &FileEntry) -> bool {
        self.path == other.path && self.dv == other.dv
    }

    /// This file with `dv` as its deletion vector, marking `deleted` rows.
    pub(crate) fn with_dv(&self, dv: DeletionVectorDescriptor, deleted: u64) -> Self {
        Self { dv: Some(dv), deleted, ..self.clone() }
    }

    /// The rows its deletion vector marks; `table` is the table directory.
    pub(crate) fn deleted_rows(&self, table: &crate::io::Location) -> Result<RoaringTreemap, Error> {
        match &self.dv {
            None => Ok(RoaringTreemap::new()),
            Some(d) => dv::read(d, table),
        }
    }

    /// The log action adding this file (with its deletion vector).
    pub(crate) fn add(&self) -> Add {
        Add {
            path: self.path.clone(),
            partition_values: HashMap::new(),
            size: i64::try_from(self.bytes).unwrap_or(i64::MAX),
            modification_time: self.modification_time,
            data_change: true,
            stats: self.stats.clone(),
            tags: None,
            deletion_vector: self.dv.clone(),
            base_row_id: None,
            default_row_commit_version: None,
            clustering_provider: None,
        }
    }

    /// The log action removing this version of the file.
    pub(crate) fn remove(&self) -> Remove {
        Remove {
            path: self.path.clone(),
            data_change: true,
            deletion_timestamp: Some(chrono::Utc::now().timestamp_millis()),
            extended_file_metadata: Some(true),
            partition_values: Some(HashMap::new()),
            size: Some(i64::try_from(self.bytes).unwrap_or(i64::MAX)),
            tags: None,
            deletion_vector: self.dv.clone(),
            base_row_id: None,
            default_row_commit_version: None,
        }
    }
}

/// A committed version of one entity's table.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The entity's name.
    pub entity: String,
    /// The table version (0 before the first commit, and for the empty table
    /// created by it).
    pub version: u64,
    /// Data files, oldest first (file names start with their write time).
    pub files: Vec<FileEntry>,
    /// Whether the table exists (a version is committed).
    pub(crate) exists: bool,
    /// Why this crate must not write the table (a protocol feature it does
    /// not implement), if so.
    pub(crate) unwritable: Option<String>,
    /// The table's metadata action and its parsed schema (`None` before the
    /// table exists).
    pub(crate) table: Option<std::sync::Arc<TableMeta>>,
}

/// A table's metadata: what a commit that changes the schema rewrites.
#[derive(Debug)]
pub(crate) struct TableMeta {
    /// The `metaData` action in force.
    pub metadata: deltalake_core::kernel::Metadata,
    /// Its schema.
    pub schema: deltalake_core::kernel::StructType,
}

impl Snapshot {
    /// The state before the table exists.
    pub fn empty(entity: &str) -> Self {
        Self {
            entity: entity.to_owned(),
            version: 0,
            files: Vec::new(),
            exists: false,
            unwritable: None,
            table: None,
        }
    }

    /// Rows stored in the data files, deleted ones included.
    pub fn stored_rows(&self) -> u64 {
        self.files.iter().map(|f| f.rows).sum()
    }

    /// Live rows.
    pub fn live_rows(&self) -> u64 {
        self.files.iter().map(FileEntry::live_rows).sum()
    }

    /// Whether the table exists (has a committed version).
    pub fn exists(&self) -> bool {
        self.exists
    }

    /// For each file: `None` when no row is deleted, else the rows its
    /// deletion vector marks. Vectors are read in parallel; `table` is the
    /// table directory. Nothing is sized from the log's row counts: readers
    /// apply the rows to what they decode ([`crate::formats::claims::Deleted`]).
    pub(crate) fn deleted_sets(
        &self,
        table: &crate::io::Location,
    ) -> Result<Vec<Option<RoaringTreemap>>, Error> {
        self.files
            .par_iter()
            .map(|f| if f.dv.is_none() { Ok(None) } else { f.deleted_rows(table).map(Some) })
            .collect()
    }
}
