//! Structs with `#[derive(Record)]` (and every `#[derive(Entity)]`): an Arrow
//! Struct column whose children are matched by name.
//!
//! The derive generates one builder and one reader struct per record, holding a
//! builder or reader per field; these helpers are what they share.

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StructArray};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{DataType, Fields};

use super::BindError;
use super::coerce::cast_if_accepted;

/// The named columns a record is read from: a batch's, or a struct array's children.
#[derive(Clone, Copy)]
pub struct Columns<'a> {
    fields: &'a Fields,
    arrays: &'a [ArrayRef],
}

impl<'a> Columns<'a> {
    /// The columns of a record batch.
    pub fn of_batch(batch: &'a RecordBatch) -> Self {
        Self { fields: batch.schema_ref().fields(), arrays: batch.columns() }
    }

    /// The children of a struct array.
    pub fn of_struct(array: &'a StructArray) -> Self {
        Self { fields: array.fields(), arrays: array.columns() }
    }

    /// The column named `name`.
    pub fn get(&self, name: &str) -> Option<&'a ArrayRef> {
        let position = self.fields.iter().position(|f| f.name() == name)?;
        self.arrays.get(position)
    }

    /// The column names, for error messages.
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.fields.iter().map(|f| f.name().as_str()).collect();
        if names.is_empty() { "none".to_owned() } else { names.join(", ") }
    }

    /// A missing-column error for `name`.
    pub fn missing(&self, name: &str) -> BindError {
        BindError::Missing { path: format!(".{name}"), found: self.names() }
    }
}

/// Binds a struct column: a Struct array (or an all-null column, cast once).
pub fn struct_array(array: &ArrayRef, expected: &DataType) -> Result<StructArray, BindError> {
    let array = match array.data_type() {
        DataType::Struct(_) => array.clone(),
        _ => cast_if_accepted(array, expected, |_| false, "")?,
    };
    array.as_struct_opt().cloned().ok_or_else(|| BindError::mismatch(expected.clone(), array.data_type(), ""))
}

/// Whether slot `index` of a struct column is null.
#[inline]
pub fn is_null(nulls: &Option<NullBuffer>, index: usize) -> bool {
    nulls.as_ref().is_some_and(|n| index < n.len() && n.is_null(index))
}

/// Finishes a struct column from its children's arrays.
pub fn finish_struct(
    fields: &Fields,
    arrays: Vec<ArrayRef>,
    nulls: Option<NullBuffer>,
    len: usize,
) -> ArrayRef {
    match StructArray::try_new_with_length(fields.clone(), arrays, nulls, len) {
        Ok(array) => std::sync::Arc::new(array),
        // Unreachable with the derive's builders (children always have `len`
        // slots); an empty struct column of the right length keeps us panic-free.
        Err(_) => std::sync::Arc::new(StructArray::new_null(fields.clone(), len)),
    }
}
