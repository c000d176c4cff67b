//! The 22 TPC-H queries on the engine-neutral plan, one file each, with the
//! parameters DuckDB's `tpch` extension prints (the specification's
//! validation parameters; Q11's fraction is its scale factor 1 value,
//! 0.0001, at every scale, as in DuckDB's text). Each builds a [`DataFrameProxy`]; run it on any engine
//! with `.engine(..).collect()`.
//!
//! Typed queries (`store.query::<T>()`, typed joins along relations,
//! `Col`/`ValueExpr` arithmetic) are used wherever they can say the query;
//! each file says what is untyped and why. The usual reasons: a table joined
//! twice (nations of suppliers and of customers), a join on two columns (no
//! composite relation), comparing columns of two entities, and `CASE`,
//! which is untyped.

use chrono::NaiveDate;
use parquetframe::engine::DataFrameProxy;
use parquetframe::{Result, Store};

mod q01;
mod q02;
mod q03;
mod q04;
mod q05;
mod q06;
mod q07;
mod q08;
mod q09;
mod q10;
mod q11;
mod q12;
mod q13;
mod q14;
mod q15;
mod q16;
mod q17;
mod q18;
mod q19;
mod q20;
mod q21;
mod q22;

/// How much of a query the typed API carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// Typed from end to end.
    Typed,
    /// Typed joins and filters, with untyped parts (the reason given).
    Mixed(&'static str),
}

/// One TPC-H query.
#[derive(Clone, Copy)]
pub struct Query {
    /// 1 to 22.
    pub number: u8,
    /// The specification's name.
    pub name: &'static str,
    /// How much of it is typed.
    pub api: Api,
    /// Builds the query over `store`.
    pub build: fn(&Store) -> Result<DataFrameProxy>,
    /// Its standard SQL text (DuckDB's), for `store.sql`.
    pub sql: &'static str,
}

impl std::fmt::Debug for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Q{} ({})", self.number, self.name)
    }
}

macro_rules! query {
    ($n:literal, $module:ident, $name:literal) => {
        Query {
            number: $n,
            name: $name,
            api: $module::API,
            build: $module::query,
            sql: include_str!(concat!("../../sql/", stringify!($module), ".sql")),
        }
    };
}

/// The 22 queries, in order.
pub const ALL: [Query; 22] = [
    query!(1, q01, "pricing summary report"),
    query!(2, q02, "minimum cost supplier"),
    query!(3, q03, "shipping priority"),
    query!(4, q04, "order priority checking"),
    query!(5, q05, "local supplier volume"),
    query!(6, q06, "forecasting revenue change"),
    query!(7, q07, "volume shipping"),
    query!(8, q08, "national market share"),
    query!(9, q09, "product type profit measure"),
    query!(10, q10, "returned item reporting"),
    query!(11, q11, "important stock identification"),
    query!(12, q12, "shipping modes and order priority"),
    query!(13, q13, "customer distribution"),
    query!(14, q14, "promotion effect"),
    query!(15, q15, "top supplier"),
    query!(16, q16, "parts/supplier relationship"),
    query!(17, q17, "small-quantity-order revenue"),
    query!(18, q18, "large volume customer"),
    query!(19, q19, "discounted revenue"),
    query!(20, q20, "potential part promotion"),
    query!(21, q21, "suppliers who kept orders waiting"),
    query!(22, q22, "global sales opportunity"),
];

/// A date of the queries' parameters.
pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// `l_extendedprice * (1 - l_discount)`, untyped (for joined frames).
pub(crate) fn disc_price() -> parquetframe::engine::Expr {
    use parquetframe::{col, lit};
    col("l_extendedprice") * (lit(1.0) - col("l_discount"))
}
