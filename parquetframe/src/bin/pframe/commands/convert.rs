//! `pframe convert`: between Parquet, Avro, CSV, NDJSON and Arrow IPC.

use std::path::Path;

use parquetframe::avro::Codec;
use parquetframe::polars::prelude::{CsvWriter, IpcWriter, JsonFormat, JsonWriter, SerWriter};
use parquetframe::{Error, QueryError};
use serde_json::json;

use crate::output::Output;
use crate::{Outcome, target};

fn failed(path: &Path, e: impl std::fmt::Display) -> Error {
    QueryError::Format { path: path.to_path_buf(), message: e.to_string() }.into()
}

pub fn run(out: &Output, input: &Path, output: &Path, codec: &str) -> parquetframe::Result<Outcome> {
    let codec: Codec = codec.parse().map_err(|e: String| failed(output, format!("--codec: {e}")))?;
    let extension = output.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    let proxy = target::resolve(input)?.proxy()?;
    let rows = match extension.as_str() {
        "parquet" | "pq" => proxy.write_parquet_with(output, codec)?,
        "avro" => proxy.write_avro(output, codec, None)?,
        "csv" | "ndjson" | "jsonl" | "arrow" | "ipc" | "feather" => {
            let mut frame = proxy.collect()?;
            let tmp = output.with_extension(format!("{extension}.tmp"));
            let file = std::fs::File::create(&tmp).map_err(|e| failed(&tmp, e))?;
            let written = match extension.as_str() {
                "csv" => CsvWriter::new(file).finish(&mut frame),
                "ndjson" | "jsonl" => {
                    JsonWriter::new(file).with_json_format(JsonFormat::JsonLines).finish(&mut frame)
                }
                _ => IpcWriter::new(file).finish(&mut frame),
            };
            written.map_err(|e| failed(output, e))?;
            std::fs::rename(&tmp, output).map_err(|e| failed(output, e))?;
            frame.height() as u64
        }
        other => {
            return Err(failed(
                output,
                format!(
                    "unknown output format `.{other}`; use .parquet, .avro, .csv, .ndjson (.jsonl) or .arrow (.ipc, .feather)"
                ),
            ));
        }
    };
    if out.json {
        out.json(&json!({ "input": input, "output": output, "rows": rows }));
    } else {
        out.print(format!("{} rows: {} -> {}", rows, input.display(), output.display()));
    }
    Ok(Outcome::Ok)
}
