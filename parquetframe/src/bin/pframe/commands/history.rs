//! `pframe history`: an entity's commits, and `pframe vacuum`: removing the
//! files no version within the retention needs.

use parquetframe::StoredEntity;
use serde_json::json;

use crate::output::Output;
use crate::{Outcome, target};

/// Which commits `pframe history` shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Range {
    /// The first version shown.
    pub from: Option<u64>,
    /// The last version shown.
    pub to: Option<u64>,
    /// At most this many, the newest.
    pub limit: Option<usize>,
}

pub fn history(
    out: &Output,
    root: Option<std::path::PathBuf>,
    name: &str,
    range: Range,
) -> parquetframe::Result<Outcome> {
    let store = target::store(root)?;
    let entity = StoredEntity::open(&store, name)?;
    let mut commits = entity.history(&store)?;
    commits.retain(|c| range.from.is_none_or(|f| c.version >= f) && range.to.is_none_or(|t| c.version <= t));
    if let Some(limit) = range.limit {
        commits.drain(..commits.len().saturating_sub(limit));
    }
    if out.json {
        let rows: Vec<_> = commits
            .iter()
            .map(|c| {
                json!({
                    "version": c.version, "timestamp": c.timestamp.to_rfc3339(), "operation": c.operation,
                    "rows_added": c.rows_added, "rows_removed": c.rows_removed,
                })
            })
            .collect();
        out.json(&json!(rows));
    } else {
        let rows = commits.iter().map(|c| {
            vec![
                c.version.to_string(),
                c.timestamp.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string(),
                c.operation.clone(),
                c.rows_added.to_string(),
                c.rows_removed.to_string(),
            ]
        });
        out.print(out.table(&["version", "time", "operation", "rows added", "rows removed"], rows));
    }
    Ok(Outcome::Ok)
}

pub fn vacuum(
    out: &Output,
    root: Option<std::path::PathBuf>,
    names: &[String],
    retention_hours: Option<u64>,
) -> parquetframe::Result<Outcome> {
    let store = target::store(root)?;
    let retention = retention_hours.unwrap_or(store.options().retention_hours);
    let entities = target::entities(&store, names)?;
    let mut rows = Vec::new();
    for entity in &entities {
        let done = store.vacuum_at(&entity.entry.path, entity.name(), retention)?;
        rows.push((entity.name(), done));
    }
    if out.json {
        let rows: Vec<_> = rows
            .iter()
            .map(|(n, v)| json!({ "entity": n, "files_removed": v.files_removed, "retention_hours": v.retention_hours }))
            .collect();
        out.json(&json!(rows));
    } else {
        let rows = rows.iter().map(|(n, v)| {
            vec![(*n).to_owned(), v.files_removed.len().to_string(), v.retention_hours.to_string()]
        });
        out.print(out.table(&["entity", "files removed", "retention (hours)"], rows));
    }
    Ok(Outcome::Ok)
}
