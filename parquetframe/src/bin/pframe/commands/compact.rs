//! `pframe compact`: one file per entity, replaced and deleted rows dropped.

use serde_json::json;

use crate::output::Output;
use crate::{Outcome, target};

pub fn run(
    out: &Output,
    root: Option<std::path::PathBuf>,
    names: &[String],
) -> parquetframe::Result<Outcome> {
    let store = target::store(root)?;
    let entities = target::entities(&store, names)?;
    let mut rows = Vec::new();
    for entity in &entities {
        let done = entity.compact(&store)?;
        rows.push((entity.name(), done));
    }
    if out.json {
        let rows: Vec<_> = rows
            .iter()
            .map(|(n, c)| json!({ "entity": n, "files_before": c.files_before, "files_after": c.files_after, "rows": c.rows }))
            .collect();
        out.json(&json!(rows));
    } else {
        let rows = rows.iter().map(|(n, c)| {
            vec![(*n).to_owned(), c.files_before.to_string(), c.files_after.to_string(), c.rows.to_string()]
        });
        out.print(out.table(&["entity", "files before", "files after", "live rows"], rows));
    }
    Ok(Outcome::Ok)
}
