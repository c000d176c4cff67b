//! `Option<T>`: the same Arrow type as `T`, nullable.

use std::collections::HashMap;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;

use crate::avro::Input;

use super::{BindError, Column, ColumnBuilder, ColumnReader, FieldOptions, ListItem, ReadError, ValueError};

/// Builder for `Option<T>`: `None` appends a null to `T`'s builder.
pub struct OptBuilder<B>(B);

/// Reader for `Option<T>`: a null slot reads as `None`.
pub struct OptReader<R>(R);

impl<T: Column> Column for Option<T> {
    type Builder = OptBuilder<T::Builder>;
    type Reader = OptReader<T::Reader>;

    const NULLABLE: bool = true;

    fn data_type(opts: &FieldOptions) -> DataType {
        T::data_type(opts)
    }

    fn avro_type(opts: &FieldOptions, names: &mut super::avro_schema::AvroNames) -> serde_json::Value {
        super::avro_schema::nullable(T::avro_type(opts, names))
    }

    fn metadata() -> HashMap<String, String> {
        T::metadata()
    }

    fn builder(capacity: usize, opts: &FieldOptions) -> Self::Builder {
        OptBuilder(T::builder(capacity, opts))
    }

    /// Branch 0 (`"null"`) for `None`, else branch 1 and the value. An
    /// `Option<Option<T>>` shares the inner union (Avro forbids nesting), so
    /// `Some(None)` is written as null, as in Arrow.
    #[inline]
    fn avro_encode(value: &Option<T>, opts: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
        match value {
            None => out.push(0),
            Some(v) if T::NULLABLE => return T::avro_encode(v, opts, out),
            Some(v) => {
                out.push(2); // zig-zag 1
                return T::avro_encode(v, opts, out);
            }
        }
        Ok(())
    }

    #[inline]
    fn avro_decode(input: &mut Input<'_>, opts: &FieldOptions) -> Result<Option<T>, ReadError> {
        let mut ahead = input.clone();
        match ahead.long().map_err(ReadError::invalid)? {
            0 => {
                *input = ahead;
                Ok(None)
            }
            _ if T::NULLABLE => T::avro_decode(input, opts).map(Some),
            1 => {
                *input = ahead;
                T::avro_decode(input, opts).map(Some)
            }
            b => Err(ReadError::invalid(format!("union branch {b} of a [\"null\", T] union"))),
        }
    }

    fn reader(array: &ArrayRef, opts: &FieldOptions) -> Result<Self::Reader, BindError> {
        T::reader(array, opts).map(OptReader)
    }
}

impl<T: Column> ListItem for Option<T> {}

impl<T, B: ColumnBuilder<T>> ColumnBuilder<Option<T>> for OptBuilder<B> {
    #[inline]
    fn append(&mut self, value: &Option<T>) -> Result<(), ValueError> {
        match value {
            Some(v) => self.0.append(v),
            None => {
                self.0.append_null();
                Ok(())
            }
        }
    }

    #[inline]
    fn append_null(&mut self) {
        self.0.append_null();
    }

    fn finish(&mut self) -> ArrayRef {
        self.0.finish()
    }
}

impl<T, R: ColumnReader<T>> ColumnReader<Option<T>> for OptReader<R> {
    #[inline]
    fn is_null(&self, index: usize) -> bool {
        self.0.is_null(index)
    }

    #[inline]
    fn read(&self, index: usize) -> Result<Option<T>, ReadError> {
        if self.0.is_null(index) { Ok(None) } else { self.0.read(index).map(Some) }
    }
}
