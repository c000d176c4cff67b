//! The filters of a plan that a scan can use to skip row groups: the
//! conjuncts of the filters applied to the source's rows before anything
//! changes them (a join, a projection, a group-by, a slice), each a column
//! compared with a literal or tested against a list of literals. Readers
//! that fetch files themselves (a store in a bucket) test them against each
//! row group's statistics; polars does the same for the files it scans.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int64Array, StringArray,
    TimestampMicrosecondArray, UInt64Array,
};

use super::expr::{BinaryOp, Literal, Node};
use super::plan::{Op, Plan};
use crate::formats::pruning::{Compare, Condition, Pruning};

impl Plan {
    /// What the plan's early filters say of the columns of its source,
    /// `entity` (columns qualified with another entity are not its own).
    pub fn pruning(&self, entity: Option<&str>) -> Pruning {
        let mut conditions = Vec::new();
        for op in &self.ops {
            match op {
                Op::Filter(e) => conjuncts(&e.0, entity, &mut conditions),
                // Neither changes which rows the source holds.
                Op::Sort(_) | Op::Distinct => {}
                _ => break,
            }
        }
        Pruning { conditions }
    }
}

/// The conditions of `node`'s top-level conjuncts that a scan can judge.
fn conjuncts(node: &Node, entity: Option<&str>, out: &mut Vec<Condition>) {
    match node {
        Node::Binary { op: BinaryOp::And, left, right } => {
            conjuncts(left, entity, out);
            conjuncts(right, entity, out);
        }
        Node::Binary { op, left, right } => {
            let Some(compare) = comparison(*op) else { return };
            let condition = match (left.as_ref(), right.as_ref()) {
                (Node::Column { entity: e, name }, Node::Literal(l)) if own(*e, entity) => {
                    array(std::slice::from_ref(l)).map(|value| (name, compare, value))
                }
                (Node::Literal(l), Node::Column { entity: e, name }) if own(*e, entity) => {
                    array(std::slice::from_ref(l)).map(|value| (name, compare.flipped(), value))
                }
                _ => None,
            };
            if let Some((column, op, value)) = condition {
                out.push(Condition::Compare { column: column.clone(), op, value });
            }
        }
        Node::IsIn { expr, values } => {
            if let Node::Column { entity: e, name } = expr.as_ref()
                && own(*e, entity)
                && let Some(values) = array(values)
            {
                out.push(Condition::In { column: name.clone(), values });
            }
        }
        _ => {}
    }
}

fn own(qualifier: Option<&str>, entity: Option<&str>) -> bool {
    qualifier.is_none() || qualifier == entity
}

fn comparison(op: BinaryOp) -> Option<Compare> {
    Some(match op {
        BinaryOp::Eq => Compare::Eq,
        BinaryOp::Gt => Compare::Gt,
        BinaryOp::GtEq => Compare::GtEq,
        BinaryOp::Lt => Compare::Lt,
        BinaryOp::LtEq => Compare::LtEq,
        _ => return None,
    })
}

/// `values` as one Arrow array, when all are non-null literals of one kind
/// (decimals of one scale, timestamps of one zone).
fn array(values: &[Literal]) -> Option<ArrayRef> {
    /// Each literal through `f`; `None` when one does not fit.
    fn each<'a, T>(values: &'a [Literal], f: impl Fn(&'a Literal) -> Option<T>) -> Option<Vec<T>> {
        values.iter().map(f).collect()
    }
    Some(match *values.first()? {
        Literal::Bool(_) => Arc::new(BooleanArray::from(each(values, |l| match l {
            Literal::Bool(v) => Some(*v),
            _ => None,
        })?)),
        Literal::Int(_) => Arc::new(Int64Array::from(each(values, |l| match l {
            Literal::Int(v) => Some(*v),
            _ => None,
        })?)),
        Literal::UInt(_) => Arc::new(UInt64Array::from(each(values, |l| match l {
            Literal::UInt(v) => Some(*v),
            _ => None,
        })?)),
        // A NaN compares with nothing the way statistics do.
        Literal::Float(_) => Arc::new(Float64Array::from(each(values, |l| match l {
            Literal::Float(v) if !v.is_nan() => Some(*v),
            _ => None,
        })?)),
        Literal::Str(_) => Arc::new(StringArray::from(each(values, |l| match l {
            Literal::Str(v) => Some(v.as_str()),
            _ => None,
        })?)),
        Literal::Date(_) => Arc::new(Date32Array::from(each(values, |l| match l {
            Literal::Date(d) => super::expr::epoch_days(*d),
            _ => None,
        })?)),
        Literal::Decimal { scale, .. } => {
            let unscaled = each(values, |l| match l {
                Literal::Decimal { value, scale: s } if *s == scale => Some(*value),
                _ => None,
            })?;
            Arc::new(
                Decimal128Array::from(unscaled)
                    .with_precision_and_scale(38, i8::try_from(scale).ok()?)
                    .ok()?,
            )
        }
        Literal::Timestamp { utc, .. } => {
            let micros = TimestampMicrosecondArray::from(each(values, |l| match l {
                Literal::Timestamp { micros, utc: u } if *u == utc => Some(*micros),
                _ => None,
            })?);
            Arc::new(if utc { micros.with_timezone("UTC") } else { micros })
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::expr::{col, lit};
    use crate::engine::source::Source;

    fn plan(ops: Vec<Op>) -> Plan {
        Plan { source: Source::Frame(Arc::new(polars::prelude::DataFrame::empty())), ops }
    }

    #[test]
    fn early_conjuncts_of_a_column_and_a_literal_are_kept() {
        let filter = col("a").gt(lit(3)).and(lit(10).ge(col("b"))).and(col("c").gt(col("d")));
        let p = plan(vec![Op::Filter(filter), Op::Filter(col("e").is_in([1, 2]))]).pruning(None);
        let got: Vec<String> = p
            .conditions
            .iter()
            .map(|c| match c {
                Condition::Compare { column, op, .. } => format!("{column} {op:?}"),
                Condition::In { column, .. } => format!("{column} in"),
            })
            .collect();
        assert_eq!(got, ["a Gt", "b LtEq", "e in"]);
    }

    #[test]
    fn filters_after_a_slice_or_an_or_are_not_pushed() {
        let p = plan(vec![Op::Slice { offset: 0, len: Some(5) }, Op::Filter(col("a").gt(lit(3)))]);
        assert!(p.pruning(None).is_empty());
        let p = plan(vec![Op::Filter(col("a").gt(lit(3)).or(col("b").lt(lit(1))))]);
        assert!(p.pruning(None).is_empty());
    }
}
