//! `pframe inspect`: what a file, an entity directory or a store holds.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::datatypes::SchemaRef;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquetframe::engine::FileFormat;
use parquetframe::{Error, QueryError, StoredEntity};
use serde_json::{Value, json};

use crate::output::Output;
use crate::target::{self, Target};

/// What the metadata of some files says.
struct Facts {
    format: String,
    files: usize,
    rows: Option<u64>,
    row_groups: Option<usize>,
    codecs: BTreeSet<String>,
    bytes: u64,
    schema: Option<SchemaRef>,
}

fn failed(path: &Path, e: impl std::fmt::Display) -> Error {
    QueryError::Format { path: path.to_path_buf(), message: e.to_string() }.into()
}

/// Facts of `files` (all of one format).
fn facts(files: &[PathBuf]) -> parquetframe::Result<Facts> {
    let mut f = Facts {
        format: String::new(),
        files: files.len(),
        rows: Some(0),
        row_groups: Some(0),
        codecs: BTreeSet::new(),
        bytes: 0,
        schema: None,
    };
    for path in files {
        f.bytes += std::fs::metadata(path).map_err(|e| failed(path, e))?.len();
        let format = FileFormat::detect(path)?;
        f.format = format.to_string();
        match format {
            FileFormat::Parquet => {
                // Opened through the library first: its reader walks the
                // file's structures with bounded work before decoding them.
                let data = parquetframe::formats::parquet::DataFile::open(path)?;
                let reader = SerializedFileReader::new(File::open(path).map_err(|e| failed(path, e))?)
                    .map_err(|e| failed(path, e))?;
                let meta = reader.metadata();
                f.rows = f.rows.map(|r| r + meta.file_metadata().num_rows().max(0) as u64);
                f.row_groups = f.row_groups.map(|g| g + meta.num_row_groups());
                for rg in meta.row_groups() {
                    for column in rg.columns() {
                        f.codecs.insert(parquet_codec(column.compression()));
                    }
                }
                if f.schema.is_none() {
                    f.schema = Some(data.schema().clone());
                }
            }
            FileFormat::Avro => {
                let avro = parquetframe::avro::AvroFile::open(path)?;
                f.rows = f.rows.map(|r| r + avro.rows() as u64);
                f.row_groups = f.row_groups.map(|g| g + avro.blocks().len());
                f.codecs.insert(avro.codec().avro_name().to_owned());
                if f.schema.is_none() {
                    f.schema = Some(
                        parquetframe::avro::arrow::arrow_schema(avro.schema())
                            .map_err(|e| failed(path, e))?,
                    );
                }
            }
            _ => {
                f.row_groups = None;
                let frame = parquetframe::read(path)?.collect()?;
                f.rows = f.rows.map(|r| r + frame.height() as u64);
                if f.schema.is_none() {
                    f.schema = Some(parquetframe::engine::frame_to_batch(&frame.head(Some(0)))?.schema());
                }
            }
        }
    }
    Ok(f)
}

/// Facts of a table's files in a bucket: sizes and rows from the log, row
/// groups and codecs from each file's footer (entities in a bucket are Parquet).
fn bucket_facts(
    dir: &parquetframe::io::Location,
    files: &[parquetframe::storage::FileEntry],
) -> parquetframe::Result<Facts> {
    let mut f = Facts {
        format: "parquet".into(),
        files: files.len(),
        rows: Some(files.iter().map(|e| e.rows).sum()),
        row_groups: Some(0),
        codecs: BTreeSet::new(),
        bytes: files.iter().map(|e| e.bytes).sum(),
        schema: None,
    };
    for file in files {
        let data = parquetframe::formats::parquet::DataFile::open_table_file(dir.join(&file.path), false)?;
        let meta = data.parquet_metadata();
        f.row_groups = f.row_groups.map(|g| g + meta.num_row_groups());
        for rg in meta.row_groups() {
            for column in rg.columns() {
                f.codecs.insert(parquet_codec(column.compression()));
            }
        }
    }
    Ok(f)
}

/// A Parquet codec by the names `store.codec` uses (`zstd(zstdlevel(1))` → `zstandard`).
fn parquet_codec(codec: parquet::basic::Compression) -> String {
    let debug = format!("{codec:?}").to_ascii_lowercase();
    match debug.split('(').next().unwrap_or_default() {
        "uncompressed" => "null".into(),
        "zstd" => "zstandard".into(),
        other => other.to_owned(),
    }
}

fn schema_json(schema: Option<&SchemaRef>) -> Value {
    let fields = schema.map(|s| s.fields().iter().collect::<Vec<_>>()).unwrap_or_default();
    json!(fields
        .iter()
        .map(|f| json!({ "name": f.name(), "type": f.data_type().to_string(), "nullable": f.is_nullable() }))
        .collect::<Vec<_>>())
}

fn print_schema(out: &Output, schema: Option<&SchemaRef>) {
    if let Some(schema) = schema {
        let rows = schema.fields().iter().map(|f| {
            vec![
                f.name().clone(),
                f.data_type().to_string(),
                if f.is_nullable() { "yes".into() } else { "no".into() },
            ]
        });
        out.print(out.table(&["column", "type", "nullable"], rows));
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

pub fn run(out: &Output, path: &Path) -> parquetframe::Result<crate::Outcome> {
    match target::resolve(path)? {
        Target::Files(path) => {
            let files = parquetframe::engine::data_files(&path)?;
            if files.is_empty() {
                return Err(failed(&path, "holds no data files"));
            }
            let f = facts(&files)?;
            if out.json {
                out.json(&json!({
                    "kind": if path.is_dir() { "directory" } else { "file" },
                    "path": path, "format": f.format, "files": f.files, "rows": f.rows,
                    "row_groups": f.row_groups, "codecs": f.codecs, "bytes": f.bytes,
                    "schema": schema_json(f.schema.as_ref()),
                }));
            } else {
                let rows = vec![
                    vec!["path".to_owned(), path.display().to_string()],
                    vec!["format".into(), f.format.clone()],
                    vec!["files".into(), f.files.to_string()],
                    vec!["rows".into(), opt(f.rows)],
                    vec!["row groups / blocks".into(), opt(f.row_groups)],
                    vec!["codec".into(), f.codecs.iter().cloned().collect::<Vec<_>>().join(", ")],
                    vec!["bytes".into(), f.bytes.to_string()],
                ];
                out.print(out.table(&["property", "value"], rows));
                print_schema(out, f.schema.as_ref());
            }
        }
        Target::Entity(store, entity) => {
            let (summary, f) = entity_summary(&store, &entity)?;
            if out.json {
                let mut value = summary;
                value["schema"] = schema_json(f.schema.as_ref());
                value["relations"] = json!(
                    entity
                        .entry
                        .relations
                        .iter()
                        .map(|r| json!({
                            "column": r.column, "columns": r.key_columns(), "target": r.target,
                            "required": r.required, "on_delete": r.on_delete.as_str(), "inverse": r.inverse
                        }))
                        .collect::<Vec<_>>()
                );
                out.json(&value);
            } else {
                let rows = summary
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .filter(|(k, _)| *k != "recent_commits")
                            .map(|(k, v)| vec![k.clone(), plain(v)])
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                out.print(out.table(&["property", "value"], rows));
                let commits = summary["recent_commits"].as_array().cloned().unwrap_or_default();
                let rows = commits.iter().map(|c| {
                    ["version", "timestamp", "operation", "rows_added", "rows_removed"]
                        .iter()
                        .map(|k| plain(&c[*k]))
                        .collect::<Vec<_>>()
                });
                out.print(out.table(&["version", "time", "operation", "rows added", "rows removed"], rows));
                print_schema(out, f.schema.as_ref());
                if !entity.entry.relations.is_empty() {
                    let rows = entity.entry.relations.iter().map(|r| {
                        vec![
                            r.column.clone(),
                            r.target.clone(),
                            r.required.to_string(),
                            r.on_delete.as_str().to_owned(),
                        ]
                    });
                    out.print(out.table(&["foreign key", "target", "required", "on delete"], rows));
                }
            }
        }
        Target::Store(store) => {
            let mut summaries = Vec::new();
            for entity in StoredEntity::all(&store)? {
                summaries.push(entity_summary(&store, &entity)?.0);
            }
            if out.json {
                out.json(&json!({ "kind": "store", "root": store.root(), "entities": summaries }));
            } else {
                let header = [
                    "entity",
                    "format",
                    "path",
                    "version",
                    "live rows",
                    "data files",
                    "files with deletion vectors",
                    "bytes",
                    "codec",
                ];
                let rows = summaries.iter().map(|s| {
                    [
                        "entity",
                        "format",
                        "path",
                        "version",
                        "live_rows",
                        "data_files",
                        "files_with_deletion_vectors",
                        "bytes",
                        "codecs",
                    ]
                    .iter()
                    .map(|k| plain(&s[*k]))
                    .collect::<Vec<_>>()
                });
                out.print(format!("store {}", store.root().display()));
                out.print(out.table(&header, rows));
            }
        }
    }
    Ok(crate::Outcome::Ok)
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn entity_summary(
    store: &parquetframe::Store,
    entity: &StoredEntity,
) -> parquetframe::Result<(Value, Facts)> {
    let snapshot = entity.snapshot(store)?;
    let live = entity.live_files(store)?;
    let dir = entity.paths(store)?.dir;
    let mut f = if store.is_remote() {
        bucket_facts(&dir, &snapshot.files)?
    } else {
        let data: Vec<PathBuf> = snapshot.files.iter().map(|f| dir.join(&f.path).name()).collect();
        facts(&data)?
    };
    f.schema = Some(entity.arrow_schema());
    let history = entity.history(store)?;
    let recent: Vec<Value> = history
        .iter()
        .rev()
        .take(5)
        .map(|c| {
            json!({
                "version": c.version, "timestamp": c.timestamp.to_rfc3339(), "operation": c.operation,
                "rows_added": c.rows_added, "rows_removed": c.rows_removed,
            })
        })
        .collect();
    let readers = if entity.entry.format == "avro" {
        "parquetframe and Avro tools (Delta engines read Parquet data files only: give the entity format = \"parquet\" for them)"
    } else {
        "any Delta Lake reader (DuckDB delta_scan, polars scan_delta, deltalake, Spark, Trino) and parquetframe"
    };
    let summary = json!({
        "kind": "entity",
        "entity": entity.name(),
        "format": entity.entry.format,
        "path": entity.entry.path,
        "primary_key": entity.entry.primary_key,
        "version": snapshot.version,
        "live_rows": live.rows,
        "stored_rows": snapshot.stored_rows(),
        "data_files": snapshot.files.len(),
        "files_with_deletion_vectors": snapshot.files.iter().filter(|f| f.deleted > 0).count(),
        "table": "delta",
        "bytes": snapshot.files.iter().map(|f| f.bytes).sum::<u64>(),
        "row_groups": f.row_groups,
        "codecs": f.codecs,
        "commits": history.len(),
        "recent_commits": recent,
        "readers": readers,
    });
    Ok((summary, f))
}
