//! chrono types: `NaiveDate` (Date32), `NaiveTime` (Time64 µs), `NaiveDateTime`
//! (Timestamp µs, no zone), `DateTime<Utc>` (Timestamp µs, "UTC") and
//! `chrono::Duration` (Duration µs).
//!
//! Readers accept every unit (s, ms, µs, ns) and keep what chrono can hold:
//! a nanosecond timestamp keeps its nanoseconds in the Rust value, and is
//! written back with microsecond precision.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, PrimitiveBuilder};
use arrow::buffer::{NullBuffer, ScalarBuffer};
use arrow::datatypes::*;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};

use super::coerce::cast_if_accepted;
use super::{BindError, Column, ColumnBuilder, ColumnReader, FieldOptions, ListItem, ReadError, ValueError};
use crate::avro::Input;
use crate::avro::binary::put_long;

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// The zone written for `DateTime<Utc>` columns.
pub const UTC: &str = "UTC";

/// A bound column of 64-bit time values with their unit.
pub struct UnitReader {
    values: ScalarBuffer<i64>,
    unit: TimeUnit,
    nulls: Option<NullBuffer>,
}

impl UnitReader {
    #[inline]
    fn raw(&self, index: usize) -> Result<i64, ReadError> {
        if self.is_null(index) {
            return Err(ReadError::null());
        }
        self.values.get(index).copied().ok_or_else(|| ReadError::out_of_bounds(index))
    }

    #[inline]
    fn is_null(&self, index: usize) -> bool {
        self.nulls.as_ref().is_some_and(|n| index < n.len() && n.is_null(index))
    }

    fn of<T: ArrowPrimitiveType<Native = i64>>(array: &ArrayRef, unit: TimeUnit) -> Option<Self> {
        let typed = array.as_primitive_opt::<T>()?;
        Some(Self { values: typed.values().clone(), unit, nulls: typed.nulls().cloned() })
    }

    fn timestamp(array: &ArrayRef) -> Option<Self> {
        match array.data_type() {
            DataType::Timestamp(TimeUnit::Second, _) => {
                Self::of::<TimestampSecondType>(array, TimeUnit::Second)
            }
            DataType::Timestamp(TimeUnit::Millisecond, _) => {
                Self::of::<TimestampMillisecondType>(array, TimeUnit::Millisecond)
            }
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                Self::of::<TimestampMicrosecondType>(array, TimeUnit::Microsecond)
            }
            DataType::Timestamp(TimeUnit::Nanosecond, _) => {
                Self::of::<TimestampNanosecondType>(array, TimeUnit::Nanosecond)
            }
            _ => None,
        }
    }

    fn duration(array: &ArrayRef) -> Option<Self> {
        match array.data_type() {
            DataType::Duration(TimeUnit::Second) => Self::of::<DurationSecondType>(array, TimeUnit::Second),
            DataType::Duration(TimeUnit::Millisecond) => {
                Self::of::<DurationMillisecondType>(array, TimeUnit::Millisecond)
            }
            DataType::Duration(TimeUnit::Microsecond) => {
                Self::of::<DurationMicrosecondType>(array, TimeUnit::Microsecond)
            }
            DataType::Duration(TimeUnit::Nanosecond) => {
                Self::of::<DurationNanosecondType>(array, TimeUnit::Nanosecond)
            }
            _ => None,
        }
    }

    /// The instant at `index` as a UTC `DateTime`.
    #[inline]
    fn instant(&self, index: usize) -> Result<DateTime<Utc>, ReadError> {
        instant(self.raw(index)?, self.unit)
    }
}

/// Days from 0001-01-01 (chrono's "common era" day 1) to 1970-01-01.
const UNIX_EPOCH_DAY_CE: i64 = 719_163;

thread_local! {
    /// The last day a timestamp fell on, and its date: time-ordered data (logs,
    /// events, sign-ups) repeats its day for many rows in a row, and the
    /// calendar arithmetic of a day is a third of a timestamp's conversion.
    static LAST_DAY: std::cell::Cell<(i64, Option<NaiveDate>)> = const { std::cell::Cell::new((i64::MIN, None)) };
}

/// Microseconds since the epoch as a UTC `DateTime`: what
/// `DateTime::from_timestamp_micros` gives, with the day's date remembered.
#[inline]
fn instant_micros(v: i64) -> Option<DateTime<Utc>> {
    let secs = v.div_euclid(1_000_000);
    let nanos = u32::try_from(v.rem_euclid(1_000_000) * 1_000).ok()?;
    let days = secs.div_euclid(86_400);
    let second = u32::try_from(secs.rem_euclid(86_400)).ok()?;
    let date = LAST_DAY.with(|last| {
        let (day, date) = last.get();
        if day == days {
            return date;
        }
        let date =
            i32::try_from(days + UNIX_EPOCH_DAY_CE).ok().and_then(NaiveDate::from_num_days_from_ce_opt);
        last.set((days, date));
        date
    })?;
    let time = NaiveTime::from_num_seconds_from_midnight_opt(second, nanos)?;
    Some(NaiveDateTime::new(date, time).and_utc())
}

/// Timestamp `v` in `unit` as a UTC `DateTime`.
#[inline]
fn instant(v: i64, unit: TimeUnit) -> Result<DateTime<Utc>, ReadError> {
    let converted = match unit {
        TimeUnit::Second => DateTime::from_timestamp(v, 0),
        TimeUnit::Millisecond => DateTime::from_timestamp_millis(v),
        TimeUnit::Microsecond => instant_micros(v),
        TimeUnit::Nanosecond => Some(DateTime::from_timestamp_nanos(v)),
    };
    converted.ok_or_else(|| {
        ReadError::invalid(format!(
            "timestamp {v} ({}) is outside the range chrono can represent",
            unit_name(unit)
        ))
    })
}

/// Duration `v` in `unit`.
#[inline]
fn duration(v: i64, unit: TimeUnit) -> Result<TimeDelta, ReadError> {
    let converted = match unit {
        TimeUnit::Second => TimeDelta::try_seconds(v),
        TimeUnit::Millisecond => TimeDelta::try_milliseconds(v),
        TimeUnit::Microsecond => Some(TimeDelta::microseconds(v)),
        TimeUnit::Nanosecond => Some(TimeDelta::nanoseconds(v)),
    };
    converted.ok_or_else(|| {
        ReadError::invalid(format!("duration {v} ({}) is outside chrono's range", unit_name(unit)))
    })
}

/// `value` in whole microseconds.
#[inline]
fn duration_micros(value: &TimeDelta) -> Result<i64, ValueError> {
    value
        .num_microseconds()
        .ok_or_else(|| ValueError::new(format!("duration {value} does not fit in i64 microseconds")))
}

/// Days since 1970-01-01.
#[inline]
fn epoch_days(value: &NaiveDate) -> i32 {
    value.num_days_from_ce_i32() - EPOCH_DAYS_FROM_CE
}

/// The date `days` after 1970-01-01.
#[inline]
fn date(days: i32) -> Result<NaiveDate, ReadError> {
    days.checked_add(EPOCH_DAYS_FROM_CE).and_then(NaiveDate::from_num_days_from_ce_opt).ok_or_else(|| {
        ReadError::invalid(format!("date {days} days from 1970-01-01 is outside chrono's range"))
    })
}

/// Microseconds since midnight.
#[inline]
fn time_micros(value: &NaiveTime) -> i64 {
    // A leap second (nanosecond field ≥ 1e9) lands past 86 400 s, as chrono counts it.
    i64::from(value.num_seconds_from_midnight()) * 1_000_000 + i64::from(value.nanosecond() / 1_000)
}

/// The time of day `v` units of `nanos_per_unit` after midnight.
fn time(v: i64, nanos_per_unit: i64) -> Result<NaiveTime, ReadError> {
    let out_of_range = || ReadError::invalid(format!("time of day {v} is outside 00:00..24:00"));
    let nanos = v.checked_mul(nanos_per_unit).ok_or_else(out_of_range)?;
    if !(0..MICROS_PER_DAY * 1_000 + 1_000_000_000).contains(&nanos) {
        return Err(out_of_range());
    }
    let (mut secs, mut sub) = (nanos / 1_000_000_000, nanos % 1_000_000_000);
    if secs == 86_400 {
        // chrono's leap second: 23:59:59 with the nanosecond field past 1e9.
        secs = 86_399;
        sub += 1_000_000_000;
    }
    let (secs, sub) =
        (u32::try_from(secs).map_err(|_| out_of_range())?, u32::try_from(sub).map_err(|_| out_of_range())?);
    NaiveTime::from_num_seconds_from_midnight_opt(secs, sub).ok_or_else(out_of_range)
}

/// The Avro datum methods of a type stored as a long, from its conversions.
macro_rules! avro_long {
    ($rust:ty, |$v:ident| $to:expr, |$raw:ident| $from:expr) => {
        #[inline]
        fn avro_encode($v: &$rust, _: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
            put_long(out, $to);
            Ok(())
        }

        #[inline]
        fn avro_decode(input: &mut Input<'_>, _: &FieldOptions) -> Result<$rust, ReadError> {
            let $raw = input.long().map_err(ReadError::invalid)?;
            $from
        }
    };
}

fn unit_name(unit: TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Second => "s",
        TimeUnit::Millisecond => "ms",
        TimeUnit::Microsecond => "µs",
        TimeUnit::Nanosecond => "ns",
    }
}

/// Builder for a 64-bit temporal column (a primitive builder with a data type).
pub struct I64TimeBuilder<T: ArrowPrimitiveType<Native = i64>>(PrimitiveBuilder<T>);

impl<T: ArrowPrimitiveType<Native = i64>> I64TimeBuilder<T> {
    fn new(capacity: usize, data_type: DataType) -> Self {
        Self(PrimitiveBuilder::with_capacity(capacity).with_data_type(data_type))
    }
}

macro_rules! i64_builder_common {
    () => {
        #[inline]
        fn append_null(&mut self) {
            self.0.append_null();
        }

        fn finish(&mut self) -> ArrayRef {
            Arc::new(self.0.finish())
        }
    };
}

// ---- DateTime<Utc> ----------------------------------------------------------

impl Column for DateTime<Utc> {
    type Builder = I64TimeBuilder<TimestampMicrosecondType>;
    type Reader = UnitReader;

    fn data_type(_: &FieldOptions) -> DataType {
        DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into()))
    }

    fn avro_type(_: &FieldOptions, _: &mut super::avro_schema::AvroNames) -> serde_json::Value {
        serde_json::json!({"type": "long", "logicalType": "timestamp-micros"})
    }

    fn builder(capacity: usize, opts: &FieldOptions) -> Self::Builder {
        I64TimeBuilder::new(capacity, Self::data_type(opts))
    }

    avro_long!(DateTime<Utc>, |value| value.timestamp_micros(), |v| instant(v, TimeUnit::Microsecond));

    fn reader(array: &ArrayRef, opts: &FieldOptions) -> Result<Self::Reader, BindError> {
        const ACCEPTS: &str = "Timestamp of any unit with any time zone";
        match array.data_type() {
            DataType::Timestamp(_, Some(_)) => UnitReader::timestamp(array),
            DataType::Null => {
                let cast = cast_if_accepted(array, &Self::data_type(opts), |_| false, ACCEPTS)?;
                UnitReader::timestamp(&cast)
            }
            _ => None,
        }
        .ok_or_else(|| BindError::mismatch(Self::data_type(opts), array.data_type(), ACCEPTS))
    }
}

impl ColumnBuilder<DateTime<Utc>> for I64TimeBuilder<TimestampMicrosecondType> {
    #[inline]
    fn append(&mut self, value: &DateTime<Utc>) -> Result<(), ValueError> {
        // chrono's range (±262 000 years) fits in i64 microseconds.
        self.0.append_value(value.timestamp_micros());
        Ok(())
    }

    i64_builder_common!();
}

impl ColumnReader<DateTime<Utc>> for UnitReader {
    #[inline]
    fn is_null(&self, index: usize) -> bool {
        UnitReader::is_null(self, index)
    }

    #[inline]
    fn read(&self, index: usize) -> Result<DateTime<Utc>, ReadError> {
        self.instant(index)
    }
}

// ---- NaiveDateTime ----------------------------------------------------------

/// Builder for `NaiveDateTime` (a distinct type so that it can share the
/// primitive builder of `DateTime<Utc>` with another `ColumnBuilder` impl).
pub struct NaiveDateTimeBuilder(I64TimeBuilder<TimestampMicrosecondType>);

/// Reader for `NaiveDateTime`.
pub struct NaiveDateTimeReader(UnitReader);

impl Column for NaiveDateTime {
    type Builder = NaiveDateTimeBuilder;
    type Reader = NaiveDateTimeReader;

    fn data_type(_: &FieldOptions) -> DataType {
        DataType::Timestamp(TimeUnit::Microsecond, None)
    }

    fn avro_type(_: &FieldOptions, _: &mut super::avro_schema::AvroNames) -> serde_json::Value {
        serde_json::json!({"type": "long", "logicalType": "local-timestamp-micros"})
    }

    fn builder(capacity: usize, opts: &FieldOptions) -> Self::Builder {
        NaiveDateTimeBuilder(I64TimeBuilder::new(capacity, Self::data_type(opts)))
    }

    avro_long!(NaiveDateTime, |value| value.and_utc().timestamp_micros(), |v| {
        instant(v, TimeUnit::Microsecond).map(|t| t.naive_utc())
    });

    fn reader(array: &ArrayRef, opts: &FieldOptions) -> Result<Self::Reader, BindError> {
        const ACCEPTS: &str = "Timestamp of any unit without a time zone";
        match array.data_type() {
            DataType::Timestamp(_, None) => UnitReader::timestamp(array),
            DataType::Null => {
                let cast = cast_if_accepted(array, &Self::data_type(opts), |_| false, ACCEPTS)?;
                UnitReader::timestamp(&cast)
            }
            _ => None,
        }
        .map(NaiveDateTimeReader)
        .ok_or_else(|| BindError::mismatch(Self::data_type(opts), array.data_type(), ACCEPTS))
    }
}

impl ColumnBuilder<NaiveDateTime> for NaiveDateTimeBuilder {
    #[inline]
    fn append(&mut self, value: &NaiveDateTime) -> Result<(), ValueError> {
        self.0.0.append_value(value.and_utc().timestamp_micros());
        Ok(())
    }

    #[inline]
    fn append_null(&mut self) {
        self.0.0.append_null();
    }

    fn finish(&mut self) -> ArrayRef {
        Arc::new(self.0.0.finish())
    }
}

impl ColumnReader<NaiveDateTime> for NaiveDateTimeReader {
    #[inline]
    fn is_null(&self, index: usize) -> bool {
        self.0.is_null(index)
    }

    #[inline]
    fn read(&self, index: usize) -> Result<NaiveDateTime, ReadError> {
        self.0.instant(index).map(|t| t.naive_utc())
    }
}

// ---- chrono::Duration -------------------------------------------------------

impl Column for TimeDelta {
    type Builder = I64TimeBuilder<DurationMicrosecondType>;
    type Reader = DurationReader;

    fn data_type(_: &FieldOptions) -> DataType {
        DataType::Duration(TimeUnit::Microsecond)
    }

    fn avro_type(_: &FieldOptions, _: &mut super::avro_schema::AvroNames) -> serde_json::Value {
        // Avro's own duration (months, days, milliseconds) would lose microseconds.
        serde_json::json!({"type": "long", "parquetframe.unit": "duration-micros"})
    }

    fn builder(capacity: usize, opts: &FieldOptions) -> Self::Builder {
        I64TimeBuilder::new(capacity, Self::data_type(opts))
    }

    #[inline]
    fn avro_encode(value: &TimeDelta, _: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
        put_long(out, duration_micros(value)?);
        Ok(())
    }

    #[inline]
    fn avro_decode(input: &mut Input<'_>, _: &FieldOptions) -> Result<TimeDelta, ReadError> {
        duration(input.long().map_err(ReadError::invalid)?, TimeUnit::Microsecond)
    }

    fn reader(array: &ArrayRef, opts: &FieldOptions) -> Result<Self::Reader, BindError> {
        const ACCEPTS: &str = "Duration of any unit";
        let array = cast_if_accepted(array, &Self::data_type(opts), |_| false, ACCEPTS).or_else(|e| {
            if matches!(array.data_type(), DataType::Duration(_)) { Ok(array.clone()) } else { Err(e) }
        })?;
        UnitReader::duration(&array)
            .map(DurationReader)
            .ok_or_else(|| BindError::mismatch(Self::data_type(opts), array.data_type(), ACCEPTS))
    }
}

/// Reader for `chrono::Duration`.
pub struct DurationReader(UnitReader);

impl ColumnBuilder<TimeDelta> for I64TimeBuilder<DurationMicrosecondType> {
    #[inline]
    fn append(&mut self, value: &TimeDelta) -> Result<(), ValueError> {
        self.0.append_value(duration_micros(value)?);
        Ok(())
    }

    i64_builder_common!();
}

impl ColumnReader<TimeDelta> for DurationReader {
    #[inline]
    fn is_null(&self, index: usize) -> bool {
        self.0.is_null(index)
    }

    #[inline]
    fn read(&self, index: usize) -> Result<TimeDelta, ReadError> {
        duration(self.0.raw(index)?, self.0.unit)
    }
}

// ---- NaiveDate --------------------------------------------------------------

/// Builder for `NaiveDate` (Date32, days since 1970-01-01).
pub struct DateBuilder(PrimitiveBuilder<Date32Type>);

/// Reader for `NaiveDate`, from Date32 or Date64.
pub struct DateReader {
    days: ScalarBuffer<i32>,
    nulls: Option<NullBuffer>,
}

impl Column for NaiveDate {
    type Builder = DateBuilder;
    type Reader = DateReader;

    fn data_type(_: &FieldOptions) -> DataType {
        DataType::Date32
    }

    fn avro_type(_: &FieldOptions, _: &mut super::avro_schema::AvroNames) -> serde_json::Value {
        serde_json::json!({"type": "int", "logicalType": "date"})
    }

    fn builder(capacity: usize, _: &FieldOptions) -> Self::Builder {
        DateBuilder(PrimitiveBuilder::with_capacity(capacity))
    }

    avro_long!(NaiveDate, |value| i64::from(epoch_days(value)), |v| {
        date(
            i32::try_from(v)
                .map_err(|_| ReadError::invalid(format!("date {v} does not fit in an Avro int")))?,
        )
    });

    fn reader(array: &ArrayRef, _: &FieldOptions) -> Result<Self::Reader, BindError> {
        let array = cast_if_accepted(array, &DataType::Date32, |f| matches!(f, DataType::Date64), "Date64")?;
        let typed = array
            .as_primitive_opt::<Date32Type>()
            .ok_or_else(|| BindError::mismatch(DataType::Date32, array.data_type(), "Date64"))?;
        Ok(DateReader { days: typed.values().clone(), nulls: typed.nulls().cloned() })
    }
}

impl ColumnBuilder<NaiveDate> for DateBuilder {
    #[inline]
    fn append(&mut self, value: &NaiveDate) -> Result<(), ValueError> {
        self.0.append_value(epoch_days(value));
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

trait DaysFromCe {
    fn num_days_from_ce_i32(&self) -> i32;
}

impl DaysFromCe for NaiveDate {
    #[inline]
    fn num_days_from_ce_i32(&self) -> i32 {
        chrono::Datelike::num_days_from_ce(self)
    }
}

impl ColumnReader<NaiveDate> for DateReader {
    #[inline]
    fn is_null(&self, index: usize) -> bool {
        self.nulls.as_ref().is_some_and(|n| index < n.len() && n.is_null(index))
    }

    #[inline]
    fn read(&self, index: usize) -> Result<NaiveDate, ReadError> {
        if ColumnReader::<NaiveDate>::is_null(self, index) {
            return Err(ReadError::null());
        }
        date(self.days.get(index).copied().ok_or_else(|| ReadError::out_of_bounds(index))?)
    }
}

// ---- NaiveTime --------------------------------------------------------------

/// Builder for `NaiveTime` (Time64 µs since midnight).
pub struct TimeBuilder(PrimitiveBuilder<Time64MicrosecondType>);

/// Reader for `NaiveTime`, from Time32 (s, ms) or Time64 (µs, ns).
pub struct TimeReader {
    values: ScalarBuffer<i64>,
    nanos_per_unit: i64,
    nulls: Option<NullBuffer>,
}

impl Column for NaiveTime {
    type Builder = TimeBuilder;
    type Reader = TimeReader;

    fn data_type(_: &FieldOptions) -> DataType {
        DataType::Time64(TimeUnit::Microsecond)
    }

    fn avro_type(_: &FieldOptions, _: &mut super::avro_schema::AvroNames) -> serde_json::Value {
        serde_json::json!({"type": "long", "logicalType": "time-micros"})
    }

    fn builder(capacity: usize, _: &FieldOptions) -> Self::Builder {
        TimeBuilder(PrimitiveBuilder::with_capacity(capacity))
    }

    avro_long!(NaiveTime, |value| time_micros(value), |v| time(v, 1_000));

    fn reader(array: &ArrayRef, opts: &FieldOptions) -> Result<Self::Reader, BindError> {
        const ACCEPTS: &str = "Time32(s | ms), Time64(ns)";
        let target = Self::data_type(opts);
        if let Some(typed) = array.as_primitive_opt::<Time64NanosecondType>() {
            return Ok(TimeReader {
                values: typed.values().clone(),
                nanos_per_unit: 1,
                nulls: typed.nulls().cloned(),
            });
        }
        let array = cast_if_accepted(array, &target, |f| matches!(f, DataType::Time32(_)), ACCEPTS)?;
        let typed = array
            .as_primitive_opt::<Time64MicrosecondType>()
            .ok_or_else(|| BindError::mismatch(target.clone(), array.data_type(), ACCEPTS))?;
        Ok(TimeReader {
            values: typed.values().clone(),
            nanos_per_unit: 1_000,
            nulls: typed.nulls().cloned(),
        })
    }
}

impl ColumnBuilder<NaiveTime> for TimeBuilder {
    #[inline]
    fn append(&mut self, value: &NaiveTime) -> Result<(), ValueError> {
        self.0.append_value(time_micros(value));
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

impl ColumnReader<NaiveTime> for TimeReader {
    #[inline]
    fn is_null(&self, index: usize) -> bool {
        self.nulls.as_ref().is_some_and(|n| index < n.len() && n.is_null(index))
    }

    #[inline]
    fn read(&self, index: usize) -> Result<NaiveTime, ReadError> {
        if ColumnReader::<NaiveTime>::is_null(self, index) {
            return Err(ReadError::null());
        }
        time(
            self.values.get(index).copied().ok_or_else(|| ReadError::out_of_bounds(index))?,
            self.nanos_per_unit,
        )
    }
}

impl ListItem for DateTime<Utc> {}
impl ListItem for NaiveDateTime {}
impl ListItem for NaiveDate {}
impl ListItem for NaiveTime {}
impl ListItem for TimeDelta {}

#[cfg(test)]
mod instant_tests {
    use super::*;

    #[test]
    fn remembered_days_give_chrono_s_instants() {
        let edges =
            [i64::MIN, i64::MIN + 1, -1, 0, 1, 86_399_999_999, 86_400_000_000, i64::MAX - 1, i64::MAX];
        let mut values: Vec<i64> = edges.to_vec();
        // Runs within a day, across midnight, backwards, and far jumps.
        let mut x: i64 = 1_600_000_000_000_000;
        for i in 0..20_000i64 {
            x = x.wrapping_add(if i % 97 == 0 { -3_600_000_000 * 30 } else { 1_234_567 });
            values.push(x);
            values.push(-x);
            values.push(x.wrapping_mul(7_919));
        }
        for v in values {
            assert_eq!(instant_micros(v), DateTime::from_timestamp_micros(v), "{v}");
        }
    }
}
