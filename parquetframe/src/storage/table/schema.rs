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

use super::snapshot::TableMeta;

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

/// `table`'s metadata with `columns` as its schema; `what` heads errors.
fn with_columns(
    table: &TableMeta,
    columns: Vec<StructField>,
    what: &str,
) -> Result<std::sync::Arc<TableMeta>, Error> {
    use deltalake_core::kernel::MetadataExt;
    let error = |e: &dyn std::fmt::Display| Error::from(StorageError::Catalog(format!("{what}: {e}")));
    let schema = deltalake_core::kernel::StructType::try_new(columns).map_err(|e| error(&e))?;
    let metadata = table.metadata.clone().with_schema(&schema).map_err(|e| error(&e))?;
    Ok(std::sync::Arc::new(TableMeta { metadata, schema }))
}

/// The table metadata of `table` widened by the columns of `entity` it lacks
/// (a field added to the struct), so outside readers see them; `None` when
/// it has them all. Columns are only ever added, never dropped or retyped:
/// an older binary writing the table does not narrow it. Added columns are
/// nullable, as Delta requires (older files lack them).
pub(crate) fn widened(
    table: &TableMeta,
    entity: &Schema,
    name: &str,
) -> Result<Option<std::sync::Arc<TableMeta>>, Error> {
    let missing: Vec<&Field> = entity
        .fields()
        .iter()
        .filter(|f| table.schema.field(f.name()).is_none())
        .map(|f| f.as_ref())
        .collect();
    if missing.is_empty() {
        return Ok(None);
    }
    let mut fields: Vec<StructField> = table.schema.fields().cloned().collect();
    for field in missing {
        fields.push(delta_field(&field.clone().with_nullable(true), name)?);
    }
    with_columns(table, fields, &format!("entity `{name}`: widening the table schema")).map(Some)
}

/// The table metadata of `table` with each column of `entity` declared as
/// this crate stores it now, where it says otherwise (a table written
/// before unsigned and time columns were stored in Delta types). Only for a
/// commit that rewrites every file (a full compaction): the files listed
/// afterwards all hold the new types. `None` when nothing changes.
pub(crate) fn retyped(
    table: &TableMeta,
    entity: &Schema,
    name: &str,
) -> Result<Option<std::sync::Arc<TableMeta>>, Error> {
    let mut changed = false;
    let mut fields: Vec<StructField> = Vec::with_capacity(table.schema.fields().len());
    for column in table.schema.fields() {
        match entity.field_with_name(column.name()) {
            Ok(field) => {
                let now = delta_field(&field.clone().with_nullable(column.is_nullable()), name)?;
                if now.data_type() != column.data_type() {
                    changed = true;
                    fields.push(now);
                    continue;
                }
                fields.push(column.clone());
            }
            Err(_) => fields.push(column.clone()),
        }
    }
    if !changed {
        return Ok(None);
    }
    with_columns(table, fields, &format!("entity `{name}`: retyping the table schema")).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::DataType as A;

    fn meta(columns: Vec<StructField>) -> TableMeta {
        let schema = deltalake_core::kernel::StructType::try_new(columns).unwrap();
        let metadata = deltalake_core::kernel::new_metadata(
            &schema,
            Vec::<String>::new(),
            Vec::<(String, String)>::new(),
        )
        .unwrap();
        TableMeta { metadata, schema }
    }

    #[test]
    fn added_fields_widen_and_missing_ones_never_narrow() {
        let table = meta(vec![StructField::new("id", DataType::LONG, false)]);
        let wider = Schema::new(vec![Field::new("id", A::Int64, false), Field::new("n", A::UInt64, false)]);
        let wide = widened(&table, &wider, "T").unwrap().unwrap();
        let n = wide.schema.field("n").unwrap();
        assert!(n.is_nullable(), "added columns are nullable: older files lack them");
        assert_eq!(n.data_type(), &DataType::decimal(20, 0).unwrap());
        let narrower = Schema::new(vec![Field::new("other", A::Int64, true)]);
        let kept = widened(&wide, &narrower, "T").unwrap().unwrap();
        assert_eq!(kept.schema.fields().count(), 3, "only adds: id, n, other");
        assert!(widened(&kept, &wider, "T").unwrap().is_none());
    }

    #[test]
    fn a_full_rewrite_retypes_columns_declared_the_old_way() {
        // A table from before the exact mapping: u64 declared `long`.
        let table = meta(vec![StructField::new("id", DataType::LONG, false)]);
        let entity = Schema::new(vec![Field::new("id", A::UInt64, false)]);
        let now = retyped(&table, &entity, "T").unwrap().unwrap();
        assert_eq!(now.schema.field("id").unwrap().data_type(), &DataType::decimal(20, 0).unwrap());
        assert!(retyped(&now, &entity, "T").unwrap().is_none());
    }
}
