//! Which Arrow types a Rust type reads, beyond the one it writes.
//!
//! Real writers differ: pyarrow may store `large_string`, polars `string_view`,
//! Spark dictionary-encoded strings, older tools narrower integers. A reader
//! accepts every type it can convert without losing information, converting
//! once per column (an Arrow cast kernel), and rejects the rest by name.

use arrow::array::{Array, ArrayRef};
use arrow::compute::cast;
use arrow::datatypes::DataType;

use super::BindError;

/// Casts `array` to `target` when `found` is an accepted source, else a
/// [`BindError`] naming both types. `DataType::Null` (an all-null column, as
/// pyarrow writes for a column of only `None`) is accepted for every target.
pub fn cast_if_accepted(
    array: &ArrayRef,
    target: &DataType,
    accepted: impl Fn(&DataType) -> bool,
    accepts: &'static str,
) -> Result<ArrayRef, BindError> {
    let found = array.data_type();
    if found == target {
        return Ok(array.clone());
    }
    if matches!(found, DataType::Null) || accepted(found) {
        return cast(array, target).map_err(|_| BindError::mismatch(target.clone(), found, accepts));
    }
    Err(BindError::mismatch(target.clone(), found, accepts))
}

/// Whether an integer or float column of type `found` widens to `target`
/// without loss.
pub fn widens_losslessly(found: &DataType, target: &DataType) -> bool {
    use DataType::*;
    matches!(
        (found, target),
        (Int8, Int16 | Int32 | Int64)
            | (Int16, Int32 | Int64)
            | (Int32, Int64)
            | (UInt8, Int16 | Int32 | Int64 | UInt16 | UInt32 | UInt64)
            | (UInt16, Int32 | Int64 | UInt32 | UInt64)
            | (UInt32, Int64 | UInt64)
            | (Float16, Float32 | Float64)
            | (Float32, Float64)
    )
}

/// The accepted-types note for numeric targets.
pub fn widening_note(target: &DataType) -> &'static str {
    use DataType::*;
    match target {
        Int16 => "Int8, UInt8",
        Int32 => "Int8, Int16, UInt8, UInt16",
        Int64 => "Int8, Int16, Int32, UInt8, UInt16, UInt32",
        UInt16 => "UInt8",
        UInt32 => "UInt8, UInt16",
        UInt64 => "UInt8, UInt16, UInt32",
        Float32 => "Float16",
        Float64 => "Float16, Float32",
        _ => "",
    }
}

/// Whether `found` is a dictionary whose values satisfy `values`.
pub fn is_dictionary_of(found: &DataType, values: impl Fn(&DataType) -> bool) -> bool {
    matches!(found, DataType::Dictionary(_, v) if values(v))
}
