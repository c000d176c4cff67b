//! Scalar subqueries run inside the outer polars plan. A filter's subquery
//! that yields one row by construction (`subquery::Keep`) is zipped beside
//! the rows the filter tests, its one value broadcast, and the filter reads
//! it as `first()`. One plan instead of two runs means polars' common
//! subplan elimination reads an input the subquery shares with the outer
//! query once (TPC-H Q15 reads its quarter of line items once, not twice),
//! and both parts run at the same time.

use polars::prelude::{self as pl, HConcatOptions, LazyFrame};

use super::lower::{Names, lower};
use crate::engine::expr::{AggOp, Expr, Node};
use crate::engine::{Engine, Settings, polars_error};
use crate::error::Error;

/// Prefix of the zipped columns; dropped again after the filter.
const PREFIX: &str = "__parquetframe_subquery_";

/// `lf` filtered by `e`, whose subqueries run in the same polars plan.
pub(super) fn filter(
    lf: LazyFrame,
    e: &Expr,
    names: &Names,
    engine: Engine,
    settings: &Settings,
) -> Result<LazyFrame, Error> {
    let mut frames = vec![lf];
    let mut zipped = Vec::new();
    let predicate = zip(&e.0, &mut frames, &mut zipped, engine, settings)?;
    let options = HConcatOptions { parallel: true, strict: false, broadcast_unit_length: true };
    let lf = pl::concat_lf_horizontal(frames, options).map_err(|e| polars_error("running a subquery", e))?;
    Ok(lf.filter(lower(&Expr(predicate), names)?).drop(pl::by_name(zipped, true, false)))
}

/// `n` with each subquery replaced by the first value of its zipped column.
fn zip(
    n: &Node,
    frames: &mut Vec<LazyFrame>,
    zipped: &mut Vec<String>,
    engine: Engine,
    settings: &Settings,
) -> Result<Node, Error> {
    let Node::Subquery(sub) = n else {
        return n.map_children(|c| zip(c, frames, zipped, engine, settings));
    };
    let name = format!("{PREFIX}{}", zipped.len());
    let mut lf = sub.plan.resolve()?.lazy(engine, settings)?;
    let schema = lf.collect_schema().map_err(|e| polars_error(&format!("planning the subquery {sub}"), e))?;
    let Some(value) = schema.iter_names().next() else {
        return Err(polars_error(&format!("planning the subquery {sub}"), "it yields no column"));
    };
    frames.push(lf.select([pl::col(value.clone()).alias(name.as_str())]));
    zipped.push(name.clone());
    Ok(Node::Agg { op: AggOp::First, expr: Box::new(Node::Column { entity: None, name }) })
}
