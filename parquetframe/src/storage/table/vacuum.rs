//! Vacuum: removing the files of a table that no version within the
//! retention needs.
//!
//! Our own sweep rather than deltalake-core's: its `full` mode judges a
//! deletion-vector file by the file's age alone, so a vector written long ago
//! and replaced a minute ago went, and the version of a minute ago with it.
//! Here a file stays while the newest version lists it (as a data file or as
//! a file's deletion vector) or a `remove` action newer than the retention
//! names it; a file no action names at all (a killed writer's, or one a
//! running writer has not committed yet) stays until it is older than the
//! retention and [`ORPHAN_GRACE_HOURS`].

use std::collections::{HashMap, HashSet};

use deltalake_core::kernel::{DeletionVectorDescriptor, StorageType};
use serde_json::Value;

use super::snapshot::Snapshot;
use super::{LOG_DIR, history};
use crate::error::{Error, StorageError};
use crate::io::{self, Location, io_error};

/// Files no version lists are removed only past this age (and the
/// retention): long enough for any writer to commit the files it wrote.
pub(crate) const ORPHAN_GRACE_HOURS: u64 = 1;

/// Removes what no version within `retention_hours` needs from the table in
/// `dir` whose newest version is `newest`; returns the removed files'
/// paths relative to `dir`, sorted.
pub(crate) fn sweep(dir: &Location, newest: &Snapshot, retention_hours: u64) -> Result<Vec<String>, Error> {
    let now = chrono::Utc::now().timestamp_millis();
    let hours_ms = |h: u64| i64::try_from(h.saturating_mul(3_600_000)).unwrap_or(i64::MAX);
    let cutoff = now.saturating_sub(hours_ms(retention_hours));
    let orphan_cutoff = now.saturating_sub(hours_ms(retention_hours.max(ORPHAN_GRACE_HOURS)));

    let mut keep: HashSet<String> = HashSet::new();
    for file in &newest.files {
        keep.insert(file.path.clone());
        keep.extend(file.dv.as_ref().and_then(dv_path));
    }
    // Replays every commit the log holds now, which may be newer than
    // `newest` (writers go on while this runs): a file is kept while its
    // last action is an `add` (with its deletion vector's file), or while
    // a `remove` newer than the retention names it. Judging by `newest`
    // alone deleted a file that a later commit re-added with a new
    // deletion vector (`remove` and `add` of one file in one commit).
    let mut added: HashMap<String, Option<String>> = HashMap::new();
    let mut removed_at: HashMap<String, i64> = HashMap::new();
    for version in history::versions(dir)? {
        let at = dir.join(&format!("{LOG_DIR}/{version:020}.json"));
        let path = at.name();
        let Some(text) = at.read_if_exists()? else { continue };
        let text = String::from_utf8_lossy(&text);
        let actions: Vec<Value> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l).map_err(|e| {
                    Error::from(StorageError::Corrupt {
                        path: path.clone(),
                        message: format!("not a Delta commit: {e}"),
                    })
                })
            })
            .collect::<Result<_, _>>()?;
        let committed =
            actions.iter().find_map(|a| a.get("commitInfo")?.get("timestamp")?.as_i64()).unwrap_or(now);
        // Within a commit, an `add` of a file wins over its `remove`.
        for remove in actions.iter().filter_map(|a| a.get("remove")) {
            let when = remove.get("deletionTimestamp").and_then(Value::as_i64).unwrap_or(committed);
            let (file, vector) = action_paths(remove);
            for named in file.iter().chain(&vector) {
                let at = removed_at.entry(named.clone()).or_insert(when);
                *at = (*at).max(when);
            }
            if let Some(file) = file {
                added.remove(&file);
            }
        }
        for add in actions.iter().filter_map(|a| a.get("add")) {
            if let (Some(file), vector) = action_paths(add) {
                added.insert(file, vector);
            }
        }
    }
    for (file, vector) in added {
        keep.insert(file);
        keep.extend(vector);
    }
    let mut expired: HashSet<String> = HashSet::new();
    for (named, when) in removed_at {
        if when >= cutoff {
            keep.insert(named);
        } else {
            expired.insert(named);
        }
    }
    let mut removed = Vec::new();
    let mut dirs = HashSet::new();
    for (relative, modified) in candidates(dir)? {
        if keep.contains(&relative) {
            continue;
        }
        let path = dir.join(&relative);
        let old_enough = modified.is_some_and(|m| m < orphan_cutoff);
        if expired.contains(&relative) || old_enough {
            path.remove()?;
            if let Some(parent) = path.local().and_then(|p| p.parent()) {
                dirs.insert(parent.to_path_buf());
            }
            removed.push(relative);
        }
    }
    for d in dirs {
        io::sync_dir(&d)?;
    }
    removed.sort_unstable();
    Ok(removed)
}

/// The file an `add` or `remove` action names and its deletion vector's
/// file, relative to the table.
fn action_paths(action: &Value) -> (Option<String>, Option<String>) {
    let file = action.get("path").and_then(Value::as_str).map(unescape);
    let vector = action
        .get("deletionVector")
        .filter(|d| !d.is_null())
        .and_then(|d| serde_json::from_value::<DeletionVectorDescriptor>(d.clone()).ok())
        .and_then(|dv| dv_path(&dv));
    (file, vector)
}

/// Paths in the log are URL-encoded (`%20` for a space).
fn unescape(path: &str) -> String {
    url::Url::parse(&format!("file:///{path}"))
        .ok()
        .and_then(|u| u.to_file_path().ok())
        .and_then(|p| p.strip_prefix("/").ok().map(|r| r.display().to_string()))
        .unwrap_or_else(|| path.to_owned())
}

/// The file of a deletion vector stored beside the table, relative to it.
fn dv_path(dv: &DeletionVectorDescriptor) -> Option<String> {
    if dv.storage_type != StorageType::UuidRelativePath {
        return None;
    }
    super::dv::relative_file(dv).ok().map(|p| p.display().to_string())
}

/// The data and deletion-vector files under the table directory, relative
/// to it, with their modification times (milliseconds since the epoch):
/// not the log, nor hidden entries (`_`, `.`: the writer lock, temporary files).
fn candidates(dir: &Location) -> Result<Vec<(String, Option<i64>)>, Error> {
    let wanted = |name: &str| name.ends_with(".parquet") || name.ends_with(".avro") || name.ends_with(".bin");
    let hidden = |part: &str| part.starts_with('_') || part.starts_with('.');
    let dir = match dir {
        Location::Local(dir) => dir,
        Location::Object(_) => {
            let listed = dir.list_all()?;
            return Ok(listed
                .into_iter()
                .filter(|(relative, _, _)| !relative.split('/').any(hidden) && wanted(relative))
                .map(|(relative, _, modified)| (relative, modified))
                .collect());
        }
    };
    let modified = |path: &std::path::Path| {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    };
    let mut out = Vec::new();
    let mut pending = vec![std::path::PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let here = dir.join(&relative);
        let entries = match std::fs::read_dir(&here) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_error("listing", &here)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(io_error("listing", &here))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if hidden(&name) {
                continue;
            }
            let path = relative.join(&name);
            let kind = entry.file_type().map_err(io_error("listing", &here))?;
            if kind.is_dir() {
                pending.push(path);
            } else if wanted(&name) {
                out.push((path.display().to_string(), modified(&dir.join(&path))));
            }
        }
    }
    Ok(out)
}
