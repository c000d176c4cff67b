//! `String` (Utf8) and `Vec<u8>` (Binary).

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BinaryBuilder, BinaryViewArray, GenericBinaryArray, GenericStringArray,
    StringBuilder, StringViewArray,
};
use arrow::datatypes::DataType;

use super::coerce::{cast_if_accepted, is_dictionary_of};
use crate::avro::Input;
use crate::avro::binary::put_bytes;

use super::{BindError, Column, ColumnBuilder, ColumnReader, FieldOptions, ListItem, ReadError, ValueError};

/// Bytes reserved per string or binary value before the first reallocation.
const BYTES_PER_VALUE: usize = 16;

const STRING_ACCEPTS: &str = "LargeUtf8, Utf8View, Dictionary(_, Utf8 | LargeUtf8 | Utf8View)";
const BINARY_ACCEPTS: &str = "LargeBinary, BinaryView, FixedSizeBinary, Dictionary(_, Binary | LargeBinary)";

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn is_binary(t: &DataType) -> bool {
    matches!(t, DataType::Binary | DataType::LargeBinary | DataType::BinaryView)
}

/// Builder for a `String` column.
pub struct StrBuilder(StringBuilder);

/// Reader for a `String` column: one variant per physical string layout, so
/// files written as `large_string` or `string_view` are read without a copy.
pub enum StrReader {
    /// `Utf8`.
    Utf8(GenericStringArray<i32>),
    /// `LargeUtf8`.
    Large(GenericStringArray<i64>),
    /// `Utf8View`.
    View(StringViewArray),
}

impl StrReader {
    /// Binds to any string layout; dictionaries are unpacked once.
    pub fn bind(array: &ArrayRef) -> Result<Self, BindError> {
        let array = match array.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => array.clone(),
            found => {
                cast_if_accepted(array, &DataType::Utf8, |f| is_dictionary_of(f, is_string), STRING_ACCEPTS)
                    .map_err(|_| BindError::mismatch(DataType::Utf8, found, STRING_ACCEPTS))?
            }
        };
        Ok(match array.data_type() {
            DataType::LargeUtf8 => StrReader::Large(array.as_string::<i64>().clone()),
            DataType::Utf8View => StrReader::View(array.as_string_view().clone()),
            _ => StrReader::Utf8(array.as_string::<i32>().clone()),
        })
    }

    /// The string at `index` (borrowed), or a null error.
    #[inline]
    pub fn str_at(&self, index: usize) -> Result<&str, ReadError> {
        if self.is_null(index) {
            return Err(ReadError::null());
        }
        let len = match self {
            StrReader::Utf8(a) => a.len(),
            StrReader::Large(a) => a.len(),
            StrReader::View(a) => a.len(),
        };
        if index >= len {
            return Err(ReadError::out_of_bounds(index));
        }
        Ok(match self {
            StrReader::Utf8(a) => a.value(index),
            StrReader::Large(a) => a.value(index),
            StrReader::View(a) => a.value(index),
        })
    }

    /// Whether slot `index` is null.
    #[inline]
    pub fn is_null(&self, index: usize) -> bool {
        let nulls = match self {
            StrReader::Utf8(a) => a.nulls(),
            StrReader::Large(a) => a.nulls(),
            StrReader::View(a) => a.nulls(),
        };
        nulls.is_some_and(|n| index < n.len() && n.is_null(index))
    }
}

impl StrBuilder {
    /// A builder with room for `capacity` strings.
    pub fn with_capacity(capacity: usize) -> Self {
        Self(StringBuilder::with_capacity(capacity, capacity.saturating_mul(BYTES_PER_VALUE)))
    }

    /// Appends a string slice.
    #[inline]
    pub fn push(&mut self, value: &str) {
        self.0.append_value(value);
    }

    /// Appends a null.
    #[inline]
    pub fn push_null(&mut self) {
        self.0.append_null();
    }
}

impl Column for String {
    type Builder = StrBuilder;
    type Reader = StrReader;

    fn data_type(_: &FieldOptions) -> DataType {
        DataType::Utf8
    }

    fn avro_type(_: &FieldOptions, _: &mut super::avro_schema::AvroNames) -> serde_json::Value {
        serde_json::json!("string")
    }

    fn builder(capacity: usize, _: &FieldOptions) -> Self::Builder {
        StrBuilder::with_capacity(capacity)
    }

    #[inline]
    fn avro_encode(value: &String, _: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
        put_bytes(out, value.as_bytes());
        Ok(())
    }

    #[inline]
    fn avro_decode(input: &mut Input<'_>, _: &FieldOptions) -> Result<String, ReadError> {
        let bytes = input.bytes().map_err(ReadError::invalid)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => Err(ReadError::invalid(format!("string is not valid UTF-8: {e}"))),
        }
    }

    fn reader(array: &ArrayRef, _: &FieldOptions) -> Result<Self::Reader, BindError> {
        StrReader::bind(array)
    }
}

impl ListItem for String {}

impl ColumnBuilder<String> for StrBuilder {
    #[inline]
    fn append(&mut self, value: &String) -> Result<(), ValueError> {
        self.0.append_value(value);
        Ok(())
    }

    #[inline]
    fn append_null(&mut self) {
        self.0.append_null();
    }

    fn finish(&mut self) -> ArrayRef {
        Arc::new(self.0.finish())
    }
}

impl ColumnReader<String> for StrReader {
    #[inline]
    fn is_null(&self, index: usize) -> bool {
        StrReader::is_null(self, index)
    }

    #[inline]
    fn read(&self, index: usize) -> Result<String, ReadError> {
        self.str_at(index).map(str::to_owned)
    }
}

/// Builder for a `Vec<u8>` (Binary) column.
pub struct BinBuilder(BinaryBuilder);

/// Reader for a `Vec<u8>` column, over every binary layout.
pub enum BinReader {
    /// `Binary`.
    Binary(GenericBinaryArray<i32>),
    /// `LargeBinary`.
    Large(GenericBinaryArray<i64>),
    /// `BinaryView`.
    View(BinaryViewArray),
}

impl BinReader {
    /// Binds to any binary layout; fixed-size and dictionary arrays are converted once.
    pub fn bind(array: &ArrayRef) -> Result<Self, BindError> {
        let array = match array.data_type() {
            t if is_binary(t) => array.clone(),
            found => cast_if_accepted(
                array,
                &DataType::Binary,
                |f| matches!(f, DataType::FixedSizeBinary(_)) || is_dictionary_of(f, is_binary),
                BINARY_ACCEPTS,
            )
            .map_err(|_| BindError::mismatch(DataType::Binary, found, BINARY_ACCEPTS))?,
        };
        Ok(match array.data_type() {
            DataType::LargeBinary => BinReader::Large(array.as_binary::<i64>().clone()),
            DataType::BinaryView => BinReader::View(array.as_binary_view().clone()),
            _ => BinReader::Binary(array.as_binary::<i32>().clone()),
        })
    }

    /// The bytes at `index` (borrowed), or a null error.
    #[inline]
    pub fn bytes_at(&self, index: usize) -> Result<&[u8], ReadError> {
        if self.is_null(index) {
            return Err(ReadError::null());
        }
        let len = match self {
            BinReader::Binary(a) => a.len(),
            BinReader::Large(a) => a.len(),
            BinReader::View(a) => a.len(),
        };
        if index >= len {
            return Err(ReadError::out_of_bounds(index));
        }
        Ok(match self {
            BinReader::Binary(a) => a.value(index),
            BinReader::Large(a) => a.value(index),
            BinReader::View(a) => a.value(index),
        })
    }

    /// Whether slot `index` is null.
    #[inline]
    pub fn is_null(&self, index: usize) -> bool {
        let nulls = match self {
            BinReader::Binary(a) => a.nulls(),
            BinReader::Large(a) => a.nulls(),
            BinReader::View(a) => a.nulls(),
        };
        nulls.is_some_and(|n| index < n.len() && n.is_null(index))
    }
}

impl Column for Vec<u8> {
    type Builder = BinBuilder;
    type Reader = BinReader;

    fn data_type(_: &FieldOptions) -> DataType {
        DataType::Binary
    }

    fn avro_type(_: &FieldOptions, _: &mut super::avro_schema::AvroNames) -> serde_json::Value {
        serde_json::json!("bytes")
    }

    fn builder(capacity: usize, _: &FieldOptions) -> Self::Builder {
        BinBuilder(BinaryBuilder::with_capacity(capacity, capacity.saturating_mul(BYTES_PER_VALUE)))
    }

    #[inline]
    fn avro_encode(value: &Vec<u8>, _: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
        put_bytes(out, value);
        Ok(())
    }

    #[inline]
    fn avro_decode(input: &mut Input<'_>, _: &FieldOptions) -> Result<Vec<u8>, ReadError> {
        input.bytes().map(<[u8]>::to_vec).map_err(ReadError::invalid)
    }

    fn reader(array: &ArrayRef, _: &FieldOptions) -> Result<Self::Reader, BindError> {
        BinReader::bind(array)
    }
}

impl ListItem for Vec<u8> {}

impl ColumnBuilder<Vec<u8>> for BinBuilder {
    #[inline]
    fn append(&mut self, value: &Vec<u8>) -> Result<(), ValueError> {
        self.0.append_value(value);
        Ok(())
    }

    #[inline]
    fn append_null(&mut self) {
        self.0.append_null();
    }

    fn finish(&mut self) -> ArrayRef {
        Arc::new(self.0.finish())
    }
}

impl ColumnReader<Vec<u8>> for BinReader {
    #[inline]
    fn is_null(&self, index: usize) -> bool {
        BinReader::is_null(self, index)
    }

    #[inline]
    fn read(&self, index: usize) -> Result<Vec<u8>, ReadError> {
        self.bytes_at(index).map(<[u8]>::to_vec)
    }
}
