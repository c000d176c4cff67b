//! `Option<T>`: the same Arrow type as `T`, nullable.

use std::collections::HashMap;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;

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

    fn avro_type(opts: &FieldOptions, names: &mut super::avro::AvroNames) -> serde_json::Value {
        super::avro::nullable(T::avro_type(opts, names))
    }

    fn metadata() -> HashMap<String, String> {
        T::metadata()
    }

    fn builder(capacity: usize, opts: &FieldOptions) -> Self::Builder {
        OptBuilder(T::builder(capacity, opts))
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
