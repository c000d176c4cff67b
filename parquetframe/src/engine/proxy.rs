//! `DataFrameProxy`: the untyped query API, one set of operations over every
//! engine. Operations build a plan; nothing runs until `collect`, `write_*`
//! or `to_entities`.

use std::sync::Arc;

use polars::prelude::{DataFrame, LazyFrame};

use super::expr::{Expr, SortKey};
use super::plan::{Join, JoinKind, Op, Plan};
use super::source::Source;
use super::{Engine, Explanation};
use crate::entity::Entity;
use crate::error::Error;

/// A lazily built query over files, an entity or a `DataFrame`.
///
/// ```no_run
/// use parquetframe::{col, read, Engine};
///
/// let top = read("events.parquet")?
///     .filter(col("kind").eq("click"))
///     .group_by([col("user_id")])
///     .agg([col("value").sum().alias("total")])
///     .sort([col("total").desc()])
///     .limit(10)
///     .engine(Engine::Lazy)
///     .collect()?;
/// # Ok::<(), parquetframe::Error>(())
/// ```
#[derive(Clone)]
pub struct DataFrameProxy {
    plan: Plan,
    engine: Option<Engine>,
}

/// A grouping awaiting its aggregates: [`DataFrameProxy::group_by`].
#[must_use = "a group_by does nothing until `agg`"]
pub struct GroupBy {
    proxy: DataFrameProxy,
    keys: Vec<Expr>,
}

impl GroupBy {
    /// One row per group: the keys and `aggs` (e.g. `col("age").mean()`).
    pub fn agg(self, aggs: impl IntoIterator<Item = impl Into<Expr>>) -> DataFrameProxy {
        let aggs = aggs.into_iter().map(Into::into).collect();
        self.proxy.op(Op::GroupBy { keys: self.keys, aggs })
    }
}

impl DataFrameProxy {
    pub(crate) fn from_plan(plan: Plan) -> Self {
        Self { plan, engine: None }
    }

    /// A proxy over a polars `DataFrame` already in memory.
    pub fn from_frame(frame: DataFrame) -> Self {
        Self::from_plan(Plan::new(Source::Frame(Arc::new(frame))))
    }

    pub(crate) fn plan(&self) -> &Plan {
        &self.plan
    }

    fn op(mut self, op: Op) -> Self {
        self.plan = self.plan.push(op);
        self
    }

    /// Runs on `engine` whatever the heuristics and configuration say.
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = Some(engine);
        self
    }

    /// Keeps the rows where `predicate` holds.
    pub fn filter(self, predicate: impl Into<Expr>) -> Self {
        self.op(Op::Filter(predicate.into()))
    }

    /// Only these columns or expressions.
    pub fn select(self, exprs: impl IntoIterator<Item = impl Into<Expr>>) -> Self {
        self.op(Op::Select(exprs.into_iter().map(Into::into).collect()))
    }

    /// Adds (or replaces) a column computed by `expr` (name it with `alias`).
    pub fn with_column(self, expr: impl Into<Expr>) -> Self {
        self.op(Op::WithColumns(vec![expr.into()]))
    }

    /// Adds (or replaces) several columns.
    pub fn with_columns(self, exprs: impl IntoIterator<Item = impl Into<Expr>>) -> Self {
        self.op(Op::WithColumns(exprs.into_iter().map(Into::into).collect()))
    }

    /// Groups by `keys`; aggregate with [`GroupBy::agg`].
    pub fn group_by(self, keys: impl IntoIterator<Item = impl Into<Expr>>) -> GroupBy {
        GroupBy { keys: keys.into_iter().map(Into::into).collect(), proxy: self }
    }

    /// Joins `other` where `left_on` equals `right_on`, column by column.
    /// Right columns named like left ones get polars' `_right` suffix.
    pub fn join(
        self,
        other: DataFrameProxy,
        left_on: impl IntoIterator<Item = impl Into<String>>,
        right_on: impl IntoIterator<Item = impl Into<String>>,
        kind: JoinKind,
    ) -> Self {
        let join = Join {
            right: other.plan,
            left_on: left_on.into_iter().map(Into::into).collect(),
            right_on: right_on.into_iter().map(Into::into).collect(),
            kind,
            entities: None,
            many_to_one: false,
        };
        self.op(Op::Join(Box::new(join)))
    }

    pub(crate) fn join_entities(
        self,
        other: Plan,
        left_on: Vec<String>,
        right_on: Vec<String>,
        kind: JoinKind,
        entities: (&'static str, &'static str),
        many_to_one: bool,
    ) -> Self {
        let join = Join { right: other, left_on, right_on, kind, entities: Some(entities), many_to_one };
        self.op(Op::Join(Box::new(join)))
    }

    /// Sorts by `keys` (`col("age").desc()`, or an expression for ascending);
    /// ties keep their order.
    pub fn sort(self, keys: impl IntoIterator<Item = impl Into<SortKey>>) -> Self {
        self.op(Op::Sort(keys.into_iter().map(Into::into).collect()))
    }

    /// Adds `key` to a sort that is the last operation, else sorts by it.
    pub(crate) fn sort_then(mut self, key: SortKey) -> Self {
        if let Some(Op::Sort(keys)) = self.plan.ops.last_mut() {
            keys.push(key);
            return self;
        }
        self.sort([key])
    }

    /// One row per distinct row (SQL `SELECT DISTINCT`; select the columns
    /// first). Rows keep the order of their first occurrence on the polars
    /// engines and come in any order on DataFusion: sort after `distinct`
    /// where order matters.
    pub fn distinct(self) -> Self {
        self.op(Op::Distinct)
    }

    /// At most `n` rows. After a sort this runs as a top-k: every engine
    /// keeps the best `n` rows while it reads instead of sorting them all.
    pub fn limit(self, n: u64) -> Self {
        self.op(Op::Slice { offset: 0, len: Some(n) })
    }

    /// Skips the first `n` rows.
    pub fn offset(self, n: u64) -> Self {
        self.op(Op::Slice { offset: n, len: None })
    }

    /// The query's one value as an expression of another query: an
    /// uncorrelated scalar subquery (SQL `WHERE x > (SELECT AVG(x) ..)`).
    /// It runs first, on its own engine, when the outer query runs (or is
    /// explained), and must yield one column and at most one row (none is
    /// null); on the polars engines a filter's subquery ending in a select
    /// of one sum, mean, minimum, maximum or `len()` runs inside the outer
    /// plan instead, on the outer query's engine (docs/queries.md).
    ///
    /// ```no_run
    /// use parquetframe::{col, read};
    ///
    /// let orders = read("orders.parquet")?;
    /// let average = orders.clone().select([col("total").mean()]).scalar();
    /// let above = orders.filter(col("total").gt(average)).collect()?;
    /// # let _ = above;
    /// # Ok::<(), parquetframe::Error>(())
    /// ```
    pub fn scalar(self) -> Expr {
        Expr(super::expr::Node::Subquery(super::subquery::Subquery {
            plan: std::sync::Arc::new(self.plan),
            engine: self.engine,
        }))
    }

    /// [`scalar`](Self::scalar) for typed queries: the value compares and
    /// computes with columns of type `T`
    /// (`Order::TOTAL.gt(subquery.scalar_as::<f64>())`). The type is taken
    /// on trust; the engines check it when the query runs.
    pub fn scalar_as<T>(self) -> super::Scalar<T> {
        super::Scalar::new(self.scalar())
    }

    /// Runs the query into a polars `DataFrame`.
    pub fn collect(&self) -> Result<DataFrame, Error> {
        super::execute(&self.plan, self.engine)
    }

    /// The polars `LazyFrame` the chosen engine would run (scalar
    /// subqueries run now, to fill in their values): an escape hatch to
    /// the whole polars API (for the memory engine it starts from the cached frame).
    pub fn lazy(&self) -> Result<LazyFrame, Error> {
        super::lazy(&self.plan, self.engine)
    }

    /// The engine this query would run on, why, the figures, and the plan
    /// (scalar subqueries run now, and the plan shows their values).
    pub fn explain(&self) -> Result<Explanation, Error> {
        super::explain(&self.plan, self.engine)
    }

    /// Runs the query and converts the rows into entities (columns matched
    /// by name, types as `T::from_record_batch` accepts them).
    pub fn to_entities<T: Entity>(&self) -> Result<Vec<T>, Error> {
        frame_to_entities(&self.collect()?)
    }

    /// Runs the query and writes the result as one Parquet file (zstd),
    /// replacing `path` atomically.
    pub fn write_parquet(&self, path: impl AsRef<std::path::Path>) -> Result<u64, Error> {
        self.write_parquet_with(path, crate::avro::Codec::Zstd(1))
    }

    /// [`write_parquet`](Self::write_parquet) with `codec` (null, snappy or
    /// zstandard; other codecs are an error naming the file).
    pub fn write_parquet_with(
        &self,
        path: impl AsRef<std::path::Path>,
        codec: crate::avro::Codec,
    ) -> Result<u64, Error> {
        super::write::parquet(&self.collect()?, path.as_ref(), codec)
    }

    /// Runs the query and writes the result as one Avro container file with
    /// `codec`; `schema` is the Avro schema to write (`None`: derived from
    /// the result's columns, a record named `Row`).
    pub fn write_avro(
        &self,
        path: impl AsRef<std::path::Path>,
        codec: crate::avro::Codec,
        schema: Option<&apache_avro::Schema>,
    ) -> Result<u64, Error> {
        super::write::avro(&self.collect()?, path.as_ref(), codec, schema)
    }
}

/// The rows of `frame` as entities.
pub(crate) fn frame_to_entities<T: Entity>(frame: &DataFrame) -> Result<Vec<T>, Error> {
    let (_, batches) = super::bridge::to_batches(frame)?;
    let mut out = Vec::with_capacity(frame.height());
    for batch in &batches {
        out.extend(T::from_record_batch(batch)?);
    }
    Ok(out)
}
