//! The drivers behind `to_record_batch` and `from_record_batch`: turning
//! per-column results into `Error`s with context.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::SchemaRef;

use crate::error::{Error, Result};
use crate::types::{BindError, ColumnReader, ReadError, ReadErrorKind, ValueError};

/// Reads `rows` rows through a bound reader, on the calling thread.
///
/// Conversion of one batch stays on one thread: measured, the cost is dominated
/// by allocating the rows' strings, which glibc serves fastest on the thread that
/// will own them; spreading one batch over threads was slower (docs/benchmarks.md).
/// Parallelism belongs across files and row groups.
pub fn read_rows<T, R>(entity: &'static str, reader: &R, rows: usize) -> Result<Vec<T>>
where
    R: ColumnReader<T>,
{
    let mut out = Vec::with_capacity(rows);
    for i in 0..rows {
        out.push(reader.read(i).map_err(|e| read_error(entity, i, e))?);
    }
    Ok(out)
}

/// A nested path (`.city`, `[]`) as a column name: without the leading dot.
pub(crate) fn column_path(path: &str) -> String {
    path.trim_start_matches('.').to_owned()
}

/// A read failure at `row` as an [`Error`].
pub fn read_error(entity: &'static str, row: usize, e: ReadError) -> Error {
    let (path, kind) = e.into_parts();
    let column = column_path(&path);
    match kind {
        ReadErrorKind::Null => Error::NullValue { entity, column, row },
        ReadErrorKind::Invalid(message) => Error::InvalidValue { entity, column, row, message },
    }
}

/// A bind failure as an [`Error`].
pub fn bind_error(entity: &'static str, e: BindError) -> Error {
    match e {
        BindError::Type { path, expected, found, accepts } => {
            Error::ColumnType { entity, column: column_path(&path), expected, found, accepts }
        }
        BindError::Missing { path, found } => {
            Error::MissingColumn { entity, column: column_path(&path), found }
        }
    }
}

/// A write failure at `row` as an [`Error`].
pub fn encode_error(entity: &'static str, row: usize, e: ValueError) -> Error {
    Error::Encode { entity, column: column_path(e.path()), row, message: e.message().to_owned() }
}

/// Assembles a record batch (row count explicit, so zero-column records work).
pub fn batch(
    entity: &'static str,
    schema: SchemaRef,
    columns: Vec<ArrayRef>,
    rows: usize,
) -> Result<RecordBatch> {
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    RecordBatch::try_new_with_options(Arc::clone(&schema), columns, &options).map_err(|source| Error::Arrow {
        context: format!("building the record batch of `{entity}`"),
        source,
    })
}

/// One column of values of type `C` (`len` of them) as an Arrow array named
/// `column` in errors: key columns of delete files, foreign-key columns.
pub fn value_column<'a, C: crate::types::Column + 'a>(
    entity: &'static str,
    column: &str,
    values: impl Iterator<Item = &'a C>,
    len: usize,
) -> Result<ArrayRef> {
    use crate::types::{ColumnBuilder, FieldOptions};
    let mut builder = C::builder(len, &FieldOptions::DEFAULT);
    for (i, v) in values.enumerate() {
        builder.append(v).map_err(|e| encode_error(entity, i, e.within(&format!(".{column}"))))?;
    }
    Ok(ColumnBuilder::<C>::finish(&mut builder))
}
