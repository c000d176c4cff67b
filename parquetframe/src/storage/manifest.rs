//! The commit point: a numbered manifest listing the live, immutable files.
//!
//! A commit writes `_manifest/.tmp-<unique>`, syncs it, and hard-links it to
//! `_manifest/<version>.json`. The link is atomic and fails when the name
//! exists, so a version is created once, complete, by exactly one writer; a
//! reader takes the highest version and never sees a partial commit.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, StorageError};
use crate::io::{self, io_error};

/// The manifest format written by this version of parquetframe.
pub const FORMAT_VERSION: u32 = 1;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// Whole rows.
    Data,
    /// Primary keys of deleted rows (only the key column).
    Deletes,
}

/// One live file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the entity's directory (`data/...`).
    pub path: String,
    /// Data or deletes.
    pub kind: FileKind,
    /// Commit sequence: a row in a file of higher sequence replaces (or, for
    /// deletes, removes) a row with the same key in files of lower sequence.
    pub seq: u64,
    /// Rows in the file.
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
}

/// A committed snapshot of one entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format of this document.
    pub format_version: u32,
    /// The entity's name.
    pub entity: String,
    /// This manifest's version (its file name).
    pub version: u64,
    /// The sequence number the next file gets.
    pub next_seq: u64,
    /// Live files, in commit order.
    pub files: Vec<FileEntry>,
}

impl Manifest {
    /// The state before the first commit.
    pub fn empty(entity: &str) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            entity: entity.to_owned(),
            version: 0,
            next_seq: 1,
            files: Vec::new(),
        }
    }

    /// Rows in data files (before upserts and deletes are resolved).
    pub fn stored_rows(&self) -> u64 {
        self.files.iter().filter(|f| f.kind == FileKind::Data).map(|f| f.rows).sum()
    }
}

fn file_name(version: u64) -> String {
    format!("{version:020}.json")
}

/// The versions present in a manifests directory, ascending.
pub fn versions(dir: &Path) -> Result<Vec<u64>, Error> {
    let mut versions: Vec<u64> =
        io::list(dir)?.iter().filter_map(|n| n.strip_suffix(".json")?.parse().ok()).collect();
    versions.sort_unstable();
    Ok(versions)
}

/// Reads manifest `version`.
pub fn read(dir: &Path, version: u64) -> Result<Manifest, Error> {
    let path = dir.join(file_name(version));
    let bytes = std::fs::read(&path).map_err(io_error("reading manifest", &path))?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| StorageError::Corrupt { path: path.clone(), message: format!("not a manifest: {e}") })?;
    if manifest.format_version > FORMAT_VERSION || manifest.version != version {
        return Err(StorageError::Corrupt {
            path,
            message: format!(
                "manifest format {} version {} (this parquetframe reads format {FORMAT_VERSION})",
                manifest.format_version, manifest.version
            ),
        }
        .into());
    }
    Ok(manifest)
}

/// The newest committed manifest, or the empty state.
pub fn latest(dir: &Path, entity: &str) -> Result<Manifest, Error> {
    match versions(dir)?.last() {
        Some(&v) => read(dir, v),
        None => Ok(Manifest::empty(entity)),
    }
}

/// Publishes `manifest` as its version. `Ok(false)` when that version already
/// exists (another writer committed first): nothing was changed.
pub fn publish(dir: &Path, manifest: &Manifest) -> Result<bool, Error> {
    io::create_dir_all(dir)?;
    let bytes = serde_json::to_vec_pretty(manifest)
        .map_err(|e| StorageError::Corrupt { path: dir.to_path_buf(), message: e.to_string() })?;
    let tmp = dir.join(format!(".tmp-{}", io::unique_suffix()));
    io::write_synced(&tmp, &bytes)?;
    let target: PathBuf = dir.join(file_name(manifest.version));
    let linked = std::fs::hard_link(&tmp, &target);
    io::remove_file(&tmp)?;
    match linked {
        Ok(()) => {
            io::sync_dir(dir)?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(io_error("publishing manifest", &target)(e)),
    }
}

/// Removes leftover temporary manifests and all but the newest `keep` versions.
pub fn prune(dir: &Path, keep: usize) -> Result<(), Error> {
    for name in io::list(dir)? {
        if name.starts_with(".tmp-") {
            io::remove_file(&dir.join(name))?;
        }
    }
    let versions = versions(dir)?;
    let old = versions.len().saturating_sub(keep.max(1));
    for v in versions.iter().take(old) {
        io::remove_file(&dir.join(file_name(*v)))?;
    }
    Ok(())
}
