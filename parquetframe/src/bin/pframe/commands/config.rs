//! `pframe config`: every key, its value and where the value came from.

use serde_json::json;

use crate::Outcome;
use crate::output::Output;

pub fn run(out: &Output) -> parquetframe::Result<Outcome> {
    let settings = parquetframe::config::effective()?;
    if out.json {
        let rows: Vec<_> = settings
            .iter()
            .map(|s| json!({ "key": s.key, "value": s.value, "origin": s.origin.to_string(), "env": s.env }))
            .collect();
        out.json(&json!(rows));
    } else {
        let rows = settings
            .iter()
            .map(|s| vec![s.key.to_owned(), s.value.clone(), s.origin.to_string(), s.env.to_owned()]);
        out.print(out.table(&["key", "value", "origin", "variable"], rows));
    }
    Ok(Outcome::Ok)
}
