//! The types of a table's data files: what every Delta Lake reader can read.
//!
//! Delta has no unsigned integers, times of day, durations, fixed-size
//! binary or fixed-size lists. A store's Parquet files hold those columns
//! as the nearest Delta type that keeps every value exactly, so that
//! DuckDB, polars, Spark or delta-rs read the same values this crate does:
//!
//! | entity (Arrow) | data file (Arrow → Delta) |
//! |---|---|
//! | `UInt8` / `UInt16` / `UInt32` | `Int16` / `Int32` / `Int64` (`short` / `integer` / `long`) |
//! | `UInt64` | `Decimal128(20, 0)` (`decimal(20,0)`) |
//! | `Time32` / `Time64` | `Int64`, nanoseconds since midnight (`long`) |
//! | `Duration(unit)` | `Int64`, a count of `unit` (`long`) |
//! | `FixedSizeBinary(n)` | `Binary` (`binary`) |
//! | `FixedSizeList(n)` | `List` (`array`) |
//!
//! inside lists, maps and structs too. Reads cast back to the entity's types
//! ([`restore`]); a value out of the entity type's range (a foreign writer's
//! negative `u8`) is an error, never a wrapped value.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::compute::{CastOptions, cast_with_options};
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Schema, SchemaRef, TimeUnit};
use arrow::error::ArrowError;

/// Casts that fail on a value the target cannot hold instead of making it null.
const STRICT: CastOptions<'static> =
    CastOptions { safe: false, format_options: arrow::util::display::FormatOptions::new() };

/// The type a table's file holds for a column of entity type `entity`.
pub fn table_type(entity: &DataType) -> DataType {
    match entity {
        DataType::UInt8 => DataType::Int16,
        DataType::UInt16 => DataType::Int32,
        DataType::UInt32 => DataType::Int64,
        DataType::UInt64 => DataType::Decimal128(20, 0),
        DataType::Time32(_) | DataType::Time64(_) | DataType::Duration(_) => DataType::Int64,
        DataType::FixedSizeBinary(_) => DataType::Binary,
        DataType::List(item) | DataType::FixedSizeList(item, _) => DataType::List(table_field(item)),
        DataType::LargeList(item) => DataType::LargeList(table_field(item)),
        DataType::Struct(fields) => DataType::Struct(table_fields(fields)),
        DataType::Map(entries, sorted) => DataType::Map(table_field(entries), *sorted),
        other => other.clone(),
    }
}

/// The type a column of entity type `entity` passes through on its way to
/// and from the file's type: times of day as nanoseconds, so that the
/// file's integer is the same count whatever the entity's unit.
fn via_type(entity: &DataType) -> DataType {
    match entity {
        DataType::Time32(_) | DataType::Time64(_) => DataType::Time64(TimeUnit::Nanosecond),
        DataType::List(item) => DataType::List(via_field(item)),
        DataType::FixedSizeList(item, n) => DataType::FixedSizeList(via_field(item), *n),
        DataType::LargeList(item) => DataType::LargeList(via_field(item)),
        DataType::Struct(fields) => DataType::Struct(fields.iter().map(via_field).collect()),
        DataType::Map(entries, sorted) => DataType::Map(via_field(entries), *sorted),
        other => other.clone(),
    }
}

fn table_field(field: &FieldRef) -> FieldRef {
    Arc::new(table_field_of(field))
}

fn table_fields(fields: &Fields) -> Fields {
    fields.iter().map(table_field).collect()
}

fn via_field(field: &FieldRef) -> FieldRef {
    Arc::new(field.as_ref().clone().with_data_type(via_type(field.data_type())))
}

/// The schema a table's files are written with, for entity schema `entity`.
pub fn table_schema(entity: &Schema) -> SchemaRef {
    Arc::new(Schema::new_with_metadata(table_fields(entity.fields()), entity.metadata().clone()))
}

/// Whether any column of `entity` is stored as another type.
pub fn differs(entity: &Schema) -> bool {
    entity.fields().iter().any(|f| table_type(f.data_type()) != *f.data_type())
}

/// `array`, of entity type, as the file's type.
pub fn to_table(array: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    let target = table_type(array.data_type());
    if &target == array.data_type() {
        return Ok(array.clone());
    }
    let via = via_type(array.data_type());
    let array =
        if &via == array.data_type() { array.clone() } else { cast_with_options(array, &via, &STRICT)? };
    cast_with_options(&array, &target, &STRICT)
}

/// `batch`, of entity types, with the file's types (`schema`, from [`table_schema`]).
pub fn batch_to_table(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
    let columns = batch.columns().iter().map(to_table).collect::<Result<Vec<_>, _>>()?;
    RecordBatch::try_new(schema.clone(), columns)
}

/// Whether a file column of type `found` holds a column of entity type `entity`
/// in its table type (and so is read back through [`restore`]).
pub fn is_table_type_of(found: &DataType, entity: &DataType) -> bool {
    if found == entity {
        return false;
    }
    // Also a narrower unsigned field's table type: the field was widened
    // since (u8 to u16, ...), which reads losslessly.
    *found == table_type(entity)
        || match entity {
            DataType::UInt16 => matches!(found, DataType::Int16),
            DataType::UInt32 => matches!(found, DataType::Int16 | DataType::Int32),
            DataType::UInt64 => matches!(found, DataType::Int16 | DataType::Int32 | DataType::Int64),
            _ => false,
        }
}

/// The type a column of entity type `entity` is cast to first when read back
/// from its table type, if it is cast in two steps (times of day: the file's
/// nanoseconds, then the entity's unit).
pub fn restore_via(entity: &DataType) -> Option<DataType> {
    let via = via_type(entity);
    (via != *entity).then_some(via)
}

/// `array`, read from a file in the table type of `entity`, as `entity`.
pub fn restore(array: &ArrayRef, entity: &DataType) -> Result<ArrayRef, ArrowError> {
    let via = via_type(entity);
    let array =
        if &via == array.data_type() { array.clone() } else { cast_with_options(array, &via, &STRICT)? };
    if &via == entity { Ok(array) } else { cast_with_options(&array, entity, &STRICT) }
}

/// The field `entity` is as a table column: name, nullability and metadata
/// kept, except an Arrow extension type (`arrow.uuid` needs 16 fixed bytes;
/// readers that meet it on a plain binary column reject the file).
pub fn table_field_of(entity: &Field) -> Field {
    let stored = table_type(entity.data_type());
    if &stored == entity.data_type() {
        return entity.clone();
    }
    let mut metadata = entity.metadata().clone();
    metadata.retain(|k, _| !k.starts_with("ARROW:extension:"));
    entity.clone().with_data_type(stored).with_metadata(metadata)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{
        Array, AsArray, DurationMicrosecondArray, FixedSizeBinaryArray, Int16Array, ListArray,
        Time64MicrosecondArray, UInt8Array, UInt64Array,
    };
    use arrow::datatypes::{Decimal128Type, Int64Type, UInt64Type};

    fn round_trip(array: ArrayRef) -> ArrayRef {
        let stored = to_table(&array).unwrap();
        assert_eq!(stored.data_type(), &table_type(array.data_type()));
        let back = restore(&stored, array.data_type()).unwrap();
        assert_eq!(back.as_ref(), array.as_ref());
        stored
    }

    #[test]
    fn unsigned_extremes_round_trip() {
        let stored = round_trip(Arc::new(UInt64Array::from(vec![Some(0), Some(u64::MAX), None])));
        assert_eq!(stored.as_primitive::<Decimal128Type>().value(1), i128::from(u64::MAX));
        round_trip(Arc::new(UInt8Array::from(vec![0, 255])));
    }

    #[test]
    fn times_are_nanoseconds_since_midnight() {
        let micros = 86_399_999_999i64;
        let stored = round_trip(Arc::new(Time64MicrosecondArray::from(vec![micros])));
        assert_eq!(stored.as_primitive::<Int64Type>().value(0), micros * 1_000);
        let stored = round_trip(Arc::new(DurationMicrosecondArray::from(vec![-5, i64::MAX])));
        assert_eq!(stored.as_primitive::<Int64Type>().value(1), i64::MAX);
    }

    #[test]
    fn nested_and_fixed_size_columns_round_trip() {
        let lists = ListArray::from_iter_primitive::<UInt64Type, _, _>(vec![
            Some(vec![Some(u64::MAX), None]),
            None,
            Some(vec![]),
        ]);
        let stored = round_trip(Arc::new(lists));
        assert!(
            matches!(stored.data_type(), DataType::List(f) if f.data_type() == &DataType::Decimal128(20, 0))
        );
        let uuids = FixedSizeBinaryArray::try_from_iter([[7u8; 16], [9u8; 16]].into_iter()).unwrap();
        round_trip(Arc::new(uuids));
        let pairs = arrow::array::FixedSizeListArray::from_iter_primitive::<UInt64Type, _, _>(
            vec![Some(vec![Some(1), Some(u64::MAX)]), None],
            2,
        );
        let stored = round_trip(Arc::new(pairs));
        assert!(matches!(stored.data_type(), DataType::List(_)));
    }

    #[test]
    fn a_widened_unsigned_field_reads_its_narrower_table_type() {
        let stored = to_table(&(Arc::new(UInt8Array::from(vec![0, 255])) as ArrayRef)).unwrap();
        assert!(is_table_type_of(stored.data_type(), &DataType::UInt64));
        let back = restore(&stored, &DataType::UInt64).unwrap();
        assert_eq!(back.as_primitive::<UInt64Type>().values().to_vec(), vec![0, 255]);
        // Narrowing is not widening: a u16's table type is not read as u8.
        assert!(!is_table_type_of(&DataType::Int32, &DataType::UInt8));
    }

    #[test]
    fn out_of_range_values_are_errors() {
        let foreign: ArrayRef = Arc::new(Int16Array::from(vec![-1i16]));
        assert!(restore(&foreign, &DataType::UInt8).is_err());
        let foreign: ArrayRef = Arc::new(Int16Array::from(vec![256i16]));
        assert!(restore(&foreign, &DataType::UInt8).is_err());
        assert!(foreign.is_valid(0));
    }
}
