//! `rust_decimal::Decimal`: Decimal128 with precision and scale from
//! `#[entity(precision = P, scale = S)]` (default 38, 10).
//!
//! Writing never rounds: a value with more fractional digits than the scale,
//! or more digits than the precision, is an error naming the row.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, PrimitiveBuilder};
use arrow::buffer::{NullBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, Decimal128Type};
use rust_decimal::Decimal;

use super::coerce::cast_if_accepted;
use super::{BindError, Column, ColumnBuilder, ColumnReader, FieldOptions, ListItem, ReadError, ValueError};
use crate::avro::Input;
use crate::avro::binary::{decimal_value, put_decimal};

/// Precision and scale when the field has no attribute.
pub const DEFAULT_PRECISION_SCALE: (u8, i8) = (38, 10);

fn precision_scale(opts: &FieldOptions) -> (u8, i8) {
    opts.decimal.unwrap_or(DEFAULT_PRECISION_SCALE)
}

/// 10^precision: the bound on the absolute unscaled value.
fn limit(precision: u8) -> i128 {
    10i128.checked_pow(u32::from(precision)).unwrap_or(i128::MAX)
}

/// The unscaled value of `value` at `scale`, never rounding.
#[inline]
fn unscaled(value: &Decimal, precision: u8, scale: i8, limit: i128) -> Result<i128, ValueError> {
    let target = u32::try_from(scale.max(0)).unwrap_or(0);
    let mut scaled = *value;
    scaled.rescale(target);
    if scaled != *value {
        return Err(ValueError::new(format!(
            "{value} has more than {scale} fractional digits (scale {scale}); round it first or raise the scale"
        )));
    }
    let unscaled = scaled.mantissa();
    if unscaled.abs() >= limit || scaled.scale() != target {
        return Err(ValueError::new(format!("{value} does not fit in Decimal128({precision}, {scale})")));
    }
    Ok(unscaled)
}

/// The decimal with unscaled value `v` at `scale`.
#[inline]
fn decimal(v: i128, scale: i8) -> Result<Decimal, ReadError> {
    let scale = u32::try_from(scale).unwrap_or(0);
    Decimal::try_from_i128_with_scale(v, scale).map_err(|_| {
        ReadError::invalid(format!("decimal {v}e-{scale} is outside rust_decimal's 96-bit range"))
    })
}

/// Builder for a `Decimal` column.
pub struct DecimalBuilder {
    inner: PrimitiveBuilder<Decimal128Type>,
    precision: u8,
    scale: i8,
    limit: i128,
}

/// Reader for a `Decimal` column: the unscaled values and the file's scale.
pub struct DecimalReader {
    values: ScalarBuffer<i128>,
    scale: i8,
    nulls: Option<NullBuffer>,
}

impl Column for Decimal {
    type Builder = DecimalBuilder;
    type Reader = DecimalReader;

    fn data_type(opts: &FieldOptions) -> DataType {
        let (p, s) = precision_scale(opts);
        DataType::Decimal128(p, s)
    }

    fn avro_type(opts: &FieldOptions, _: &mut super::avro_schema::AvroNames) -> serde_json::Value {
        let (p, s) = precision_scale(opts);
        serde_json::json!({"type": "bytes", "logicalType": "decimal", "precision": p, "scale": s})
    }

    fn builder(capacity: usize, opts: &FieldOptions) -> Self::Builder {
        let (precision, scale) = precision_scale(opts);
        DecimalBuilder {
            inner: PrimitiveBuilder::with_capacity(capacity)
                .with_data_type(DataType::Decimal128(precision, scale)),
            precision,
            scale,
            limit: limit(precision),
        }
    }

    #[inline]
    fn avro_encode(value: &Decimal, opts: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
        let (precision, scale) = precision_scale(opts);
        put_decimal(out, unscaled(value, precision, scale, limit(precision))?);
        Ok(())
    }

    #[inline]
    fn avro_decode(input: &mut Input<'_>, opts: &FieldOptions) -> Result<Decimal, ReadError> {
        let v = input.bytes().and_then(decimal_value).map_err(ReadError::invalid)?;
        decimal(v, precision_scale(opts).1)
    }

    fn reader(array: &ArrayRef, opts: &FieldOptions) -> Result<Self::Reader, BindError> {
        const ACCEPTS: &str = "Decimal128 of any precision and scale in 0..=28, Decimal32, Decimal64";
        let array = match array.data_type() {
            DataType::Decimal128(..) => array.clone(),
            DataType::Decimal32(p, s) | DataType::Decimal64(p, s) => {
                cast_if_accepted(array, &DataType::Decimal128(*p, *s), |_| true, ACCEPTS)?
            }
            _ => cast_if_accepted(array, &Self::data_type(opts), |_| false, ACCEPTS)?,
        };
        let typed = array
            .as_primitive_opt::<Decimal128Type>()
            .ok_or_else(|| BindError::mismatch(Self::data_type(opts), array.data_type(), ACCEPTS))?;
        let DataType::Decimal128(_, scale) = typed.data_type() else {
            return Err(BindError::mismatch(Self::data_type(opts), array.data_type(), ACCEPTS));
        };
        if !(0..=28).contains(scale) {
            return Err(BindError::mismatch(Self::data_type(opts), array.data_type(), ACCEPTS));
        }
        Ok(DecimalReader { values: typed.values().clone(), scale: *scale, nulls: typed.nulls().cloned() })
    }
}

impl ListItem for Decimal {}

impl ColumnBuilder<Decimal> for DecimalBuilder {
    #[inline]
    fn append(&mut self, value: &Decimal) -> Result<(), ValueError> {
        self.inner.append_value(unscaled(value, self.precision, self.scale, self.limit)?);
        Ok(())
    }

    #[inline]
    fn append_null(&mut self) {
        self.inner.append_null();
    }

    fn finish(&mut self) -> ArrayRef {
        Arc::new(self.inner.finish())
    }
}

impl ColumnReader<Decimal> for DecimalReader {
    #[inline]
    fn is_null(&self, index: usize) -> bool {
        self.nulls.as_ref().is_some_and(|n| index < n.len() && n.is_null(index))
    }

    #[inline]
    fn read(&self, index: usize) -> Result<Decimal, ReadError> {
        if ColumnReader::<Decimal>::is_null(self, index) {
            return Err(ReadError::null());
        }
        decimal(self.values.get(index).copied().ok_or_else(|| ReadError::out_of_bounds(index))?, self.scale)
    }
}
