//! The commit history of a table, read from its log's commit files.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::LOG_DIR;
use crate::error::{Error, StorageError};
use crate::io::Location;

/// Key of this crate's own figures in a commit's `commitInfo`.
pub(crate) const METRICS_KEY: &str = "parquetframe";

/// One committed version.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    /// The table version.
    pub version: u64,
    /// When it was committed.
    pub timestamp: DateTime<Utc>,
    /// The operation (`WRITE`, `DELETE`, `OPTIMIZE`, `CREATE TABLE`, ...).
    pub operation: String,
    /// Rows it added.
    pub rows_added: u64,
    /// Rows it removed (replaced or deleted).
    pub rows_removed: u64,
}

/// The versions whose commit files are in `table`'s log, ascending.
pub(crate) fn versions(table: &Location) -> Result<Vec<u64>, Error> {
    let mut versions: Vec<u64> =
        table.join(LOG_DIR).list()?.iter().filter_map(|n| n.strip_suffix(".json")?.parse().ok()).collect();
    versions.sort_unstable();
    Ok(versions)
}

/// The commit of `version`.
pub(crate) fn read(table: &Location, version: u64) -> Result<Commit, Error> {
    let at = table.join(&format!("{LOG_DIR}/{version:020}.json"));
    let path = at.name();
    let text = at.read()?;
    let text = String::from_utf8_lossy(&text);
    let mut commit = Commit {
        version,
        timestamp: DateTime::<Utc>::MIN_UTC,
        operation: String::new(),
        rows_added: 0,
        rows_removed: 0,
    };
    let mut ours = false;
    let mut added_by_stats = 0u64;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let action: Value = serde_json::from_str(line).map_err(|e| StorageError::Corrupt {
            path: path.clone(),
            message: format!("not a Delta commit: {e}"),
        })?;
        if let Some(info) = action.get("commitInfo") {
            if let Some(ts) = info.get("timestamp").and_then(Value::as_i64) {
                commit.timestamp = DateTime::from_timestamp_millis(ts).unwrap_or(commit.timestamp);
            }
            commit.operation = info.get("operation").and_then(Value::as_str).unwrap_or_default().to_owned();
            if let Some(m) = info.get(METRICS_KEY) {
                ours = true;
                commit.rows_added = m.get("rowsAdded").and_then(Value::as_u64).unwrap_or(0);
                commit.rows_removed = m.get("rowsRemoved").and_then(Value::as_u64).unwrap_or(0);
            }
        } else if let Some(add) =
            action.get("add").filter(|a| a.get("deletionVector").is_none_or(Value::is_null))
        {
            let stats =
                add.get("stats").and_then(Value::as_str).and_then(|s| serde_json::from_str::<Value>(s).ok());
            added_by_stats += stats.and_then(|s| s.get("numRecords").and_then(Value::as_u64)).unwrap_or(0);
        }
    }
    if !ours {
        commit.rows_added = added_by_stats;
    }
    Ok(commit)
}

/// The newest version committed at or before `at`, if any.
pub(crate) fn version_at(table: &Location, at: DateTime<Utc>) -> Result<Option<u64>, Error> {
    let mut found = None;
    for v in versions(table)? {
        if read(table, v)?.timestamp > at {
            break;
        }
        found = Some(v);
    }
    Ok(found)
}
