//! Typed value expressions: `LineItem::PRICE * (1.0 - LineItem::DISCOUNT)`
//! is a [`ValueExpr<LineItem, f64>`]. Arithmetic, comparisons between two
//! columns, string and date functions and casts keep the entity and the
//! value type, so `Col<E, i32> * Col<E, f64>` does not compile (cast one
//! side first) and a comparison takes only values of the column's type.

use std::marker::PhantomData;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::expr::{Expr, Interval, ScalarType, lit};
use super::typed::{NumericColumn, TextColumn, TypedExpr, TypedSort};
use crate::column::Col;
use crate::entity::Entity;

/// A value of Rust type `T` computed from the columns of entity `E`.
pub struct ValueExpr<E, T> {
    pub(crate) expr: Expr,
    _marker: PhantomData<fn() -> (E, T)>,
}

impl<E, T> Clone for ValueExpr<E, T> {
    fn clone(&self) -> Self {
        Self::new(self.expr.clone())
    }
}

impl<E, T> std::fmt::Debug for ValueExpr<E, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ValueExpr({})", self.expr)
    }
}

impl<E, T> From<ValueExpr<E, T>> for Expr {
    fn from(v: ValueExpr<E, T>) -> Self {
        v.expr
    }
}

/// What a typed comparison or arithmetic over entity `E` and value type
/// `T` takes: a value of `T` (or a narrower number), a column of `E` of
/// type `T`, or a [`ValueExpr<E, T>`].
#[diagnostic::on_unimplemented(
    message = "a value of type `{T}` cannot be combined with `{Self}`",
    label = "expected a value, column or expression of type `{T}`",
    note = "typed columns combine with values, columns and expressions of their own type (or a narrower \
            integer or float); convert with `.cast::<U>()`, or use the untyped API: `col(\"name\")`"
)]
pub trait Operand<E, T> {
    /// The operand as an untyped expression.
    fn operand(self) -> Expr;
}

impl<E: Entity, T> Operand<E, T> for Col<E, T> {
    fn operand(self) -> Expr {
        self.expr()
    }
}

/// A column of `T` where an optional `T` is expected (`x < y` with `x`
/// nullable and `y` not).
impl<E: Entity, T> Operand<E, Option<T>> for Col<E, T> {
    fn operand(self) -> Expr {
        self.expr()
    }
}

/// A nullable column where a `T` is expected (`price * (1.0 + tax)` with
/// `tax` nullable): the result is null where it is, as in SQL.
impl<E: Entity, T> Operand<E, T> for Col<E, Option<T>> {
    fn operand(self) -> Expr {
        self.expr()
    }
}

impl<E, T> Operand<E, T> for ValueExpr<E, T> {
    fn operand(self) -> Expr {
        self.expr
    }
}

impl<E, T> Operand<E, T> for ValueExpr<E, Option<T>> {
    fn operand(self) -> Expr {
        self.expr
    }
}

impl<E, T> Operand<E, Option<T>> for ValueExpr<E, T> {
    fn operand(self) -> Expr {
        self.expr
    }
}

/// Rust types a value can be cast to: [`ValueExpr::cast`].
pub trait CastTarget {
    /// The engine-neutral type.
    const TYPE: ScalarType;
}

macro_rules! cast_target {
    ($($t:ty => $s:expr),*) => {$(
        impl CastTarget for $t { const TYPE: ScalarType = $s; }
        impl CastTarget for Option<$t> { const TYPE: ScalarType = $s; }
    )*};
}

cast_target!(
    bool => ScalarType::Bool, i8 => ScalarType::Int8, i16 => ScalarType::Int16, i32 => ScalarType::Int32,
    i64 => ScalarType::Int64, u8 => ScalarType::UInt8, u16 => ScalarType::UInt16, u32 => ScalarType::UInt32,
    u64 => ScalarType::UInt64, f32 => ScalarType::Float32, f64 => ScalarType::Float64, String => ScalarType::Str,
    NaiveDate => ScalarType::Date, NaiveDateTime => ScalarType::Timestamp { utc: false },
    DateTime<Utc> => ScalarType::Timestamp { utc: true }
);

// Decimals cast to the entity default's precision and scale (38, 10).
#[cfg(feature = "decimal")]
cast_target!(rust_decimal::Decimal => ScalarType::Decimal { precision: 38, scale: 10 });

/// Column types with date parts (`year`, `month`, `day`) and intervals.
pub trait TemporalColumn {}
impl TemporalColumn for NaiveDate {}
impl TemporalColumn for Option<NaiveDate> {}
impl TemporalColumn for NaiveDateTime {}
impl TemporalColumn for Option<NaiveDateTime> {}
impl TemporalColumn for DateTime<Utc> {}
impl TemporalColumn for Option<DateTime<Utc>> {}

/// The operations a typed value offers, shared by columns and computed values.
macro_rules! typed_value_methods {
    ($($bound:tt)*) => {
        /// `self == other`.
        pub fn eq(self, other: impl Operand<E, T>) -> TypedExpr<E> {
            TypedExpr::new(self.into_untyped().eq(other.operand()))
        }
        /// `self != other`.
        pub fn ne(self, other: impl Operand<E, T>) -> TypedExpr<E> {
            TypedExpr::new(self.into_untyped().ne(other.operand()))
        }
        /// `self > other`.
        pub fn gt(self, other: impl Operand<E, T>) -> TypedExpr<E> {
            TypedExpr::new(self.into_untyped().gt(other.operand()))
        }
        /// `self >= other`.
        pub fn ge(self, other: impl Operand<E, T>) -> TypedExpr<E> {
            TypedExpr::new(self.into_untyped().ge(other.operand()))
        }
        /// `self < other`.
        pub fn lt(self, other: impl Operand<E, T>) -> TypedExpr<E> {
            TypedExpr::new(self.into_untyped().lt(other.operand()))
        }
        /// `self <= other`.
        pub fn le(self, other: impl Operand<E, T>) -> TypedExpr<E> {
            TypedExpr::new(self.into_untyped().le(other.operand()))
        }
        /// `low <= self AND self <= high` (SQL `BETWEEN`).
        pub fn between(self, low: impl Operand<E, T>, high: impl Operand<E, T>) -> TypedExpr<E> {
            TypedExpr::new(self.into_untyped().between(low.operand(), high.operand()))
        }
        /// The value converted to `U` (SQL `CAST`): `Order::QUANTITY.cast::<f64>()`.
        pub fn cast<U: CastTarget>(self) -> ValueExpr<E, U> {
            ValueExpr::new(self.into_untyped().cast(U::TYPE))
        }
        /// Distinct non-null values (aggregation; SQL `COUNT(DISTINCT x)`).
        pub fn count_distinct(self) -> TypedExpr<E> {
            TypedExpr::new(self.into_untyped().count_distinct())
        }
    };
}

impl<E: Entity, T> Col<E, T> {
    fn into_untyped(self) -> Expr {
        self.expr()
    }
    typed_value_methods!();
}

impl<E, T> ValueExpr<E, T> {
    pub(crate) fn new(expr: Expr) -> Self {
        Self { expr, _marker: PhantomData }
    }
    fn into_untyped(self) -> Expr {
        self.expr
    }
    typed_value_methods!();

    /// Names the result column.
    pub fn alias(self, name: impl Into<String>) -> Self {
        Self::new(self.expr.alias(name))
    }
    /// The value is null.
    pub fn is_null(self) -> TypedExpr<E> {
        TypedExpr::new(self.expr.is_null())
    }
    /// The value is not null.
    pub fn is_not_null(self) -> TypedExpr<E> {
        TypedExpr::new(self.expr.is_not_null())
    }
    /// Ascending sort key.
    pub fn asc(self) -> TypedSort<E> {
        TypedSort::new(self.expr.asc())
    }
    /// Descending sort key (nulls last).
    pub fn desc(self) -> TypedSort<E> {
        TypedSort::new(self.expr.desc())
    }
    /// Minimum (aggregation).
    pub fn min(self) -> TypedExpr<E> {
        TypedExpr::new(self.expr.min())
    }
    /// Maximum (aggregation).
    pub fn max(self) -> TypedExpr<E> {
        TypedExpr::new(self.expr.max())
    }
    /// Non-null values (aggregation).
    pub fn count(self) -> TypedExpr<E> {
        TypedExpr::new(self.expr.count())
    }
    /// The untyped expression.
    pub fn into_expr(self) -> Expr {
        self.expr
    }
}

impl<E, T: NumericColumn> ValueExpr<E, T> {
    /// Sum (aggregation).
    pub fn sum(self) -> TypedExpr<E> {
        TypedExpr::new(self.expr.sum())
    }
    /// Mean (aggregation).
    pub fn mean(self) -> TypedExpr<E> {
        TypedExpr::new(self.expr.mean())
    }
}

/// String functions of columns and computed strings.
macro_rules! text_methods {
    () => {
        /// SQL `LIKE`: `%` any run of characters, `_` one character.
        pub fn like(self, pattern: impl Into<String>) -> TypedExpr<E> {
            TypedExpr::new(self.into_untyped().like(pattern))
        }
        /// SQL `NOT LIKE`.
        pub fn not_like(self, pattern: impl Into<String>) -> TypedExpr<E> {
            TypedExpr::new(self.into_untyped().not_like(pattern))
        }
        /// `len` characters from character `start`, counted from 1 (SQL `SUBSTRING`).
        pub fn substring(self, start: u64, len: u64) -> ValueExpr<E, T> {
            ValueExpr::new(self.into_untyped().substring(start, len))
        }
        /// Upper case.
        pub fn upper(self) -> ValueExpr<E, T> {
            ValueExpr::new(self.into_untyped().upper())
        }
        /// Lower case.
        pub fn lower(self) -> ValueExpr<E, T> {
            ValueExpr::new(self.into_untyped().lower())
        }
    };
}

/// Date parts and intervals of columns and computed dates.
macro_rules! temporal_methods {
    () => {
        /// The year (SQL `EXTRACT(YEAR FROM x)`).
        pub fn year(self) -> ValueExpr<E, i32> {
            ValueExpr::new(self.into_untyped().year())
        }
        /// The month, 1 to 12.
        pub fn month(self) -> ValueExpr<E, i32> {
            ValueExpr::new(self.into_untyped().month())
        }
        /// The day of the month, 1 to 31.
        pub fn day(self) -> ValueExpr<E, i32> {
            ValueExpr::new(self.into_untyped().day())
        }
        /// `by` later (SQL `+ INTERVAL`).
        pub fn add_interval(self, by: Interval) -> ValueExpr<E, T> {
            ValueExpr::new(self.into_untyped().add_interval(by))
        }
        /// `by` earlier (SQL `- INTERVAL`).
        pub fn sub_interval(self, by: Interval) -> ValueExpr<E, T> {
            ValueExpr::new(self.into_untyped().sub_interval(by))
        }
    };
}

impl<E: Entity, T: TextColumn> Col<E, T> {
    text_methods!();
}
impl<E, T: TextColumn> ValueExpr<E, T> {
    text_methods!();
}
impl<E: Entity, T: TemporalColumn> Col<E, T> {
    temporal_methods!();
}
impl<E, T: TemporalColumn> ValueExpr<E, T> {
    temporal_methods!();
}

/// `+ - * /` between typed numbers of one type, and negation.
macro_rules! arithmetic {
    ($($trait:ident $method:ident),*) => {$(
        impl<E: Entity, T: NumericColumn, R: Operand<E, T>> std::ops::$trait<R> for Col<E, T> {
            type Output = ValueExpr<E, T>;
            fn $method(self, rhs: R) -> ValueExpr<E, T> {
                ValueExpr::new(std::ops::$trait::$method(self.expr(), rhs.operand()))
            }
        }
        impl<E, T: NumericColumn, R: Operand<E, T>> std::ops::$trait<R> for ValueExpr<E, T> {
            type Output = ValueExpr<E, T>;
            fn $method(self, rhs: R) -> ValueExpr<E, T> {
                ValueExpr::new(std::ops::$trait::$method(self.expr, rhs.operand()))
            }
        }
    )*};
}

arithmetic!(Add add, Sub sub, Mul mul, Div div);

/// A number on the left: `1.0 - LineItem::DISCOUNT`.
macro_rules! number_on_the_left {
    ($($t:ty),*) => {$(
        number_on_the_left!(@ops $t, Add add, Sub sub, Mul mul, Div div);
    )*};
    (@ops $t:ty, $($trait:ident $method:ident),*) => {$(
        impl<E: Entity> std::ops::$trait<Col<E, $t>> for $t {
            type Output = ValueExpr<E, $t>;
            fn $method(self, rhs: Col<E, $t>) -> ValueExpr<E, $t> {
                ValueExpr::new(std::ops::$trait::$method(lit(self), rhs.expr()))
            }
        }
        impl<E: Entity> std::ops::$trait<Col<E, Option<$t>>> for $t {
            type Output = ValueExpr<E, Option<$t>>;
            fn $method(self, rhs: Col<E, Option<$t>>) -> ValueExpr<E, Option<$t>> {
                ValueExpr::new(std::ops::$trait::$method(lit(self), rhs.expr()))
            }
        }
        impl<E, T> std::ops::$trait<ValueExpr<E, T>> for $t
        where
            $t: Operand<E, T>,
            T: NumericColumn,
        {
            type Output = ValueExpr<E, T>;
            fn $method(self, rhs: ValueExpr<E, T>) -> ValueExpr<E, T> {
                ValueExpr::new(std::ops::$trait::$method(lit(self), rhs.expr))
            }
        }
    )*};
}

number_on_the_left!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);
#[cfg(feature = "decimal")]
number_on_the_left!(rust_decimal::Decimal);

impl<E: Entity, T: NumericColumn> std::ops::Neg for Col<E, T> {
    type Output = ValueExpr<E, T>;
    fn neg(self) -> ValueExpr<E, T> {
        ValueExpr::new(-self.expr())
    }
}

impl<E, T: NumericColumn> std::ops::Neg for ValueExpr<E, T> {
    type Output = ValueExpr<E, T>;
    fn neg(self) -> ValueExpr<E, T> {
        ValueExpr::new(-self.expr)
    }
}
