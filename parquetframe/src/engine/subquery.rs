//! Scalar subqueries: a query whose one value stands in another query's
//! expression (SQL `WHERE total > (SELECT AVG(total) FROM ..)`). The
//! subquery runs first, on the engine chosen for it, and its value enters
//! the outer plan as a constant, so every engine runs the outer plan as it
//! runs any other. One kind is left in the plan for the polars engines: a
//! filter's subquery that ends in a select of one aggregate (one row
//! whatever its input), which `polars::subplan` runs inside the outer plan.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use polars::prelude::{AnyValue, DataFrame, TimeUnit};

use super::Engine;
use super::expr::{AggOp, Expr, Literal, Node};
use super::plan::{Op, Plan};
use super::typed_values::Operand;
use crate::error::{Error, QueryError};

/// An uncorrelated subquery yielding one value.
#[derive(Clone)]
pub(crate) struct Subquery {
    pub plan: Arc<Plan>,
    pub engine: Option<Engine>,
}

impl PartialEq for Subquery {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.plan, &other.plan) && self.engine == other.engine
    }
}

impl fmt::Debug for Subquery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Subquery({self})")
    }
}

impl fmt::Display for Subquery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ops: Vec<String> = self.plan.ops.iter().map(ToString::to_string).collect();
        write!(f, "(SELECT .. {}: {})", self.plan.source.describe(), ops.join("; "))
    }
}

/// A subquery's value for a typed comparison or arithmetic with a column of
/// type `T`: [`DataFrameProxy::scalar_as`](super::DataFrameProxy::scalar_as).
pub struct Scalar<T> {
    pub(crate) expr: Expr,
    _type: PhantomData<fn() -> T>,
}

impl<T> Scalar<T> {
    pub(crate) fn new(expr: Expr) -> Self {
        Self { expr, _type: PhantomData }
    }
}

impl<T> Clone for Scalar<T> {
    fn clone(&self) -> Self {
        Self::new(self.expr.clone())
    }
}

impl<E, T> Operand<E, T> for Scalar<T> {
    fn operand(self) -> Expr {
        self.expr
    }
}

/// The value compared with a nullable column of `T`.
impl<E, T> Operand<E, Option<T>> for Scalar<T> {
    fn operand(self) -> Expr {
        self.expr
    }
}

impl<T> From<Scalar<T>> for Expr {
    fn from(s: Scalar<T>) -> Self {
        s.expr
    }
}

/// Which subqueries [`materialize`] leaves in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// None: every subquery runs first (DataFusion, the cluster).
    Nothing,
    /// A filter's subquery whose plan ends in a select of one aggregate and
    /// that asks for no engine but a polars one: the polars engines run it
    /// inside the outer plan, on the outer plan's engine, so an input both
    /// read is read once (polars' common subplan elimination) and both run
    /// at once.
    OneRowInFilters,
}

/// `plan` with every scalar subquery (in its expressions and its joined
/// plans) but those `keep` names replaced by its value; `None` when it has
/// none.
pub(crate) fn materialize(plan: &Plan, keep: Keep) -> Result<Option<Plan>, Error> {
    materialize_with(plan, keep, &mut Values::new())
}

/// Values of the subqueries run so far, by plan: a subquery used twice
/// (`x.between(s.clone(), s)`) runs once.
type Values = Vec<(Arc<Plan>, Literal)>;

fn materialize_with(plan: &Plan, keep: Keep, values: &mut Values) -> Result<Option<Plan>, Error> {
    if !has_subquery(plan) {
        return Ok(None);
    }
    let exprs = |es: &[Expr], values: &mut Values| {
        es.iter()
            .map(|e| Ok(Expr(replace_in(&e.0, Keep::Nothing, values)?)))
            .collect::<Result<Vec<_>, Error>>()
    };
    let mut ops = Vec::with_capacity(plan.ops.len());
    for op in &plan.ops {
        ops.push(match op {
            Op::Filter(e) => Op::Filter(Expr(replace_in(&e.0, keep, values)?)),
            Op::Select(es) => Op::Select(exprs(es, values)?),
            Op::WithColumns(es) => Op::WithColumns(exprs(es, values)?),
            Op::GroupBy { keys, aggs } => {
                Op::GroupBy { keys: exprs(keys, values)?, aggs: exprs(aggs, values)? }
            }
            Op::Sort(keys) => Op::Sort(
                keys.iter()
                    .map(|k| {
                        let mut k = k.clone();
                        k.expr = Expr(replace_in(&k.expr.0, Keep::Nothing, values)?);
                        Ok(k)
                    })
                    .collect::<Result<_, Error>>()?,
            ),
            Op::Join(j) => {
                let mut j = j.clone();
                if let Some(right) = materialize_with(&j.right, keep, values)? {
                    j.right = right;
                }
                Op::Join(j)
            }
            Op::Slice { .. } | Op::Distinct => op.clone(),
        });
    }
    Ok(Some(Plan { source: plan.source.clone(), ops }))
}

fn has_subquery(plan: &Plan) -> bool {
    let any = |es: &[Expr]| es.iter().any(|e| e.0.has_subquery());
    plan.ops.iter().any(|op| match op {
        Op::Filter(e) => e.0.has_subquery(),
        Op::Select(es) | Op::WithColumns(es) => any(es),
        Op::GroupBy { keys, aggs } => any(keys) || any(aggs),
        Op::Sort(keys) => keys.iter().any(|k| k.expr.0.has_subquery()),
        Op::Join(j) => has_subquery(&j.right),
        Op::Slice { .. } | Op::Distinct => false,
    })
}

fn replace_in(n: &Node, keep: Keep, values: &mut Values) -> Result<Node, Error> {
    match n {
        Node::Subquery(s)
            if keep == Keep::OneRowInFilters
                && s.engine.is_none_or(Engine::is_polars)
                && one_row(&s.plan) =>
        {
            // Kept; its own plan's subqueries are replaced as any other's,
            // and its joins ordered as the outer plan's are (`nest`), so that
            // a join both run is the same polars subplan, run once.
            let materialized = materialize_with(&s.plan, keep, values)?;
            let unnested = materialized.as_ref().unwrap_or(&s.plan);
            let plan = match (super::nest::nest(unnested), materialized) {
                (Some((nested, _)), _) | (None, Some(nested)) => Arc::new(nested),
                (None, None) => s.plan.clone(),
            };
            Ok(Node::Subquery(Subquery { plan, engine: s.engine }))
        }
        Node::Subquery(s) => {
            if let Some((_, v)) = values.iter().find(|(p, _)| Arc::ptr_eq(p, &s.plan)) {
                return Ok(Node::Literal(v.clone()));
            }
            let v = value(s)?;
            values.push((s.plan.clone(), v.clone()));
            Ok(Node::Literal(v))
        }
        other => other.map_children(|c| replace_in(c, keep, values)),
    }
}

/// Whether `plan` yields one row whatever its input: it ends in a select of
/// one expression over sums, means, minima, maxima, `len()` and constants
/// only. Those are the aggregates polars returns as a scalar column; its
/// in-memory executor broadcasts a one-row frame beside others only when
/// the column is a scalar (`concat_df_horizontal`), so the others
/// (`count`, `first`, `n_unique`) run first, to be safe.
fn one_row(plan: &Plan) -> bool {
    fn reduces(n: &Node) -> bool {
        match n {
            Node::Agg { op: AggOp::Sum | AggOp::Mean | AggOp::Min | AggOp::Max, .. }
            | Node::Len
            | Node::Literal(_) => true,
            Node::Agg { .. } => false,
            Node::Column { .. } | Node::Subquery(_) => false,
            other => other.children().into_iter().all(reduces),
        }
    }
    matches!(plan.ops.last(), Some(Op::Select(es)) if es.len() == 1 && reduces(&es[0].0))
}

/// Runs the subquery: its one value, or null when it has no row.
fn value(s: &Subquery) -> Result<Literal, Error> {
    let df = super::execute(&s.plan, s.engine)?;
    single(&df).map_err(|message| {
        QueryError::Engine { context: format!("running the subquery {s}"), message }.into()
    })
}

fn single(df: &DataFrame) -> Result<Literal, String> {
    if df.width() != 1 || df.height() > 1 {
        return Err(format!(
            "a scalar subquery yields one value, and this one gave {} row(s) of {} column(s): select one \
             aggregate, or limit it to one row",
            df.height(),
            df.width()
        ));
    }
    let Some(column) = df.columns().first() else { return Ok(Literal::Null) };
    if df.height() == 0 {
        return Ok(Literal::Null);
    }
    let v = column.get(0).map_err(|e| e.to_string())?;
    Ok(match v {
        AnyValue::Null => Literal::Null,
        AnyValue::Boolean(b) => Literal::Bool(b),
        AnyValue::Int8(v) => Literal::Int(v.into()),
        AnyValue::Int16(v) => Literal::Int(v.into()),
        AnyValue::Int32(v) => Literal::Int(v.into()),
        AnyValue::Int64(v) => Literal::Int(v),
        AnyValue::UInt8(v) => Literal::Int(v.into()),
        AnyValue::UInt16(v) => Literal::Int(v.into()),
        AnyValue::UInt32(v) => Literal::Int(v.into()),
        AnyValue::UInt64(v) => Literal::from(v),
        AnyValue::Float32(v) => Literal::Float(v.into()),
        AnyValue::Float64(v) => Literal::Float(v),
        AnyValue::String(v) => Literal::Str(v.to_owned()),
        AnyValue::Decimal(v, _, scale) => {
            Literal::Decimal { value: v, scale: u32::try_from(scale).unwrap_or(u32::MAX) }
        }
        AnyValue::StringOwned(v) => Literal::Str(v.to_string()),
        AnyValue::Date(days) => {
            let epoch = chrono::NaiveDate::default();
            let date = chrono::TimeDelta::try_days(i64::from(days)).and_then(|d| epoch.checked_add_signed(d));
            date.map_or_else(
                || Err(format!("its date ({days} days from 1970) is beyond the calendar")),
                |d| Ok(Literal::Date(d)),
            )?
        }
        AnyValue::Datetime(v, unit, zone) => timestamp(v, unit, zone.is_some()),
        AnyValue::DatetimeOwned(v, unit, zone) => timestamp(v, unit, zone.is_some()),
        other => {
            return Err(format!("its value {other} has a type a constant cannot hold ({})", other.dtype()));
        }
    })
}

fn timestamp(v: i64, unit: TimeUnit, utc: bool) -> Literal {
    let micros = match unit {
        TimeUnit::Nanoseconds => v / 1_000,
        TimeUnit::Microseconds => v,
        TimeUnit::Milliseconds => v.saturating_mul(1_000),
    };
    Literal::Timestamp { micros, utc }
}
