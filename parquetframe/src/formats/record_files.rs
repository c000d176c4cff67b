//! Standalone files: any Parquet or Avro file read as records of a type, and
//! rows written as one file: what [`Record::read_file`] and
//! [`Record::write_file`] run (the derive connects them). The store's data
//! files use the same readers and writers.

use std::path::Path;

use rayon::prelude::*;

use super::direct::{Direct, read_direct};
use super::{Schemas, Target, WriteOptions};
use crate::avro::container::ContainerWriter;
use crate::avro::decode::Plan;
use crate::avro::{AvroFile, Codec};
use crate::config::Format;
use crate::error::{Error, Result};
use crate::io;
use crate::record::Record;

/// Every row of the Parquet or Avro file at `path` as `T` (see [`Record::read_file`]).
pub fn read<T: Record>(path: &Path) -> Result<Vec<T>> {
    let op = crate::ux::trace::Operation::start(tracing::info_span!(
        "read_file",
        record = T::RECORD_NAME,
        path = %path.display(),
        rows = tracing::field::Empty,
        duration_ms = tracing::field::Empty
    ));
    let _entered = op.span().enter();
    let rows = read_rows::<T>(path)?;
    op.record("rows", rows.len());
    Ok(rows)
}

fn read_rows<T: Record>(path: &Path) -> Result<Vec<T>> {
    let in_file = |e| crate::io::in_file(path, e);
    let parts: Vec<Vec<T>> = match super::sniff(path)? {
        Format::Parquet => {
            let data = super::parquet::DataFile::open(path)?;
            (0..data.row_group_rows().len())
                .into_par_iter()
                .map(|rg| {
                    let mut rows = Vec::new();
                    for batch in data.read_row_group(rg, None)? {
                        rows.extend(T::from_record_batch(&batch).map_err(in_file)?);
                    }
                    Ok(rows)
                })
                .collect::<Result<_>>()?
        }
        Format::Avro => {
            let file = AvroFile::open(path)?;
            if writer_schema_is::<T>(&file) {
                return read_direct::<T>(&file);
            }
            let target = Target::of::<T>();
            let plan = Plan::new(file.schema(), target.avro, &target.arrow, None).map_err(|message| {
                Error::Resolution { path: path.to_path_buf(), entity: T::RECORD_NAME, message }
            })?;
            (0..file.group_rows().len())
                .into_par_iter()
                .map(|g| T::from_record_batch(&file.read_group(g, &plan)?).map_err(in_file))
                .collect::<Result<_>>()?
        }
    };
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        out.extend(part);
    }
    Ok(out)
}

/// Writes `rows` as a new Avro file with `T`'s schema, encoded by [`Column::avro_encode`](crate::Column::avro_encode).
fn write_avro_direct<T: Record>(path: &Path, rows: &[T], codec: Codec) -> Result<(u64, u64)> {
    let mut writer = ContainerWriter::create(path, &T::avro_schema_json().to_string(), codec, &[])?;
    writer.append(&Direct(rows))?;
    writer.finish()
}

/// Whether `file` was written with `T`'s own Avro schema, so that its datums
/// decode directly into `T` without resolution. Docs, aliases and defaults do
/// not change how datums are written and are ignored; everything else (names,
/// types, logical types, decimal scales, symbols, field order) must match.
fn writer_schema_is<T: Record>(file: &AvroFile) -> bool {
    let Ok(mut writer) = serde_json::from_str::<serde_json::Value>(file.schema_json()) else {
        return false;
    };
    let mut own = T::avro_schema_json();
    strip_annotations(&mut writer);
    strip_annotations(&mut own);
    writer == own
}

fn strip_annotations(schema: &mut serde_json::Value) {
    match schema {
        serde_json::Value::Object(map) => {
            for key in ["doc", "aliases", "default"] {
                map.remove(key);
            }
            map.values_mut().for_each(strip_annotations);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_annotations),
        _ => {}
    }
}

/// Writes `rows` to `path` (Avro for `.avro`, else Parquet) through a temporary
/// file in the same directory, renamed over `path` once complete.
pub fn write<T: Record>(path: &Path, rows: &[T], codec: Codec) -> Result<()> {
    let op = crate::ux::trace::Operation::start(tracing::info_span!(
        "write_file",
        record = T::RECORD_NAME,
        path = %path.display(),
        rows = rows.len(),
        duration_ms = tracing::field::Empty
    ));
    let _entered = op.span().enter();
    let format = super::by_extension(path).unwrap_or(Format::Parquet);
    let options = WriteOptions { codec, ..WriteOptions::default() };
    let chunk = options.row_group_size.max(1);
    io::write_via_temp(path, |tmp| match format {
        // Straight from the structs: no Arrow arrays in between.
        Format::Avro => write_avro_direct(tmp, rows, codec),
        Format::Parquet => {
            let batches = rows.chunks(chunk).map(T::to_record_batch);
            super::write(format, tmp, &Schemas::of::<T>(), &options, batches)
        }
    })
    .map(|_| ())
}
