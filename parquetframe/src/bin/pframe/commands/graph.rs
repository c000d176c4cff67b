//! `pframe graph`: the entity graph of a store's catalog.

use parquetframe::SchemaGraph;
use serde_json::json;

use crate::output::Output;
use crate::{GraphFormat, Outcome, target};

pub fn run(
    out: &Output,
    root: Option<std::path::PathBuf>,
    format: GraphFormat,
) -> parquetframe::Result<Outcome> {
    let store = target::store(root)?;
    let catalog = parquetframe::storage::catalog::read(store.location())?;
    let graph = SchemaGraph::from_catalog(&catalog);
    let problems = graph.problems();
    if out.json {
        let relations: Vec<_> = graph
            .relations()
            .map(|(r, target)| {
                json!({ "entity": r.entity, "column": r.column, "target": target, "required": r.required,
                        "on_delete": r.on_delete.as_str(), "inverse": r.inverse })
            })
            .collect();
        out.json(&json!({
            "entities": graph.entities().map(|e| e.name.clone()).collect::<Vec<_>>(),
            "order": graph.topological_order().ok(),
            "relations": relations,
            "problems": problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }));
    } else {
        out.print(match format {
            GraphFormat::Dot => graph.to_dot(),
            GraphFormat::Mermaid => graph.to_mermaid(),
            GraphFormat::Text => graph.to_text(),
        });
    }
    Ok(if problems.is_empty() { Outcome::Ok } else { Outcome::Invalid })
}
