//! The Delta schema of an entity's table, from its Arrow schema.
//!
//! Delta's types cover most of ours directly. The rest are stored as the
//! nearest Delta type that holds every value exactly (`formats::table_types`,
//! docs/storage.md "Types"); the column's metadata keeps the entity's Arrow
//! type (`parquetframe.arrow_type`).

use arrow::datatypes::{Field, Schema};
use deltalake_core::kernel::engine::arrow_conversion::TryFromArrow;
use deltalake_core::kernel::{DataType, StructField};

use crate::error::{Error, StorageError};
use crate::formats::table_types::table_field_of;

/// Metadata key of a column whose Delta type is not its Arrow type.
pub(crate) const ARROW_TYPE_KEY: &str = "parquetframe.arrow_type";

/// The Delta columns of `schema`; `entity` names the entity in errors.
pub(crate) fn delta_columns(schema: &Schema, entity: &str) -> Result<Vec<StructField>, Error> {
    schema.fields().iter().map(|f| delta_field(f, entity)).collect()
}

fn delta_field(field: &Field, entity: &str) -> Result<StructField, Error> {
    // The data files hold the column in its table type (`formats::table_types`),
    // which Delta has exactly; the metadata keeps the entity's type.
    let stored = table_field_of(field);
    let data_type = kernel_type(&stored, field, entity)?;
    let mut out = StructField::new(field.name(), data_type, field.is_nullable());
    if stored.data_type() != field.data_type() {
        out = out.with_metadata([(ARROW_TYPE_KEY.to_owned(), field.data_type().to_string())]);
    }
    Ok(out)
}

fn kernel_type(stored: &Field, field: &Field, entity: &str) -> Result<DataType, Error> {
    DataType::try_from_arrow(stored.data_type()).map_err(|e| {
        StorageError::Catalog(format!(
            "entity `{entity}`: column `{}` of type {} has no Delta Lake type: {e}",
            field.name(),
            field.data_type()
        ))
        .into()
    })
}
