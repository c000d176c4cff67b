//! `uuid::Uuid`: FixedSizeBinary(16) with the `arrow.uuid` canonical extension.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, FixedSizeBinaryArray, FixedSizeBinaryBuilder};
use arrow::datatypes::DataType;
use uuid::Uuid;

use super::string::BinReader;
use super::{BindError, Column, ColumnBuilder, ColumnReader, FieldOptions, ListItem, ReadError, ValueError};
use crate::avro::Input;
use crate::avro::binary::put_bytes;

/// Arrow's extension-name metadata key.
pub const EXTENSION_NAME_KEY: &str = "ARROW:extension:name";
/// The canonical UUID extension name.
pub const UUID_EXTENSION: &str = "arrow.uuid";

/// Builder for a `Uuid` column.
pub struct UuidBuilder(FixedSizeBinaryBuilder);

/// Reader for a `Uuid` column: FixedSizeBinary(16), or any binary of 16-byte values.
pub enum UuidReader {
    /// FixedSizeBinary(16).
    Fixed(FixedSizeBinaryArray),
    /// Variable-size binary; each value must be 16 bytes.
    Var(BinReader),
}

impl Column for Uuid {
    type Builder = UuidBuilder;
    type Reader = UuidReader;

    fn data_type(_: &FieldOptions) -> DataType {
        DataType::FixedSizeBinary(16)
    }

    fn avro_type(_: &FieldOptions, _: &mut super::avro_schema::AvroNames) -> serde_json::Value {
        serde_json::json!({"type": "string", "logicalType": "uuid"})
    }

    fn metadata() -> HashMap<String, String> {
        HashMap::from([(EXTENSION_NAME_KEY.to_owned(), UUID_EXTENSION.to_owned())])
    }

    fn builder(capacity: usize, _: &FieldOptions) -> Self::Builder {
        UuidBuilder(FixedSizeBinaryBuilder::with_capacity(capacity, 16))
    }

    /// The 36-character hyphenated lower-case text, as Avro's uuid logical type.
    #[inline]
    fn avro_encode(value: &Uuid, _: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
        put_bytes(out, value.hyphenated().encode_lower(&mut Uuid::encode_buffer()).as_bytes());
        Ok(())
    }

    #[inline]
    fn avro_decode(input: &mut Input<'_>, _: &FieldOptions) -> Result<Uuid, ReadError> {
        let text = input.bytes().map_err(ReadError::invalid)?;
        Uuid::try_parse_ascii(text).map_err(|e| {
            ReadError::invalid(format!("`{}` is not a UUID: {e}", String::from_utf8_lossy(text)))
        })
    }

    fn reader(array: &ArrayRef, _: &FieldOptions) -> Result<Self::Reader, BindError> {
        match array.data_type() {
            DataType::FixedSizeBinary(16) => Ok(UuidReader::Fixed(array.as_fixed_size_binary().clone())),
            _ => BinReader::bind(array).map(UuidReader::Var).map_err(|_| {
                BindError::mismatch(
                    DataType::FixedSizeBinary(16),
                    array.data_type(),
                    "Binary of 16-byte values",
                )
            }),
        }
    }
}

impl ListItem for Uuid {}

impl ColumnBuilder<Uuid> for UuidBuilder {
    #[inline]
    fn append(&mut self, value: &Uuid) -> Result<(), ValueError> {
        self.0.append_value(value.as_bytes()).map_err(|e| ValueError::new(e.to_string()))
    }

    #[inline]
    fn append_null(&mut self) {
        self.0.append_null();
    }

    fn finish(&mut self) -> ArrayRef {
        Arc::new(self.0.finish())
    }
}

impl ColumnReader<Uuid> for UuidReader {
    #[inline]
    fn is_null(&self, index: usize) -> bool {
        match self {
            UuidReader::Fixed(a) => a.nulls().is_some_and(|n| index < n.len() && n.is_null(index)),
            UuidReader::Var(b) => b.is_null(index),
        }
    }

    #[inline]
    fn read(&self, index: usize) -> Result<Uuid, ReadError> {
        if ColumnReader::<Uuid>::is_null(self, index) {
            return Err(ReadError::null());
        }
        let bytes = match self {
            UuidReader::Fixed(a) if index < a.len() => a.value(index),
            UuidReader::Fixed(_) => return Err(ReadError::out_of_bounds(index)),
            UuidReader::Var(b) => b.bytes_at(index)?,
        };
        Uuid::from_slice(bytes)
            .map_err(|_| ReadError::invalid(format!("a UUID has 16 bytes, found {}", bytes.len())))
    }
}
