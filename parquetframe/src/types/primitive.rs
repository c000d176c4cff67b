//! `bool`, `i8`..`i64`, `u8`..`u64`, `f32`, `f64`.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, BooleanBuilder, PrimitiveArray, PrimitiveBuilder,
};
use arrow::buffer::{BooleanBuffer, NullBuffer, ScalarBuffer};
use arrow::datatypes::*;

use super::coerce::{cast_if_accepted, widening_note, widens_losslessly};
use crate::avro::Input;
use crate::avro::binary::{decimal_value, put_decimal, put_long};

use super::{BindError, Column, ColumnBuilder, ColumnReader, FieldOptions, ListItem, ReadError, ValueError};

/// Builder for a primitive column: a thin wrapper over arrow's own.
pub struct PrimBuilder<P: ArrowPrimitiveType>(PrimitiveBuilder<P>);

/// Reader for a primitive column: the values buffer and the validity bitmap.
pub struct PrimReader<P: ArrowPrimitiveType> {
    values: ScalarBuffer<P::Native>,
    nulls: Option<NullBuffer>,
}

impl<P: ArrowPrimitiveType> PrimBuilder<P> {
    /// A builder with room for `capacity` values.
    pub fn with_capacity(capacity: usize) -> Self {
        Self(PrimitiveBuilder::with_capacity(capacity))
    }

    /// Appends a native value.
    #[inline]
    pub fn push(&mut self, value: P::Native) {
        self.0.append_value(value);
    }

    /// Appends a null.
    #[inline]
    pub fn push_null(&mut self) {
        self.0.append_null();
    }

    /// Finishes into a typed array.
    pub fn finish_typed(&mut self) -> PrimitiveArray<P> {
        self.0.finish()
    }
}

impl<P: ArrowPrimitiveType> PrimReader<P> {
    /// Binds to an array that is already of type `P`.
    pub fn from_array(array: &PrimitiveArray<P>) -> Self {
        Self { values: array.values().clone(), nulls: array.nulls().cloned() }
    }

    /// Binds to `array`, accepting lossless numeric widening (and casting once).
    pub fn bind(array: &ArrayRef, target: DataType) -> Result<Self, BindError> {
        let note = widening_note(&target);
        let array = cast_if_accepted(array, &target, |f| widens_losslessly(f, &target), note)?;
        let typed = array
            .as_primitive_opt::<P>()
            .ok_or_else(|| BindError::mismatch(target.clone(), array.data_type(), note))?;
        Ok(Self::from_array(typed))
    }

    /// The native value at `index`, or a null error.
    #[inline]
    pub fn native(&self, index: usize) -> Result<P::Native, ReadError> {
        if self.is_null(index) {
            return Err(ReadError::null());
        }
        self.values.get(index).copied().ok_or_else(|| ReadError::out_of_bounds(index))
    }

    /// Whether slot `index` is null.
    #[inline]
    pub fn is_null(&self, index: usize) -> bool {
        self.nulls.as_ref().is_some_and(|n| index < n.len() && n.is_null(index))
    }
}

/// The Avro datum methods of a primitive, by how it is encoded.
macro_rules! avro_datum {
    (int, $rust:ty) => {
        #[inline]
        fn avro_encode(value: &$rust, _: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
            put_long(out, i64::from(*value));
            Ok(())
        }

        #[inline]
        fn avro_decode(input: &mut Input<'_>, _: &FieldOptions) -> Result<$rust, ReadError> {
            let v = input.long().map_err(ReadError::invalid)?;
            <$rust>::try_from(v).map_err(|_| out_of_range(v, stringify!($rust)))
        }
    };
    (long, $rust:ty) => {
        #[inline]
        fn avro_encode(value: &$rust, _: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
            put_long(out, *value);
            Ok(())
        }

        #[inline]
        fn avro_decode(input: &mut Input<'_>, _: &FieldOptions) -> Result<$rust, ReadError> {
            input.long().map_err(ReadError::invalid)
        }
    };
    (decimal, $rust:ty) => {
        #[inline]
        fn avro_encode(value: &$rust, _: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
            put_decimal(out, i128::from(*value));
            Ok(())
        }

        #[inline]
        fn avro_decode(input: &mut Input<'_>, _: &FieldOptions) -> Result<$rust, ReadError> {
            let v = input.bytes().and_then(decimal_value).map_err(ReadError::invalid)?;
            <$rust>::try_from(v).map_err(|_| out_of_range(v, stringify!($rust)))
        }
    };
    // `float` and `double`: little-endian bytes, read by `Input::$read`.
    (le_bytes $read:ident, $rust:ty) => {
        #[inline]
        fn avro_encode(value: &$rust, _: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
            out.extend_from_slice(&value.to_le_bytes());
            Ok(())
        }

        #[inline]
        fn avro_decode(input: &mut Input<'_>, _: &FieldOptions) -> Result<$rust, ReadError> {
            input.$read().map_err(ReadError::invalid)
        }
    };
}

#[cold]
fn out_of_range(v: impl std::fmt::Display, rust: &str) -> ReadError {
    ReadError::invalid(format!("{v} does not fit in {rust}"))
}

macro_rules! primitive_column {
    ($($rust:ty => $arrow:ty, $avro:expr, $($encoding:ident)+),* $(,)?) => {$(
        impl Column for $rust {
            type Builder = PrimBuilder<$arrow>;
            type Reader = PrimReader<$arrow>;

            fn data_type(_: &FieldOptions) -> DataType {
                <$arrow as ArrowPrimitiveType>::DATA_TYPE
            }

            fn avro_type(_: &FieldOptions, _: &mut super::avro_schema::AvroNames) -> serde_json::Value {
                $avro
            }

            fn builder(capacity: usize, _: &FieldOptions) -> Self::Builder {
                PrimBuilder::with_capacity(capacity)
            }

            avro_datum!($($encoding)+, $rust);

            fn reader(array: &ArrayRef, _: &FieldOptions) -> Result<Self::Reader, BindError> {
                PrimReader::bind(array, <$arrow as ArrowPrimitiveType>::DATA_TYPE)
            }
        }

        impl ColumnBuilder<$rust> for PrimBuilder<$arrow> {
            #[inline]
            fn append(&mut self, value: &$rust) -> Result<(), ValueError> {
                self.0.append_value(*value);
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

        impl ColumnReader<$rust> for PrimReader<$arrow> {
            #[inline]
            fn is_null(&self, index: usize) -> bool {
                PrimReader::is_null(self, index)
            }

            #[inline]
            fn read(&self, index: usize) -> Result<$rust, ReadError> {
                self.native(index)
            }
        }
    )*};
}

primitive_column! {
    i8 => Int8Type, serde_json::json!("int"), int,
    i16 => Int16Type, serde_json::json!("int"), int,
    i32 => Int32Type, serde_json::json!("int"), int,
    i64 => Int64Type, serde_json::json!("long"), long,
    u8 => UInt8Type, serde_json::json!("int"), int,
    u16 => UInt16Type, serde_json::json!("int"), int,
    u32 => UInt32Type, serde_json::json!("long"), int,
    // Every u64 fits in decimal(20, 0); a long would overflow above i64::MAX.
    u64 => UInt64Type, serde_json::json!({"type": "bytes", "logicalType": "decimal", "precision": 20, "scale": 0}), decimal,
    f32 => Float32Type, serde_json::json!("float"), le_bytes float,
    f64 => Float64Type, serde_json::json!("double"), le_bytes double,
}

// `u8` is deliberately absent: `Vec<u8>` is Binary.
impl ListItem for i8 {}
impl ListItem for i16 {}
impl ListItem for i32 {}
impl ListItem for i64 {}
impl ListItem for u16 {}
impl ListItem for u32 {}
impl ListItem for u64 {}
impl ListItem for f32 {}
impl ListItem for f64 {}
impl ListItem for bool {}

/// Builder for a `bool` column.
pub struct BoolBuilder(BooleanBuilder);

/// Reader for a `bool` column.
pub struct BoolReader {
    values: BooleanBuffer,
    nulls: Option<NullBuffer>,
}

impl Column for bool {
    type Builder = BoolBuilder;
    type Reader = BoolReader;

    fn data_type(_: &FieldOptions) -> DataType {
        DataType::Boolean
    }

    fn avro_type(_: &FieldOptions, _: &mut super::avro_schema::AvroNames) -> serde_json::Value {
        serde_json::json!("boolean")
    }

    fn builder(capacity: usize, _: &FieldOptions) -> Self::Builder {
        BoolBuilder(BooleanBuilder::with_capacity(capacity))
    }

    #[inline]
    fn avro_encode(value: &bool, _: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
        out.push(u8::from(*value));
        Ok(())
    }

    #[inline]
    fn avro_decode(input: &mut Input<'_>, _: &FieldOptions) -> Result<bool, ReadError> {
        input.boolean().map_err(ReadError::invalid)
    }

    fn reader(array: &ArrayRef, _: &FieldOptions) -> Result<Self::Reader, BindError> {
        let array = cast_if_accepted(array, &DataType::Boolean, |_| false, "")?;
        let typed: &BooleanArray = array
            .as_boolean_opt()
            .ok_or_else(|| BindError::mismatch(DataType::Boolean, array.data_type(), ""))?;
        Ok(BoolReader { values: typed.values().clone(), nulls: typed.nulls().cloned() })
    }
}

impl ColumnBuilder<bool> for BoolBuilder {
    #[inline]
    fn append(&mut self, value: &bool) -> Result<(), ValueError> {
        self.0.append_value(*value);
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

impl ColumnReader<bool> for BoolReader {
    #[inline]
    fn is_null(&self, index: usize) -> bool {
        self.nulls.as_ref().is_some_and(|n| index < n.len() && n.is_null(index))
    }

    #[inline]
    fn read(&self, index: usize) -> Result<bool, ReadError> {
        if ColumnReader::<bool>::is_null(self, index) {
            return Err(ReadError::null());
        }
        if index < self.values.len() {
            Ok(self.values.value(index))
        } else {
            Err(ReadError::out_of_bounds(index))
        }
    }
}
