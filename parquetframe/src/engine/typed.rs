//! Typed query expressions: `User::AGE.gt(30)` is a [`TypedExpr<User>`], and
//! only values an `i32` column can be compared with are accepted. A query
//! over `User` takes only `TypedExpr<User>` (or, after a join, either side's).

use std::marker::PhantomData;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::expr::{Expr, Literal, SortKey, lit};
use super::typed_values::Operand;
use crate::column::Col;
use crate::entity::Entity;

/// A value that a column of Rust type `T` can be compared with.
#[diagnostic::on_unimplemented(
    message = "a column of type `{T}` cannot be compared with a value of type `{Self}`",
    label = "expected a value of the column's type `{T}`",
    note = "typed columns compare with values of their own type (or a narrower integer or float); \
            for anything else use the untyped API: `col(\"name\")`"
)]
pub trait ValueOf<T> {
    /// The value as an expression constant.
    fn literal(self) -> Literal;
}

/// The values a column of each type takes, for comparisons (`ValueOf`)
/// and for typed arithmetic (`Operand`, the column nullable or not).
macro_rules! value_of {
    ($column:ty: $($value:ty),*) => {$(
        impl ValueOf<$column> for $value {
            fn literal(self) -> Literal {
                Literal::from(self)
            }
        }
        impl<E> Operand<E, $column> for $value {
            fn operand(self) -> Expr {
                lit(ValueOf::<$column>::literal(self))
            }
        }
        impl<E> Operand<E, Option<$column>> for $value {
            fn operand(self) -> Expr {
                lit(ValueOf::<$column>::literal(self))
            }
        }
    )*};
}

value_of!(bool: bool);
value_of!(i8: i8);
value_of!(i16: i16, i8, u8);
value_of!(i32: i32, i16, i8, u8, u16);
value_of!(i64: i64, i32, i16, i8, u8, u16, u32);
value_of!(u8: u8);
value_of!(u16: u16, u8);
value_of!(u32: u32, u16, u8);
value_of!(u64: u64, u32, u16, u8);
value_of!(f32: f32);
value_of!(f64: f64, f32, i32);
value_of!(String: String, &str);
value_of!(NaiveDate: NaiveDate);
value_of!(NaiveDateTime: NaiveDateTime);
value_of!(DateTime<Utc>: DateTime<Utc>);
#[cfg(feature = "decimal")]
value_of!(rust_decimal::Decimal: rust_decimal::Decimal);

impl ValueOf<String> for &String {
    fn literal(self) -> Literal {
        Literal::Str(self.clone())
    }
}

impl<T, V: ValueOf<T>> ValueOf<Option<T>> for V {
    fn literal(self) -> Literal {
        ValueOf::<T>::literal(self)
    }
}

/// Column types with string predicates (`starts_with`, ...).
pub trait TextColumn {}
impl TextColumn for String {}
impl TextColumn for Option<String> {}

/// Column types with `sum` and `mean`.
pub trait NumericColumn {}
macro_rules! numeric {
    ($($t:ty),*) => {$( impl NumericColumn for $t {} impl NumericColumn for Option<$t> {} )*};
}
numeric!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);
#[cfg(feature = "decimal")]
numeric!(rust_decimal::Decimal);

/// Which entities' columns a query over `Self` accepts: `I` tells the
/// position (`Here` for a one-entity query, `Left<..>`/`Right<..>` after
/// joins).
#[diagnostic::on_unimplemented(
    message = "a column of entity `{E}` cannot be used in a query over `{Self}`",
    label = "this expression is about `{E}`",
    note = "filter and sort a query with its own entity's columns; to use another entity's columns, \
            join it along a relation first: `.join::<{E}>()`"
)]
pub trait Scope<E, I> {}

/// [`Scope`] position: the queried entity itself.
pub struct Here;
/// [`Scope`] position: inside the left side of a join (`I` says where there).
pub struct Left<I = Here>(PhantomData<fn() -> I>);
/// [`Scope`] position: inside the right side of a join.
pub struct Right<I = Here>(PhantomData<fn() -> I>);

impl<T: Entity> Scope<T, Here> for T {}
// After several joins (`Joined<Joined<A, B>, C>`), each entity is found
// by its path through the nesting.
impl<A: Scope<E, I>, B, E, I> Scope<E, Left<I>> for super::Joined<A, B> {}
impl<A, B: Scope<E, I>, E, I> Scope<E, Right<I>> for super::Joined<A, B> {}

/// An expression about entity `E`.
pub struct TypedExpr<E> {
    pub(crate) expr: Expr,
    _entity: PhantomData<fn() -> E>,
}

impl<E> Clone for TypedExpr<E> {
    fn clone(&self) -> Self {
        Self::new(self.expr.clone())
    }
}

impl<E> std::fmt::Debug for TypedExpr<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TypedExpr({})", self.expr)
    }
}

impl<E> TypedExpr<E> {
    pub(crate) fn new(expr: Expr) -> Self {
        Self { expr, _entity: PhantomData }
    }
    /// Both hold.
    pub fn and(self, other: TypedExpr<E>) -> Self {
        Self::new(self.expr.and(other.expr))
    }
    /// Either holds.
    pub fn or(self, other: TypedExpr<E>) -> Self {
        Self::new(self.expr.or(other.expr))
    }
    /// Negation.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Self {
        Self::new(self.expr.not())
    }
    /// Names the result column (aggregates).
    pub fn alias(self, name: impl Into<String>) -> Self {
        Self::new(self.expr.alias(name))
    }
    /// The untyped expression.
    pub fn into_expr(self) -> Expr {
        self.expr
    }
}

impl<E> From<TypedExpr<E>> for Expr {
    fn from(e: TypedExpr<E>) -> Self {
        e.expr
    }
}

/// A sort key about entity `E`.
pub struct TypedSort<E> {
    pub(crate) key: SortKey,
    _entity: PhantomData<fn() -> E>,
}

impl<E> TypedSort<E> {
    pub(crate) fn new(key: SortKey) -> Self {
        Self { key, _entity: PhantomData }
    }
    /// Nulls after every value.
    pub fn nulls_last(self, yes: bool) -> Self {
        Self { key: self.key.nulls_last(yes), _entity: PhantomData }
    }
}

impl<E> From<TypedSort<E>> for SortKey {
    fn from(s: TypedSort<E>) -> Self {
        s.key
    }
}

impl<E: Entity, T> From<Col<E, T>> for Expr {
    fn from(c: Col<E, T>) -> Self {
        c.expr()
    }
}

impl<E: Entity, T> Col<E, T> {
    /// The column as an untyped expression, qualified by its entity.
    pub fn expr(self) -> Expr {
        Expr::qualified(E::ENTITY_NAME, self.name())
    }

    fn typed(e: Expr) -> TypedExpr<E> {
        TypedExpr::new(e)
    }

    /// The value is one of `values`.
    pub fn is_in<V: ValueOf<T>>(self, values: impl IntoIterator<Item = V>) -> TypedExpr<E> {
        Self::typed(self.expr().is_in(values.into_iter().map(ValueOf::literal)))
    }
    /// The value is null.
    pub fn is_null(self) -> TypedExpr<E> {
        Self::typed(self.expr().is_null())
    }
    /// The value is not null.
    pub fn is_not_null(self) -> TypedExpr<E> {
        Self::typed(self.expr().is_not_null())
    }
    /// Ascending sort key.
    pub fn asc(self) -> TypedSort<E> {
        TypedSort { key: self.expr().asc(), _entity: PhantomData }
    }
    /// Descending sort key (nulls last).
    pub fn desc(self) -> TypedSort<E> {
        TypedSort { key: self.expr().desc(), _entity: PhantomData }
    }
    /// Minimum (aggregation), named after the column.
    pub fn min(self) -> TypedExpr<E> {
        Self::typed(self.expr().min())
    }
    /// Maximum (aggregation).
    pub fn max(self) -> TypedExpr<E> {
        Self::typed(self.expr().max())
    }
    /// Non-null values (aggregation).
    pub fn count(self) -> TypedExpr<E> {
        Self::typed(self.expr().count())
    }
    /// Distinct values (aggregation).
    pub fn n_unique(self) -> TypedExpr<E> {
        Self::typed(self.expr().n_unique())
    }
    /// First value (aggregation).
    pub fn first(self) -> TypedExpr<E> {
        Self::typed(self.expr().first())
    }
}

impl<E: Entity, T: NumericColumn> Col<E, T> {
    /// Sum (aggregation).
    pub fn sum(self) -> TypedExpr<E> {
        Self::typed(self.expr().sum())
    }
    /// Mean (aggregation).
    pub fn mean(self) -> TypedExpr<E> {
        Self::typed(self.expr().mean())
    }
}

impl<E: Entity, T: TextColumn> Col<E, T> {
    /// The string starts with `prefix`.
    pub fn starts_with(self, prefix: impl Into<String>) -> TypedExpr<E> {
        Self::typed(self.expr().starts_with(prefix))
    }
    /// The string ends with `suffix`.
    pub fn ends_with(self, suffix: impl Into<String>) -> TypedExpr<E> {
        Self::typed(self.expr().ends_with(suffix))
    }
    /// The string contains `needle` literally.
    pub fn contains(self, needle: impl Into<String>) -> TypedExpr<E> {
        Self::typed(self.expr().contains(needle))
    }
}
