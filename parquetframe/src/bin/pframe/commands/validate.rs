//! `pframe validate`: primary and foreign keys of every entity in a store,
//! from its catalog alone.

use serde_json::json;

use crate::output::Output;
use crate::{Outcome, target};

pub fn run(
    out: &Output,
    root: Option<std::path::PathBuf>,
    on_cluster: bool,
) -> parquetframe::Result<Outcome> {
    let store = target::store(root)?;
    let report = if on_cluster { on_the_cluster(&store)? } else { store.validate_catalog()? };
    if out.json {
        let entities: Vec<_> = report
            .entities
            .iter()
            .map(|e| {
                json!({ "entity": e.entity, "rows": e.rows, "duplicate_keys": e.duplicate_keys,
                             "duplicate_sample": e.duplicate_sample })
            })
            .collect();
        let relations: Vec<_> = report
            .relations
            .iter()
            .map(|r| json!({ "entity": r.entity, "column": r.column, "target": r.target, "required": r.required,
                             "rows": r.rows, "orphans": r.orphans, "orphan_sample": r.orphan_sample, "nulls": r.nulls }))
            .collect();
        out.json(&json!({
            "ok": report.is_ok(),
            "entities": entities,
            "relations": relations,
            "unknown_entities": report.unknown_entities,
            "unknown_targets": report.unknown_targets,
            "problems": report.problems(),
            "ran_on": report.ran_on,
        }));
    } else {
        out.print(&report);
    }
    Ok(if report.is_ok() { Outcome::Ok } else { Outcome::Invalid })
}

#[cfg(feature = "distributed")]
fn on_the_cluster(store: &parquetframe::Store) -> parquetframe::Result<parquetframe::ValidationReport> {
    store.validate_catalog_on_cluster()
}

#[cfg(not(feature = "distributed"))]
fn on_the_cluster(_: &parquetframe::Store) -> parquetframe::Result<parquetframe::ValidationReport> {
    Err(parquetframe::QueryError::Unavailable {
        engine: "distributed",
        message: "is not in this build of pframe: build it with the cargo feature `distributed`".into(),
    }
    .into())
}
