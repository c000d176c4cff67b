//! The Delta schema of an entity's table, from its Arrow schema.
//!
//! Delta's types cover most of ours directly. The rest map to the nearest
//! type of the same width (see docs/storage.md, "Types"); the column's
//! metadata keeps the Arrow type (`parquetframe.arrow_type`) so this crate
//! reads it back exactly.

use arrow::datatypes::{DataType as ArrowType, Field, Schema};
use deltalake_core::kernel::engine::arrow_conversion::TryFromArrow;
use deltalake_core::kernel::{DataType, StructField};

use crate::error::{Error, StorageError};

/// Metadata key of a column whose Delta type is not its Arrow type.
pub(crate) const ARROW_TYPE_KEY: &str = "parquetframe.arrow_type";

/// The Delta columns of `schema`; `entity` names the entity in errors.
pub(crate) fn delta_columns(schema: &Schema, entity: &str) -> Result<Vec<StructField>, Error> {
    schema.fields().iter().map(|f| delta_field(f, entity)).collect()
}

fn delta_field(field: &Field, entity: &str) -> Result<StructField, Error> {
    let (data_type, exact) = match field.data_type() {
        // No Delta type: time of day and durations are 64-bit counts of their unit.
        ArrowType::Time64(_) | ArrowType::Time32(_) | ArrowType::Duration(_) => (DataType::LONG, false),
        ArrowType::UInt8 | ArrowType::UInt16 | ArrowType::UInt32 | ArrowType::UInt64 => {
            (kernel_type(field, entity)?, false)
        }
        other => (kernel_type(field, entity)?, !matches!(other, ArrowType::FixedSizeBinary(_))),
    };
    let mut out = StructField::new(field.name(), data_type, field.is_nullable());
    if !exact {
        out = out.with_metadata([(ARROW_TYPE_KEY.to_owned(), field.data_type().to_string())]);
    }
    Ok(out)
}

fn kernel_type(field: &Field, entity: &str) -> Result<DataType, Error> {
    DataType::try_from_arrow(field.data_type()).map_err(|e| {
        StorageError::Catalog(format!(
            "entity `{entity}`: column `{}` of type {} has no Delta Lake type: {e}",
            field.name(),
            field.data_type()
        ))
        .into()
    })
}
