//! Avro files written with a record type's own schema: rows encoded straight
//! from the structs and decoded straight into them, with no Arrow arrays in
//! between (see [`Column::avro_encode`] and [`Column::avro_decode`]).

use rayon::prelude::*;

use crate::avro::container::{AvroFile, RowError, RowSource};
use crate::avro::decode::trailing_bytes;
use crate::avro::fill::fill_parallel;
use crate::avro::{Block, Input};
use crate::error::{Error, StorageError};
use crate::record::Record;
use crate::types::{Column, FieldOptions, ReadError, ReadErrorKind};

fn corrupt(file: &AvroFile, message: impl Into<String>) -> Error {
    StorageError::Corrupt { path: file.path().to_path_buf(), message: message.into() }.into()
}

/// Rows of a record type, encoded directly by [`Column::avro_encode`].
pub(crate) struct Direct<'a, T>(pub &'a [T]);

impl<T: Record> RowSource for Direct<'_, T> {
    fn len(&self) -> usize {
        self.0.len()
    }

    #[inline]
    fn write_row(&self, row: usize, out: &mut Vec<u8>) -> Result<(), RowError> {
        let Some(value) = self.0.get(row) else { return Err(format!("row {row} out of range").into()) };
        T::avro_encode(value, &FieldOptions::DEFAULT, out)
            .map_err(|e| RowError::Value(Box::new(crate::record_batch::encode_error(T::RECORD_NAME, row, e))))
    }
}

/// Decodes every row of `file` straight into values of `T`, for files whose
/// writer schema is `T`'s own: groups in parallel, each into its place in the
/// result.
pub(crate) fn read_direct<T: Column>(file: &AvroFile) -> Result<Vec<T>, Error> {
    let sizes = file.group_rows();
    if !file.row_counts_plausible() {
        // More rows than the data plausibly holds: reserve nothing on the
        // file's word; each group grows as its rows decode.
        let parts: Vec<Vec<T>> = (0..sizes.len())
            .into_par_iter()
            .map(|g| {
                let mut part = Vec::new();
                decode_group(file, g, |v| {
                    part.push(v);
                    Ok(())
                })?;
                Ok(part)
            })
            .collect::<Result<_, Error>>()?;
        return Ok(parts.into_iter().flatten().collect());
    }
    let overflow = || corrupt(file, "a group holds more rows than its blocks claim");
    fill_parallel(
        &sizes,
        |g, filled| decode_group(file, g, |v| filled.push(v).map_err(|_| overflow())),
        |g| corrupt(file, format!("block group {g} holds fewer rows than its blocks claim")),
    )
}

/// Decodes the rows of group `group` in order, handing each to `push`.
fn decode_group<T: Column>(
    file: &AvroFile,
    group: usize,
    mut push: impl FnMut(T) -> Result<(), Error>,
) -> Result<(), Error> {
    file.for_each_block(group, |index, block: &Block, data| {
        let mut input = Input::new(data);
        for row in 0..block.rows {
            let value = T::avro_decode(&mut input, &FieldOptions::DEFAULT)
                .map_err(|e| corrupt(file, datum_error(index, row, e)))?;
            push(value)?;
        }
        if input.remaining() > 0 {
            return Err(corrupt(file, trailing_bytes(index, block.rows, input.remaining())));
        }
        Ok(())
    })
}

/// "block B, row R, field `F`: what".
#[cold]
fn datum_error(block: usize, row: usize, e: ReadError) -> String {
    let (path, kind) = e.into_parts();
    let what = match kind {
        ReadErrorKind::Null => "unexpected null".to_owned(),
        ReadErrorKind::Invalid(m) => m,
    };
    format!("block {block}, row {row}, field `{}`: {what}", crate::record_batch::column_path(&path))
}
