//! Writing query results: Parquet (arrow-rs writer) or Avro (the crate's
//! column encoder), each through a temporary file renamed over the target.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::compute::{CastOptions, cast_with_options};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use polars::prelude::DataFrame;
use serde_json::{Value, json};

use super::bridge;
use crate::error::Error;
use crate::formats::{WriteOptions, parquet as pq};
use crate::io;

/// `frame` as one Parquet file compressed with `codec`. Returns the rows written.
pub(crate) fn parquet(frame: &DataFrame, path: &Path, codec: crate::avro::Codec) -> Result<u64, Error> {
    let (schema, batches) = bridge::to_batches(frame)?;
    let options = WriteOptions { codec, ..WriteOptions::default() };
    io::write_via_temp(path, |tmp| pq::write(tmp, schema, None, &options, batches.into_iter().map(Ok)))
        .map(|(rows, _)| rows)
}

/// `frame` as one Avro file with `codec` and `schema` (or one derived from
/// the columns). Returns the rows written.
pub(crate) fn avro(
    frame: &DataFrame,
    path: &Path,
    codec: crate::avro::Codec,
    schema: Option<&apache_avro::Schema>,
) -> Result<u64, Error> {
    let (arrow_schema, batches) = bridge::to_batches(frame)?;
    let batches = batches.iter().map(|b| plain(b, path)).collect::<Result<Vec<_>, Error>>()?;
    let plain_schema = batches.first().map_or(arrow_schema, RecordBatch::schema);
    let derived;
    let schema = match schema {
        Some(s) => s,
        None => {
            derived =
                apache_avro::Schema::parse_str(&avro_schema(&plain_schema)).map_err(|e| Error::Write {
                    path: path.to_path_buf(),
                    message: format!("deriving an Avro schema from the columns: {e}"),
                })?;
            &derived
        }
    };
    let json = serde_json::to_string(schema).map_err(|e| Error::Write {
        path: path.to_path_buf(),
        message: format!("serialising the Avro schema: {e}"),
    })?;
    io::write_via_temp(path, |tmp| {
        crate::avro::container::write(tmp, schema, &json, codec, &[], batches.into_iter().map(Ok))
    })
    .map(|(rows, _)| rows)
}

/// The Arrow types the Avro encoder takes: string and binary views become
/// plain arrays, timestamps, times and durations microseconds, u64 i64.
fn plain(batch: &RecordBatch, path: &Path) -> Result<RecordBatch, Error> {
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        let target = plain_type(field.data_type());
        let column = if &target == field.data_type() {
            column.clone()
        } else {
            cast_with_options(column, &target, &CastOptions { safe: false, ..CastOptions::default() })
                .map_err(|e| Error::Write {
                    path: path.to_path_buf(),
                    message: format!("column `{}`: {} as {target}: {e}", field.name(), field.data_type()),
                })?
        };
        fields.push(Field::new(field.name(), target, field.is_nullable()));
        columns.push(column);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(|source| Error::Arrow { context: format!("writing `{}`", path.display()), source })
}

fn plain_type(t: &DataType) -> DataType {
    match t {
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        DataType::BinaryView | DataType::LargeBinary => DataType::Binary,
        DataType::UInt64 => DataType::Int64,
        DataType::Timestamp(_, tz) => DataType::Timestamp(TimeUnit::Microsecond, tz.clone()),
        DataType::Time32(_) | DataType::Time64(_) => DataType::Time64(TimeUnit::Microsecond),
        DataType::Duration(_) => DataType::Duration(TimeUnit::Microsecond),
        DataType::List(f) | DataType::LargeList(f) | DataType::ListView(f) | DataType::LargeListView(f) => {
            DataType::List(Arc::new(Field::new(f.name(), plain_type(f.data_type()), f.is_nullable())))
        }
        DataType::Struct(fs) => DataType::Struct(
            fs.iter().map(|f| Field::new(f.name(), plain_type(f.data_type()), f.is_nullable())).collect(),
        ),
        other => other.clone(),
    }
}

/// An Avro schema (JSON) for the columns of `schema`: a record named `Row`.
pub(crate) fn avro_schema(schema: &SchemaRef) -> String {
    let mut counter = 0;
    let fields: Vec<Value> = schema.fields().iter().map(|f| avro_field(f, &mut counter)).collect();
    json!({"type": "record", "name": "Row", "fields": fields}).to_string()
}

fn avro_field(field: &Field, counter: &mut usize) -> Value {
    let t = avro_type(field.name(), field.data_type(), counter);
    let t = if field.is_nullable() { json!(["null", t]) } else { t };
    if field.is_nullable() {
        json!({"name": field.name(), "type": t, "default": null})
    } else {
        json!({"name": field.name(), "type": t})
    }
}

fn avro_type(name: &str, t: &DataType, counter: &mut usize) -> Value {
    match t {
        DataType::Null => json!("null"),
        DataType::Boolean => json!("boolean"),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16 => {
            json!("int")
        }
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => json!("long"),
        DataType::Float16 | DataType::Float32 => json!("float"),
        DataType::Float64 => json!("double"),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => json!("string"),
        DataType::Date32 => json!({"type": "int", "logicalType": "date"}),
        DataType::Timestamp(_, Some(_)) => json!({"type": "long", "logicalType": "timestamp-micros"}),
        DataType::Timestamp(_, None) => json!({"type": "long", "logicalType": "local-timestamp-micros"}),
        DataType::Time32(_) | DataType::Time64(_) => json!({"type": "long", "logicalType": "time-micros"}),
        DataType::Decimal128(p, s) => {
            json!({"type": "bytes", "logicalType": "decimal", "precision": p, "scale": s})
        }
        DataType::FixedSizeBinary(n) => {
            *counter += 1;
            json!({"type": "fixed", "name": format!("Fixed_{name}_{counter}"), "size": n})
        }
        DataType::List(f) | DataType::LargeList(f) => {
            let items = avro_type(name, f.data_type(), counter);
            let items = if f.is_nullable() { json!(["null", items]) } else { items };
            json!({"type": "array", "items": items})
        }
        DataType::Map(entries, _) => {
            let value = match entries.data_type() {
                DataType::Struct(kv) => kv.get(1).map_or(json!("null"), |v| {
                    let t = avro_type(name, v.data_type(), counter);
                    if v.is_nullable() { json!(["null", t]) } else { t }
                }),
                _ => json!("null"),
            };
            json!({"type": "map", "values": value})
        }
        DataType::Struct(fs) => {
            *counter += 1;
            let fields: Vec<Value> = fs.iter().map(|f| avro_field(f, counter)).collect();
            json!({"type": "record", "name": format!("Row_{name}_{counter}"), "fields": fields})
        }
        // Durations and other types: bytes would lose meaning; say so via the encoder's error.
        _ => json!("bytes"),
    }
}
