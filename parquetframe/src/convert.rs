//! The drivers behind `to_record_batch` and `from_record_batch`: turning
//! per-column results into `Error`s with context, and splitting large inputs
//! across threads.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::SchemaRef;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::types::{
    BindError, Column, ColumnBuilder, ColumnReader, FieldOptions, ReadError, ReadErrorKind,
    ValueError,
};

/// Below this many rows, conversion stays on the calling thread.
pub const PARALLEL_MIN_ROWS: usize = 64 * 1024;

/// Builds the column of one field: a preallocated builder, one pass over the rows.
#[inline]
pub fn build_column<R, F: Column>(
    rows: &[R],
    opts: &FieldOptions,
    segment: &str,
    get: impl Fn(&R) -> &F,
) -> Result<ArrayRef, (usize, ValueError)> {
    let mut builder = F::builder(rows.len(), opts);
    for (i, row) in rows.iter().enumerate() {
        builder
            .append(get(row))
            .map_err(|e| (i, e.within(segment)))?;
    }
    Ok(builder.finish())
}

/// A job building one column.
pub type ColumnJob<'a> = &'a (dyn Fn() -> Result<ArrayRef, (usize, ValueError)> + Sync);

/// Runs the column jobs, in parallel when there are enough rows to pay for it.
pub fn build_all(
    rows: usize,
    jobs: &[ColumnJob<'_>],
) -> Result<Vec<ArrayRef>, (usize, ValueError)> {
    if rows >= PARALLEL_MIN_ROWS && jobs.len() > 1 && rayon::current_num_threads() > 1 {
        jobs.par_iter().map(|job| job()).collect()
    } else {
        jobs.iter().map(|job| job()).collect()
    }
}

/// Reads `rows` rows through a bound reader, in parallel chunks for large inputs.
pub fn read_rows<T, R>(entity: &'static str, reader: &R, rows: usize) -> Result<Vec<T>>
where
    T: Send,
    R: ColumnReader<T>,
{
    let read_range = |range: std::ops::Range<usize>| -> Result<Vec<T>> {
        let mut out = Vec::with_capacity(range.len());
        for i in range {
            out.push(reader.read(i).map_err(|e| read_error(entity, i, e))?);
        }
        Ok(out)
    };
    let threads = rayon::current_num_threads();
    if rows < PARALLEL_MIN_ROWS || threads < 2 {
        return read_range(0..rows);
    }
    let chunk = rows.div_ceil(threads * 4).max(PARALLEL_MIN_ROWS / 4);
    let parts: Vec<Vec<T>> = (0..rows.div_ceil(chunk))
        .into_par_iter()
        .map(|c| read_range(c * chunk..((c + 1) * chunk).min(rows)))
        .collect::<Result<_>>()?;
    let mut out = Vec::with_capacity(rows);
    for part in parts {
        out.extend(part);
    }
    Ok(out)
}

fn column_path(path: &str) -> String {
    path.trim_start_matches('.').to_owned()
}

/// A read failure at `row` as an [`Error`].
pub fn read_error(entity: &'static str, row: usize, e: ReadError) -> Error {
    let column = column_path(&e.path);
    match e.kind {
        ReadErrorKind::Null => Error::NullValue {
            entity,
            column,
            row,
        },
        ReadErrorKind::Invalid(message) => Error::InvalidValue {
            entity,
            column,
            row,
            message,
        },
    }
}

/// A bind failure as an [`Error`].
pub fn bind_error(entity: &'static str, e: BindError) -> Error {
    match e {
        BindError::Type {
            path,
            expected,
            found,
            accepts,
        } => Error::ColumnType {
            entity,
            column: column_path(&path),
            expected,
            found,
            accepts,
        },
        BindError::Missing { path, found } => Error::MissingColumn {
            entity,
            column: column_path(&path),
            found,
        },
    }
}

/// A write failure at `row` as an [`Error`].
pub fn encode_error(entity: &'static str, row: usize, e: ValueError) -> Error {
    Error::Encode {
        entity,
        column: column_path(&e.path),
        row,
        message: e.message,
    }
}

/// Assembles a record batch (row count explicit, so zero-column records work).
pub fn batch(
    entity: &'static str,
    schema: SchemaRef,
    columns: Vec<ArrayRef>,
    rows: usize,
) -> Result<RecordBatch> {
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    RecordBatch::try_new_with_options(Arc::clone(&schema), columns, &options).map_err(|source| {
        Error::Arrow {
            context: format!("building the record batch of `{entity}`"),
            source,
        }
    })
}
