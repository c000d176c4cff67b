//! Engine-neutral expressions: what queries filter, compute, group and sort
//! by. A backend lowers them to its own expressions (polars here).

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

pub use super::scalar::{Interval, ScalarType};

/// A constant in an expression.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Literal {
    /// SQL-style null.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer (above `i64::MAX`).
    UInt(u64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A calendar date.
    Date(NaiveDate),
    /// A decimal: `value` / 10^`scale` (precision 38).
    Decimal {
        /// The unscaled value.
        value: i128,
        /// Digits after the point.
        scale: u32,
    },
    /// A timestamp in microseconds; `utc` for `DateTime<Utc>` columns.
    Timestamp {
        /// Microseconds since the epoch.
        micros: i64,
        /// Whether the column is UTC-zoned (`DateTime<Utc>`) or naive.
        utc: bool,
    },
}

/// Days from 1970-01-01 to `d`, Arrow's and polars' `Date`; `None` past
/// the range of `i32`.
pub(crate) fn epoch_days(d: NaiveDate) -> Option<i32> {
    i32::try_from(d.signed_duration_since(NaiveDate::default()).num_days()).ok()
}

macro_rules! literal_from {
    ($($t:ty => $v:ident as $as:ty),* $(,)?) => {$(
        impl From<$t> for Literal {
            fn from(v: $t) -> Self {
                Literal::$v(<$as>::from(v))
            }
        }
    )*};
}

literal_from!(
    bool => Bool as bool, i8 => Int as i64, i16 => Int as i64, i32 => Int as i64, i64 => Int as i64,
    u8 => Int as i64, u16 => Int as i64, u32 => Int as i64, f32 => Float as f64, f64 => Float as f64,
    String => Str as String, &str => Str as String, &String => Str as String, NaiveDate => Date as NaiveDate,
);

impl From<u64> for Literal {
    fn from(v: u64) -> Self {
        i64::try_from(v).map_or(Literal::UInt(v), Literal::Int)
    }
}

impl From<DateTime<Utc>> for Literal {
    fn from(v: DateTime<Utc>) -> Self {
        Literal::Timestamp { micros: v.timestamp_micros(), utc: true }
    }
}

impl From<NaiveDateTime> for Literal {
    fn from(v: NaiveDateTime) -> Self {
        Literal::Timestamp { micros: v.and_utc().timestamp_micros(), utc: false }
    }
}

#[cfg(feature = "decimal")]
impl From<rust_decimal::Decimal> for Literal {
    fn from(v: rust_decimal::Decimal) -> Self {
        Literal::Decimal { value: v.mantissa(), scale: v.scale() }
    }
}

impl<T: Into<Literal>> From<Option<T>> for Literal {
    fn from(v: Option<T>) -> Self {
        v.map_or(Literal::Null, Into::into)
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(v) => write!(f, "{v}"),
            Literal::Int(v) => write!(f, "{v}"),
            Literal::UInt(v) => write!(f, "{v}"),
            Literal::Float(v) => write!(f, "{v}"),
            Literal::Str(v) => write!(f, "{v:?}"),
            Literal::Date(v) => write!(f, "{v}"),
            Literal::Decimal { value, scale } => {
                let digits = value.unsigned_abs().to_string();
                let scale = *scale as usize;
                let sign = if *value < 0 { "-" } else { "" };
                if scale == 0 {
                    return write!(f, "{sign}{digits}");
                }
                let padded = format!("{digits:0>width$}", width = scale + 1);
                let (int, frac) = padded.split_at(padded.len() - scale);
                write!(f, "{sign}{int}.{frac}")
            }
            Literal::Timestamp { micros, utc } => match DateTime::from_timestamp_micros(*micros) {
                Some(t) if *utc => write!(f, "{}", t.to_rfc3339()),
                Some(t) => write!(f, "{}", t.naive_utc()),
                None => write!(f, "{micros}µs"),
            },
        }
    }
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    Eq,
    NotEq,
    Gt,
    GtEq,
    Lt,
    LtEq,
    And,
    Or,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinaryOp {
    fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Eq => "==",
            BinaryOp::NotEq => "!=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::And => "AND",
            BinaryOp::Or => "OR",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }
}

/// A string predicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrOp {
    StartsWith,
    EndsWith,
    Contains,
}

/// A function of one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Upper,
    Lower,
    Year,
    Month,
    Day,
}

impl Func {
    fn name(self) -> &'static str {
        match self {
            Func::Upper => "upper",
            Func::Lower => "lower",
            Func::Year => "year",
            Func::Month => "month",
            Func::Day => "day",
        }
    }
}

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AggOp {
    Sum,
    /// Distinct non-null values (SQL `COUNT(DISTINCT x)`).
    CountDistinct,
    Mean,
    Min,
    Max,
    Count,
    NUnique,
    First,
    Last,
}

impl AggOp {
    fn name(self) -> &'static str {
        match self {
            AggOp::Sum => "sum",
            AggOp::Mean => "mean",
            AggOp::Min => "min",
            AggOp::Max => "max",
            AggOp::Count => "count",
            AggOp::NUnique => "n_unique",
            AggOp::CountDistinct => "count_distinct",
            AggOp::First => "first",
            AggOp::Last => "last",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A column; `entity` qualifies it in joined queries.
    Column {
        entity: Option<&'static str>,
        name: String,
    },
    Literal(Literal),
    Binary {
        op: BinaryOp,
        left: Box<Node>,
        right: Box<Node>,
    },
    Not(Box<Node>),
    IsNull {
        expr: Box<Node>,
        negated: bool,
    },
    IsIn {
        expr: Box<Node>,
        values: Vec<Literal>,
    },
    Str {
        op: StrOp,
        expr: Box<Node>,
        pattern: String,
    },
    Agg {
        op: AggOp,
        expr: Box<Node>,
    },
    /// The number of rows (of the group).
    Len,
    /// `-expr`.
    Neg(Box<Node>),
    /// SQL `LIKE`: `%` any run of characters, `_` one character.
    Like {
        expr: Box<Node>,
        pattern: String,
        negated: bool,
    },
    /// Characters `start..` (counted from 0), at most `len` of them.
    Substring {
        expr: Box<Node>,
        start: u64,
        len: u64,
    },
    /// A function of one value (case, date parts).
    Func {
        func: Func,
        expr: Box<Node>,
    },
    /// The value converted to another type.
    Cast {
        expr: Box<Node>,
        to: ScalarType,
    },
    /// A date or timestamp moved by a calendar interval.
    Shift {
        expr: Box<Node>,
        by: Interval,
    },
    /// A subquery's one value; replaced by that value before lowering, or
    /// run inside a filter's polars plan (`subquery::Keep`).
    Subquery(super::subquery::Subquery),
    /// `CASE WHEN c THEN v ... ELSE otherwise END`.
    Case {
        branches: Vec<(Node, Node)>,
        otherwise: Box<Node>,
    },
    Alias {
        expr: Box<Node>,
        name: String,
    },
}

/// An expression over the columns of a query: built with [`col`] and [`lit`]
/// (untyped), or from typed column handles (`User::AGE.gt(30)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Expr(pub(crate) Node);

/// The column named `name`.
pub fn col(name: impl Into<String>) -> Expr {
    Expr(Node::Column { entity: None, name: name.into() })
}

/// A constant.
pub fn lit(value: impl Into<Literal>) -> Expr {
    Expr(Node::Literal(value.into()))
}

/// The number of rows (per group in an aggregation), named `len`.
pub fn len() -> Expr {
    Expr(Node::Len)
}

impl Expr {
    pub(crate) fn qualified(entity: &'static str, name: &str) -> Expr {
        Expr(Node::Column { entity: Some(entity), name: name.to_owned() })
    }

    fn binary(self, op: BinaryOp, other: impl Into<Expr>) -> Expr {
        Expr(Node::Binary { op, left: Box::new(self.0), right: Box::new(other.into().0) })
    }

    /// `self == other`.
    pub fn eq(self, other: impl Into<Expr>) -> Expr {
        self.binary(BinaryOp::Eq, other)
    }
    /// `self != other`.
    pub fn ne(self, other: impl Into<Expr>) -> Expr {
        self.binary(BinaryOp::NotEq, other)
    }
    /// `self > other`.
    pub fn gt(self, other: impl Into<Expr>) -> Expr {
        self.binary(BinaryOp::Gt, other)
    }
    /// `self >= other`.
    pub fn ge(self, other: impl Into<Expr>) -> Expr {
        self.binary(BinaryOp::GtEq, other)
    }
    /// `self < other`.
    pub fn lt(self, other: impl Into<Expr>) -> Expr {
        self.binary(BinaryOp::Lt, other)
    }
    /// `self <= other`.
    pub fn le(self, other: impl Into<Expr>) -> Expr {
        self.binary(BinaryOp::LtEq, other)
    }
    /// Both hold.
    pub fn and(self, other: impl Into<Expr>) -> Expr {
        self.binary(BinaryOp::And, other)
    }
    /// Either holds.
    pub fn or(self, other: impl Into<Expr>) -> Expr {
        self.binary(BinaryOp::Or, other)
    }
    /// Negation.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr {
        Expr(Node::Not(Box::new(self.0)))
    }
    /// The value is null.
    pub fn is_null(self) -> Expr {
        Expr(Node::IsNull { expr: Box::new(self.0), negated: false })
    }
    /// The value is not null.
    pub fn is_not_null(self) -> Expr {
        Expr(Node::IsNull { expr: Box::new(self.0), negated: true })
    }
    /// The value is one of `values`.
    pub fn is_in<V: Into<Literal>>(self, values: impl IntoIterator<Item = V>) -> Expr {
        Expr(Node::IsIn { expr: Box::new(self.0), values: values.into_iter().map(Into::into).collect() })
    }
    fn string(self, op: StrOp, pattern: impl Into<String>) -> Expr {
        Expr(Node::Str { op, expr: Box::new(self.0), pattern: pattern.into() })
    }
    /// The string starts with `prefix`.
    pub fn starts_with(self, prefix: impl Into<String>) -> Expr {
        self.string(StrOp::StartsWith, prefix)
    }
    /// The string ends with `suffix`.
    pub fn ends_with(self, suffix: impl Into<String>) -> Expr {
        self.string(StrOp::EndsWith, suffix)
    }
    /// The string contains `needle` (literally, not a pattern).
    pub fn contains(self, needle: impl Into<String>) -> Expr {
        self.string(StrOp::Contains, needle)
    }
    fn agg(self, op: AggOp) -> Expr {
        Expr(Node::Agg { op, expr: Box::new(self.0) })
    }
    /// Sum (aggregation).
    pub fn sum(self) -> Expr {
        self.agg(AggOp::Sum)
    }
    /// Mean (aggregation).
    pub fn mean(self) -> Expr {
        self.agg(AggOp::Mean)
    }
    /// Minimum (aggregation).
    pub fn min(self) -> Expr {
        self.agg(AggOp::Min)
    }
    /// Maximum (aggregation).
    pub fn max(self) -> Expr {
        self.agg(AggOp::Max)
    }
    /// Non-null values (aggregation).
    pub fn count(self) -> Expr {
        self.agg(AggOp::Count)
    }
    /// Distinct values (aggregation).
    pub fn n_unique(self) -> Expr {
        self.agg(AggOp::NUnique)
    }
    /// First value (aggregation).
    pub fn first(self) -> Expr {
        self.agg(AggOp::First)
    }
    /// Last value (aggregation).
    pub fn last(self) -> Expr {
        self.agg(AggOp::Last)
    }
    /// Distinct non-null values (aggregation; SQL `COUNT(DISTINCT x)`,
    /// where [`n_unique`](Self::n_unique) counts null as one more value).
    pub fn count_distinct(self) -> Expr {
        self.agg(AggOp::CountDistinct)
    }
    /// `low <= self AND self <= high` (SQL `BETWEEN`, both ends included).
    pub fn between(self, low: impl Into<Expr>, high: impl Into<Expr>) -> Expr {
        self.clone().ge(low).and(self.le(high))
    }
    /// SQL `LIKE`: `%` matches any run of characters, `_` one character,
    /// `\` makes the character after it match itself (`\%`), everything
    /// else matches itself; the whole string must match.
    pub fn like(self, pattern: impl Into<String>) -> Expr {
        Expr(Node::Like { expr: Box::new(self.0), pattern: pattern.into(), negated: false })
    }
    /// SQL `NOT LIKE`.
    pub fn not_like(self, pattern: impl Into<String>) -> Expr {
        Expr(Node::Like { expr: Box::new(self.0), pattern: pattern.into(), negated: true })
    }
    /// SQL `SUBSTRING(self FROM start FOR len)`: `len` characters from
    /// character `start`, counted from 1 (a `start` of 0 counts as 1).
    pub fn substring(self, start: u64, len: u64) -> Expr {
        Expr(Node::Substring { expr: Box::new(self.0), start: start.saturating_sub(1), len })
    }
    /// Upper case.
    pub fn upper(self) -> Expr {
        self.func(Func::Upper)
    }
    /// Lower case.
    pub fn lower(self) -> Expr {
        self.func(Func::Lower)
    }
    /// The year of a date or timestamp (`Int32`).
    pub fn year(self) -> Expr {
        self.func(Func::Year)
    }
    /// The month of a date or timestamp, 1 to 12 (`Int32`).
    pub fn month(self) -> Expr {
        self.func(Func::Month)
    }
    /// The day of the month of a date or timestamp, 1 to 31 (`Int32`).
    pub fn day(self) -> Expr {
        self.func(Func::Day)
    }
    fn func(self, func: Func) -> Expr {
        Expr(Node::Func { func, expr: Box::new(self.0) })
    }
    /// The value converted to `to` (SQL `CAST`); a value that does not
    /// convert is an error when the query runs.
    pub fn cast(self, to: ScalarType) -> Expr {
        Expr(Node::Cast { expr: Box::new(self.0), to })
    }
    /// A date or timestamp `by` later (SQL `+ INTERVAL`). Months move the
    /// calendar month and clamp the day (January 31 + 1 month = February
    /// 28 or 29). On a literal the shift is computed here, so
    /// `lit(date).add_interval(..)` is a plain date constant.
    pub fn add_interval(self, by: Interval) -> Expr {
        if let Node::Literal(Literal::Date(d)) = &self.0
            && let Some(moved) = by.shift_date(*d)
        {
            return lit(moved);
        }
        Expr(Node::Shift { expr: Box::new(self.0), by })
    }
    /// A date or timestamp `by` earlier (SQL `- INTERVAL`).
    pub fn sub_interval(self, by: Interval) -> Expr {
        self.add_interval(-by)
    }
    /// Names the result column.
    pub fn alias(self, name: impl Into<String>) -> Expr {
        Expr(Node::Alias { expr: Box::new(self.0), name: name.into() })
    }

    /// The columns the expression reads, with their entity when qualified.
    pub(crate) fn columns(&self, out: &mut Vec<(Option<&'static str>, String)>) {
        self.0.columns(out);
    }
}

impl Node {
    fn columns(&self, out: &mut Vec<(Option<&'static str>, String)>) {
        match self {
            Node::Column { entity, name } => out.push((*entity, name.clone())),
            _ => self.children().into_iter().for_each(|c| c.columns(out)),
        }
    }

    /// The node's direct children, in order (none for leaves; a subquery's
    /// plan is not a child).
    pub(crate) fn children(&self) -> Vec<&Node> {
        match self {
            Node::Column { .. } | Node::Literal(_) | Node::Len | Node::Subquery(_) => Vec::new(),
            Node::Binary { left, right, .. } => vec![left, right],
            Node::Not(e)
            | Node::Neg(e)
            | Node::IsNull { expr: e, .. }
            | Node::IsIn { expr: e, .. }
            | Node::Str { expr: e, .. }
            | Node::Like { expr: e, .. }
            | Node::Substring { expr: e, .. }
            | Node::Func { expr: e, .. }
            | Node::Cast { expr: e, .. }
            | Node::Shift { expr: e, .. }
            | Node::Agg { expr: e, .. }
            | Node::Alias { expr: e, .. } => vec![e],
            Node::Case { branches, otherwise } => {
                branches.iter().flat_map(|(w, t)| [w, t]).chain(std::iter::once(otherwise.as_ref())).collect()
            }
        }
    }

    /// The node with each child replaced by `f(child)` (leaves unchanged).
    pub(crate) fn map_children<E>(&self, mut f: impl FnMut(&Node) -> Result<Node, E>) -> Result<Node, E> {
        let mut b = |n: &Node| f(n).map(Box::new);
        Ok(match self {
            Node::Column { .. } | Node::Literal(_) | Node::Len | Node::Subquery(_) => self.clone(),
            Node::Binary { op, left, right } => Node::Binary { op: *op, left: b(left)?, right: b(right)? },
            Node::Not(e) => Node::Not(b(e)?),
            Node::Neg(e) => Node::Neg(b(e)?),
            Node::IsNull { expr, negated } => Node::IsNull { expr: b(expr)?, negated: *negated },
            Node::IsIn { expr, values } => Node::IsIn { expr: b(expr)?, values: values.clone() },
            Node::Str { op, expr, pattern } => {
                Node::Str { op: *op, expr: b(expr)?, pattern: pattern.clone() }
            }
            Node::Like { expr, pattern, negated } => {
                Node::Like { expr: b(expr)?, pattern: pattern.clone(), negated: *negated }
            }
            Node::Substring { expr, start, len } => {
                Node::Substring { expr: b(expr)?, start: *start, len: *len }
            }
            Node::Func { func, expr } => Node::Func { func: *func, expr: b(expr)? },
            Node::Cast { expr, to } => Node::Cast { expr: b(expr)?, to: *to },
            Node::Shift { expr, by } => Node::Shift { expr: b(expr)?, by: *by },
            Node::Agg { op, expr } => Node::Agg { op: *op, expr: b(expr)? },
            Node::Alias { expr, name } => Node::Alias { expr: b(expr)?, name: name.clone() },
            Node::Case { branches, otherwise } => Node::Case {
                branches: branches.iter().map(|(w, t)| Ok((f(w)?, f(t)?))).collect::<Result<_, E>>()?,
                otherwise: Box::new(f(otherwise)?),
            },
        })
    }

    /// Whether the node holds a scalar subquery.
    pub(crate) fn has_subquery(&self) -> bool {
        matches!(self, Node::Subquery(_)) || self.children().into_iter().any(Node::has_subquery)
    }

    #[cfg(feature = "distributed")]
    /// Whether any child holds an aggregate function (or `len()`).
    pub(crate) fn aggregates(&self) -> bool {
        matches!(self, Node::Agg { .. } | Node::Len) || self.children().into_iter().any(Node::aggregates)
    }
}

macro_rules! expr_from_literal {
    ($($t:ty),*) => {$(
        impl From<$t> for Expr {
            fn from(v: $t) -> Self {
                lit(v)
            }
        }
    )*};
}

expr_from_literal!(
    Literal,
    bool,
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    f32,
    f64,
    String,
    &str,
    NaiveDate,
    NaiveDateTime,
    DateTime<Utc>
);

#[cfg(feature = "decimal")]
expr_from_literal!(rust_decimal::Decimal);

impl<T: Into<Literal>> From<Option<T>> for Expr {
    fn from(v: Option<T>) -> Self {
        lit(v)
    }
}

macro_rules! arithmetic {
    ($($trait:ident $method:ident $op:ident),*) => {$(
        impl<R: Into<Expr>> std::ops::$trait<R> for Expr {
            type Output = Expr;
            fn $method(self, rhs: R) -> Expr {
                self.binary(BinaryOp::$op, rhs)
            }
        }
    )*};
}

arithmetic!(Add add Add, Sub sub Sub, Mul mul Mul, Div div Div);

impl std::ops::Neg for Expr {
    type Output = Expr;
    fn neg(self) -> Expr {
        Expr(Node::Neg(Box::new(self.0)))
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Column { entity: Some(e), name } => write!(f, "{e}.{name}"),
            Node::Column { entity: None, name } => f.write_str(name),
            Node::Literal(v) => write!(f, "{v}"),
            Node::Binary { op, left, right } => write!(f, "({left} {} {right})", op.symbol()),
            Node::Not(e) => write!(f, "NOT {e}"),
            Node::IsNull { expr, negated: false } => write!(f, "{expr} IS NULL"),
            Node::IsNull { expr, negated: true } => write!(f, "{expr} IS NOT NULL"),
            Node::IsIn { expr, values } => {
                let values: Vec<String> = values.iter().map(ToString::to_string).collect();
                write!(f, "{expr} IN ({})", values.join(", "))
            }
            Node::Str { op, expr, pattern } => {
                let name = match op {
                    StrOp::StartsWith => "starts_with",
                    StrOp::EndsWith => "ends_with",
                    StrOp::Contains => "contains",
                };
                write!(f, "{name}({expr}, {pattern:?})")
            }
            Node::Agg { op, expr } => write!(f, "{}({expr})", op.name()),
            Node::Len => f.write_str("len()"),
            Node::Subquery(s) => write!(f, "{s}"),
            Node::Neg(e) => write!(f, "-{e}"),
            Node::Like { expr, pattern, negated } => {
                write!(f, "{expr} {}LIKE {pattern:?}", if *negated { "NOT " } else { "" })
            }
            Node::Substring { expr, start, len } => write!(f, "substring({expr}, {}, {len})", start + 1),
            Node::Func { func, expr } => write!(f, "{}({expr})", func.name()),
            Node::Cast { expr, to } => write!(f, "CAST({expr} AS {to})"),
            Node::Shift { expr, by } => write!(f, "({expr} + {by})"),
            Node::Case { branches, otherwise } => {
                f.write_str("CASE")?;
                for (when, then) in branches {
                    write!(f, " WHEN {when} THEN {then}")?;
                }
                write!(f, " ELSE {otherwise} END")
            }
            Node::Alias { expr, name } => write!(f, "{expr} AS {name}"),
        }
    }
}

/// A sort key: an expression and its direction.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub(crate) expr: Expr,
    pub(crate) descending: bool,
    pub(crate) nulls_last: bool,
}

impl SortKey {
    /// Nulls after every value (default: nulls first ascending, last descending).
    pub fn nulls_last(mut self, yes: bool) -> Self {
        self.nulls_last = yes;
        self
    }
}

impl Expr {
    /// Ascending sort key.
    pub fn asc(self) -> SortKey {
        SortKey { expr: self, descending: false, nulls_last: false }
    }
    /// Descending sort key.
    pub fn desc(self) -> SortKey {
        SortKey { expr: self, descending: true, nulls_last: true }
    }
}

impl From<Expr> for SortKey {
    fn from(expr: Expr) -> Self {
        expr.asc()
    }
}

impl fmt::Display for SortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.expr, if self.descending { "DESC" } else { "ASC" })
    }
}
