//! Types an expression converts to ([`ScalarType`], for `cast`) and
//! calendar intervals ([`Interval`], for date arithmetic).

use std::fmt;

use chrono::{Months, NaiveDate};

/// A type a value can be cast to: [`Expr::cast`](super::Expr::cast).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScalarType {
    /// `bool`.
    Bool,
    /// `i8`.
    Int8,
    /// `i16`.
    Int16,
    /// `i32`.
    Int32,
    /// `i64`.
    Int64,
    /// `u8`.
    UInt8,
    /// `u16`.
    UInt16,
    /// `u32`.
    UInt32,
    /// `u64`.
    UInt64,
    /// `f32`.
    Float32,
    /// `f64`.
    Float64,
    /// A UTF-8 string.
    Str,
    /// A decimal of `precision` digits, `scale` of them after the point.
    Decimal {
        /// All digits (1 to 38).
        precision: u8,
        /// Digits after the point.
        scale: u8,
    },
    /// A calendar date.
    Date,
    /// A timestamp in microseconds, UTC-zoned or naive.
    Timestamp {
        /// Whether it is UTC-zoned (`DateTime<Utc>`) or naive.
        utc: bool,
    },
}

impl fmt::Display for ScalarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ScalarType::Bool => "BOOLEAN",
            ScalarType::Int8 => "TINYINT",
            ScalarType::Int16 => "SMALLINT",
            ScalarType::Int32 => "INTEGER",
            ScalarType::Int64 => "BIGINT",
            ScalarType::UInt8 => "UTINYINT",
            ScalarType::UInt16 => "USMALLINT",
            ScalarType::UInt32 => "UINTEGER",
            ScalarType::UInt64 => "UBIGINT",
            ScalarType::Float32 => "REAL",
            ScalarType::Float64 => "DOUBLE",
            ScalarType::Str => "VARCHAR",
            ScalarType::Decimal { precision, scale } => return write!(f, "DECIMAL({precision}, {scale})"),
            ScalarType::Date => "DATE",
            ScalarType::Timestamp { utc: true } => "TIMESTAMPTZ",
            ScalarType::Timestamp { utc: false } => "TIMESTAMP",
        })
    }
}

/// A calendar interval: months (a year is 12) and days, each signed.
///
/// ```
/// use parquetframe::engine::{Interval, lit};
/// use chrono::NaiveDate;
///
/// let start = NaiveDate::from_ymd_opt(1994, 1, 1).unwrap();
/// // SQL: DATE '1994-01-01' + INTERVAL '1' YEAR
/// let end = lit(start).add_interval(Interval::years(1));
/// assert_eq!(end, lit(NaiveDate::from_ymd_opt(1995, 1, 1).unwrap()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Interval {
    months: i32,
    days: i32,
}

impl Interval {
    /// `n` days.
    pub const fn days(n: i32) -> Self {
        Self { months: 0, days: n }
    }
    /// `n` calendar months.
    pub const fn months(n: i32) -> Self {
        Self { months: n, days: 0 }
    }
    /// `n` years (12 months each; saturates far beyond any calendar).
    pub const fn years(n: i32) -> Self {
        Self { months: n.saturating_mul(12), days: 0 }
    }
    /// This interval and `other` together.
    pub const fn and(self, other: Interval) -> Self {
        Self { months: self.months.saturating_add(other.months), days: self.days.saturating_add(other.days) }
    }
    /// The months part.
    pub const fn months_part(self) -> i32 {
        self.months
    }
    /// The days part.
    pub const fn days_part(self) -> i32 {
        self.days
    }

    /// `date` moved by the interval (months first, then days, as SQL
    /// engines do); `None` past the calendar's range.
    pub(crate) fn shift_date(self, date: NaiveDate) -> Option<NaiveDate> {
        let months = Months::new(self.months.unsigned_abs());
        let moved = if self.months >= 0 {
            date.checked_add_months(months)?
        } else {
            date.checked_sub_months(months)?
        };
        moved.checked_add_signed(chrono::TimeDelta::try_days(i64::from(self.days))?)
    }
}

impl std::ops::Neg for Interval {
    type Output = Interval;
    fn neg(self) -> Interval {
        Interval { months: self.months.saturating_neg(), days: self.days.saturating_neg() }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.months, self.days) {
            (m, 0) => write!(f, "INTERVAL '{m}' MONTH"),
            (0, d) => write!(f, "INTERVAL '{d}' DAY"),
            (m, d) => write!(f, "INTERVAL '{m} months {d} days'"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn months_clamp_the_day_and_days_follow() {
        assert_eq!(Interval::months(1).shift_date(date(1996, 1, 31)), Some(date(1996, 2, 29)));
        assert_eq!(Interval::years(-1).shift_date(date(1996, 2, 29)), Some(date(1995, 2, 28)));
        assert_eq!((-Interval::days(90)).shift_date(date(1998, 12, 1)), Some(date(1998, 9, 2)));
        assert_eq!(
            Interval::months(3).and(Interval::days(1)).shift_date(date(1995, 1, 1)),
            Some(date(1995, 4, 2))
        );
        assert_eq!(Interval::years(i32::MAX).shift_date(date(1995, 1, 1)), None);
    }
}
