//! `pframe convert`: between Parquet, Avro, CSV, NDJSON and Arrow IPC.

use std::path::Path;

use parquetframe::avro::Codec;
use parquetframe::error::StorageError;
use parquetframe::polars::prelude::{CsvWriter, IpcWriter, JsonFormat, JsonWriter, SerWriter};
use parquetframe::{Error, QueryError};
use serde_json::json;

use crate::output::Output;
use crate::{Outcome, target};

fn failed(path: &Path, e: impl std::fmt::Display) -> Error {
    QueryError::Format { path: path.to_path_buf(), message: e.to_string() }.into()
}

/// An output that is there already and not to be replaced.
fn exists(output: &Path) -> Error {
    failed(output, "the output exists already; pass --force to replace it")
}

/// The output extensions, each naming its format.
const KNOWN: &[&str] = &["parquet", "pq", "avro", "csv", "ndjson", "jsonl", "arrow", "ipc", "feather"];

fn unknown_format(output: &Path, extension: &str) -> Error {
    failed(
        output,
        format!(
            "unknown output format `.{extension}`; use .parquet, .avro, .csv, .ndjson (.jsonl) or .arrow (.ipc, .feather)"
        ),
    )
}

/// Converts `input` into `output`. An existing `output` is refused unless
/// `force`; the result is written to a unique temporary file beside it,
/// synced, and only then takes its place, so a failed conversion leaves
/// neither a partial output nor a temporary file behind.
pub fn run(
    out: &Output,
    input: &Path,
    output: &Path,
    codec: &str,
    force: bool,
) -> parquetframe::Result<Outcome> {
    let codec: Codec = codec.parse().map_err(|e: String| failed(output, format!("--codec: {e}")))?;
    let extension = output.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    if !KNOWN.contains(&extension.as_str()) {
        return Err(unknown_format(output, &extension));
    }
    if !force && output.exists() {
        return Err(exists(output));
    }
    let write = |tmp: &Path| -> parquetframe::Result<u64> {
        let proxy = target::resolve(input)?.proxy()?;
        match extension.as_str() {
            "parquet" | "pq" => proxy.write_parquet_with(tmp, codec),
            "avro" => proxy.write_avro(tmp, codec, None),
            "csv" | "ndjson" | "jsonl" | "arrow" | "ipc" | "feather" => {
                let mut frame = proxy.collect()?;
                let mut file = std::fs::File::create_new(tmp).map_err(|e| failed(tmp, e))?;
                let written = match extension.as_str() {
                    "csv" => CsvWriter::new(&mut file).finish(&mut frame),
                    "ndjson" | "jsonl" => {
                        JsonWriter::new(&mut file).with_json_format(JsonFormat::JsonLines).finish(&mut frame)
                    }
                    _ => IpcWriter::new(&mut file).finish(&mut frame),
                };
                written.map_err(|e| failed(output, e))?;
                file.sync_all().map_err(|e| failed(output, e))?;
                Ok(frame.height() as u64)
            }
            other => Err(unknown_format(output, other)),
        }
    };
    let rows = if force {
        parquetframe::io::write_via_temp(output, write)?
    } else {
        parquetframe::io::write_new_via_temp(output, write).map_err(|e| match e {
            // Created by someone else while this ran: not replaced.
            Error::Storage(StorageError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                exists(output)
            }
            other => other,
        })?
    };
    if out.json {
        out.json(&json!({ "input": input, "output": output, "rows": rows }));
    } else {
        out.print(format!("{} rows: {} -> {}", rows, input.display(), output.display()));
    }
    Ok(Outcome::Ok)
}
