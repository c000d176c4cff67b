//! The Arrow schema of any Avro schema, so that Avro files read without a
//! Rust type (`parquetframe::read`) decode through the same column decoder
//! the entities use, with the file's own schema as the reader's.

use std::path::Path;
use std::sync::Arc;

use apache_avro::Schema;
use apache_avro::schema::UuidSchema;
use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Fields, Schema as ArrowSchema, SchemaRef, TimeUnit};
use rayon::prelude::*;

use super::container::AvroFile;
use super::decode::Plan;
use super::names::Names;
use crate::error::{Error, QueryError};

/// The Arrow schema the fields of record `schema` read as: records become
/// structs, `["null", T]` a nullable `T`, enums dictionary strings, logical
/// types their Arrow counterparts. Unions of several non-null types have no
/// Arrow equivalent here and are an error naming the field.
pub fn arrow_schema(schema: &Schema) -> Result<SchemaRef, String> {
    let names = Names::of(schema);
    let Schema::Record(rec) = names.deref(schema)? else {
        return Err("the file's schema is not a record".into());
    };
    let fields = rec
        .fields
        .iter()
        .map(|f| field(&names, &f.name, &f.schema, 0).map_err(|e| format!("field `{}`: {e}", f.name)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Arc::new(ArrowSchema::new(fields)))
}

fn field(names: &Names<'_>, name: &str, schema: &Schema, depth: usize) -> Result<Field, String> {
    if depth > 64 {
        return Err("nested more than 64 levels (a recursive type?)".into());
    }
    let schema = names.deref(schema)?;
    let (schema, nullable) = match schema {
        Schema::Union(u) => {
            let others: Vec<&Schema> = u.variants().iter().filter(|v| !matches!(v, Schema::Null)).collect();
            match others.as_slice() {
                [one] => (names.deref(one)?, true),
                [] => (schema, true),
                _ => return Err(format!("a union of {} types has no Arrow equivalent", others.len())),
            }
        }
        other => (other, false),
    };
    let data_type = match schema {
        Schema::Union(_) | Schema::Null => DataType::Null,
        Schema::Boolean => DataType::Boolean,
        Schema::Int | Schema::TimeMillis => DataType::Int32,
        Schema::Long | Schema::TimestampNanos | Schema::LocalTimestampNanos => DataType::Int64,
        Schema::Float => DataType::Float32,
        Schema::Double => DataType::Float64,
        Schema::Bytes | Schema::BigDecimal => DataType::Binary,
        Schema::String | Schema::Uuid(UuidSchema::String) => DataType::Utf8,
        Schema::Uuid(_) => DataType::FixedSizeBinary(16),
        Schema::Fixed(f) | Schema::Duration(f) => {
            DataType::FixedSizeBinary(i32::try_from(f.size).map_err(|_| "fixed size too large")?)
        }
        Schema::Decimal(d) => {
            let precision =
                u8::try_from(d.precision).ok().filter(|p| *p <= 38).ok_or("decimal precision above 38")?;
            let scale = i8::try_from(d.scale).map_err(|_| "decimal scale too large")?;
            DataType::Decimal128(precision, scale)
        }
        Schema::Date => DataType::Date32,
        Schema::TimeMicros => DataType::Time64(TimeUnit::Microsecond),
        Schema::TimestampMillis => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        Schema::TimestampMicros => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        Schema::LocalTimestampMillis => DataType::Timestamp(TimeUnit::Millisecond, None),
        Schema::LocalTimestampMicros => DataType::Timestamp(TimeUnit::Microsecond, None),
        Schema::Enum(_) => DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
        Schema::Array(a) => DataType::List(Arc::new(field(names, "item", &a.items, depth + 1)?)),
        Schema::Map(m) => {
            let entries = Fields::from(vec![
                Field::new("key", DataType::Utf8, false),
                field(names, "value", &m.types, depth + 1)?,
            ]);
            DataType::Map(Arc::new(Field::new("entries", DataType::Struct(entries), false)), false)
        }
        Schema::Record(r) => DataType::Struct(
            r.fields
                .iter()
                .map(|f| {
                    field(names, &f.name, &f.schema, depth + 1).map_err(|e| format!("`{}`: {e}", f.name))
                })
                .collect::<Result<Vec<_>, _>>()?
                .into(),
        ),
        Schema::Ref { name } => return Err(format!("unresolved type name `{}`", name.fullname(None))),
    };
    Ok(Field::new(name, data_type, nullable))
}

/// Reads the Avro file at `path` with its own schema, projected onto
/// `columns` (all when `None`); groups of blocks are decoded in parallel.
pub fn read_file(path: &Path, columns: Option<&[String]>) -> Result<(SchemaRef, Vec<RecordBatch>), Error> {
    let file = AvroFile::open(path)?;
    let format_error =
        |message: String| Error::from(QueryError::Format { path: path.to_path_buf(), message });
    let full = arrow_schema(file.schema()).map_err(format_error)?;
    let schema = match columns {
        None => full,
        Some(cols) => {
            let indices: Vec<usize> = cols.iter().filter_map(|c| full.index_of(c).ok()).collect();
            Arc::new(full.project(&indices).map_err(|e| format_error(e.to_string()))?)
        }
    };
    let plan = Plan::new(file.schema(), file.schema(), &schema, None).map_err(format_error)?;
    let groups = file.group_rows().len();
    let batches =
        (0..groups).into_par_iter().map(|g| file.read_group(g, &plan)).collect::<Result<Vec<_>, Error>>()?;
    Ok((schema, batches))
}
