//! `pframe head`, `pframe query` and `pframe sql`.

use std::path::{Path, PathBuf};

use parquetframe::{Engine, Error, QueryError, col};
use serde_json::json;

use crate::output::Output;
use crate::{Outcome, filter, target};

fn usage(message: String) -> Error {
    QueryError::Engine { context: "pframe".into(), message }.into()
}

pub fn head(out: &Output, path: &Path, rows: u64) -> parquetframe::Result<Outcome> {
    let mut frame = target::resolve(path)?.proxy()?.limit(rows).collect()?;
    out.frame(&mut frame)?;
    Ok(Outcome::Ok)
}

pub fn query(
    out: &Output,
    path: &Path,
    predicate: Option<&str>,
    select: &[String],
    limit: Option<u64>,
    engine: &str,
    explain: bool,
) -> parquetframe::Result<Outcome> {
    let mut proxy = target::resolve(path)?.proxy()?;
    match engine.parse::<parquetframe::config::EngineSetting>().map_err(usage)? {
        parquetframe::config::EngineSetting::Auto => {}
        other => {
            if let Some(engine) = Engine::from_setting(other) {
                proxy = proxy.engine(engine);
            }
        }
    }
    if let Some(text) = predicate {
        proxy = proxy.filter(filter::parse(text).map_err(usage)?);
    }
    if !select.is_empty() {
        proxy = proxy.select(select.iter().map(|c| col(c.trim())));
    }
    if let Some(n) = limit {
        proxy = proxy.limit(n);
    }
    if explain {
        let explanation = proxy.explain()?;
        if out.json {
            let choice = &explanation.choice;
            out.json(&json!({
                "engine": choice.engine.to_string(),
                "overridden_by": choice.overridden_by,
                "reasons": choice.reasons,
                "estimated_bytes": choice.figures.estimated_bytes,
                "estimated_rows": choice.figures.estimated_rows,
                "inputs": explanation.inputs,
                "operations": explanation.operations,
                "polars_plan": explanation.polars_plan,
            }));
        } else {
            out.print(&explanation);
        }
        return Ok(Outcome::Ok);
    }
    let mut frame = proxy.collect()?;
    out.frame(&mut frame)?;
    Ok(Outcome::Ok)
}

pub fn sql(out: &Output, root: Option<PathBuf>, query: &str) -> parquetframe::Result<Outcome> {
    // The library's `store.sql`: the engine the heuristics pick, tables by
    // entity name and by directory.
    let mut frame = target::store(root)?.sql(query).collect()?;
    out.frame(&mut frame)?;
    Ok(Outcome::Ok)
}
