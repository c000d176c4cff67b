//! Aggregating before a join (eager aggregation).
//!
//! A typed join from the many side of a relation (orders to their user)
//! followed by a group-by whose aggregates all read the many side and
//! decompose (sum, count, min, max, len) can aggregate the many side per
//! join key first, then join the partial results and combine them. Every
//! left row reaches the same groups either way, so the results are equal,
//! and the join sees one row per key instead of one per order (20M rows
//! became 2M in the query benchmark).

use polars::prelude::{self as pl, DataType};

use super::lower::Names;
use crate::engine::expr::{AggOp, Node};
use crate::engine::plan::{Join, JoinKind, Op};
use crate::error::Error;

/// Columns that carry partial aggregates through the join.
const PARTIAL: &str = "__parquetframe_partial_";

/// How to aggregate the left side before the join, and combine after it.
pub(crate) struct PreAggregation {
    /// Left columns to group by first: the join keys and the left group keys.
    keys: Vec<String>,
    /// One partial aggregate per final one, named `PARTIAL{i}`.
    partials: Vec<pl::Expr>,
    /// What combines each partial after the join, under the original name.
    combine: Vec<(AggOp, String)>,
}

impl PreAggregation {
    /// Checks whether `join` followed by `next` can aggregate first (from
    /// the plan alone: typed columns say which side they come from).
    pub fn plan(join: &Join, next: Option<&Op>) -> Option<Self> {
        let (left_entity, right_entity) = join.entities?;
        if !join.many_to_one || !matches!(join.kind, JoinKind::Inner | JoinKind::Left) {
            return None;
        }
        let Some(Op::GroupBy { keys, aggs }) = next else { return None };
        let is_left = |entity: Option<&'static str>| entity == Some(left_entity);
        let mut pre_keys: Vec<String> = join.left_on.clone();
        for key in keys {
            match &key.0 {
                Node::Column { entity, name } if is_left(*entity) => {
                    if !pre_keys.contains(name) {
                        pre_keys.push(name.clone());
                    }
                }
                Node::Column { entity: Some(e), .. } if *e == right_entity => {}
                _ => return None,
            }
        }
        let mut partials = Vec::with_capacity(aggs.len());
        let mut combine = Vec::with_capacity(aggs.len());
        for (i, agg) in aggs.iter().enumerate() {
            let (node, alias) = match &agg.0 {
                Node::Alias { expr, name } => (expr.as_ref(), Some(name.clone())),
                other => (other, None),
            };
            let partial = format!("{PARTIAL}{i}");
            let (op, expr, output) = match node {
                Node::Len => (AggOp::Count, pl::len(), "len".to_owned()),
                Node::Agg { op, expr } => match (op, expr.as_ref()) {
                    (AggOp::Sum | AggOp::Min | AggOp::Max | AggOp::Count, Node::Column { entity, name })
                        if is_left(*entity) =>
                    {
                        let c = pl::col(name.as_str());
                        let e = match op {
                            AggOp::Sum => c.sum(),
                            AggOp::Min => c.min(),
                            AggOp::Max => c.max(),
                            _ => c.count(),
                        };
                        (*op, e, name.clone())
                    }
                    _ => return None,
                },
                _ => return None,
            };
            partials.push(expr.alias(partial.as_str()));
            combine.push((op, alias.unwrap_or(output)));
        }
        Some(Self { keys: pre_keys, partials, combine })
    }

    /// The final aggregates over the joined partials.
    pub fn combined(&self) -> Vec<pl::Expr> {
        self.combine
            .iter()
            .enumerate()
            .map(|(i, (op, output))| {
                let p = pl::col(format!("{PARTIAL}{i}").as_str());
                match op {
                    AggOp::Min => p.min(),
                    AggOp::Max => p.max(),
                    // Counts add up; the sum keeps polars' count type.
                    AggOp::Count => p.sum().cast(DataType::IDX_DTYPE),
                    _ => p.sum(),
                }
                .alias(output.as_str())
            })
            .collect()
    }

    /// The left side aggregated per key.
    pub fn apply(&self, lf: pl::LazyFrame) -> pl::LazyFrame {
        let keys: Vec<pl::Expr> = self.keys.iter().map(|k| pl::col(k.as_str())).collect();
        lf.group_by(keys).agg(self.partials.clone())
    }
}

/// Joins of `plan` (and of the plans it joins) that aggregate first.
pub(crate) fn count(plan: &crate::engine::plan::Plan) -> usize {
    let mut n = 0;
    let mut ops = plan.ops.iter().peekable();
    while let Some(op) = ops.next() {
        if let Op::Join(j) = op {
            n += usize::from(PreAggregation::plan(j, ops.peek().copied()).is_some()) + count(&j.right);
        }
    }
    n
}

/// The group keys of the final group-by, lowered after the join.
pub(crate) fn final_keys(next: Option<&Op>, names: &Names) -> Result<Vec<pl::Expr>, Error> {
    match next {
        Some(Op::GroupBy { keys, .. }) => super::lower::lower_all(keys, names),
        _ => Ok(Vec::new()),
    }
}
