//! The logical plan: a source and a list of operations, independent of the
//! engine. Each backend lowers the same plan (`polars/lower.rs`,
//! `distributed/lower.rs`); the heuristics read it to see which columns it
//! needs and how costly it is.

use std::collections::HashMap;
use std::fmt;

use super::expr::{Expr, SortKey};
use super::source::{Input, Source};
use crate::error::Error;

/// How rows of two inputs are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JoinKind {
    /// Rows with a match on both sides.
    Inner,
    /// Every left row, with the right columns null when nothing matches.
    Left,
    /// Every row of both sides.
    Full,
    /// Left rows that have a match (left columns only).
    Semi,
    /// Left rows that have no match (left columns only).
    Anti,
}

#[derive(Clone)]
pub(crate) struct Join {
    pub right: Plan,
    pub left_on: Vec<String>,
    pub right_on: Vec<String>,
    pub kind: JoinKind,
    /// Entities of a typed join: right columns named like a left column are
    /// renamed `Entity.column`, so both stay addressable.
    pub entities: Option<(&'static str, &'static str)>,
    /// Whether the left side holds the foreign key (many left rows per right
    /// row): a following group-by may then aggregate before the join.
    pub many_to_one: bool,
}

#[derive(Clone)]
pub(crate) enum Op {
    Filter(Expr),
    Select(Vec<Expr>),
    WithColumns(Vec<Expr>),
    GroupBy {
        keys: Vec<Expr>,
        aggs: Vec<Expr>,
    },
    Sort(Vec<SortKey>),
    Slice {
        offset: u64,
        len: Option<u64>,
    },
    Join(Box<Join>),
    /// One row per distinct row (first occurrences, in order).
    Distinct,
}

/// A source and the operations on it.
#[derive(Clone)]
pub(crate) struct Plan {
    pub source: Source,
    pub ops: Vec<Op>,
}

/// A plan whose sources are resolved: what the heuristics measure and the
/// engines run.
pub(crate) struct Resolved<'p> {
    pub plan: &'p Plan,
    pub input: Input,
    pub joins: Vec<Resolved<'p>>,
}

impl Plan {
    pub fn new(source: Source) -> Self {
        Self { source, ops: Vec::new() }
    }

    pub fn push(mut self, op: Op) -> Self {
        self.ops.push(op);
        self
    }

    pub fn resolve(&self) -> Result<Resolved<'_>, Error> {
        let input = self.source.resolve()?;
        let joins = self
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Join(j) => Some(j.right.resolve()),
                _ => None,
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Resolved { plan: self, input, joins })
    }

    /// The source columns the plan reads, when it projects (`None`: all).
    /// Columns are collected up to the first projection (select, group-by);
    /// without one every column reaches the result.
    pub fn needed_columns(&self) -> Option<Vec<String>> {
        let mut refs = Vec::new();
        let mut projects = false;
        for op in &self.ops {
            match op {
                Op::Filter(e) => e.columns(&mut refs),
                Op::WithColumns(es) => es.iter().for_each(|e| e.columns(&mut refs)),
                Op::Sort(keys) => keys.iter().for_each(|k| k.expr.columns(&mut refs)),
                Op::Slice { .. } | Op::Distinct => {}
                Op::Select(es) => {
                    es.iter().for_each(|e| e.columns(&mut refs));
                    projects = true;
                }
                Op::GroupBy { keys, aggs } => {
                    keys.iter().chain(aggs).for_each(|e| e.columns(&mut refs));
                    projects = true;
                }
                // Join keys; the columns of the joined side are counted there.
                Op::Join(j) => refs.extend(j.left_on.iter().map(|c| (None, c.clone()))),
            }
            if projects {
                break;
            }
        }
        if !projects {
            return None;
        }
        let mut names: Vec<String> = refs.into_iter().map(|(_, n)| n).collect();
        names.sort();
        names.dedup();
        Some(names)
    }

    /// Joins and group-bys: each multiplies the working memory estimate.
    pub fn complexity(&self) -> (usize, usize) {
        let mut joins = 0;
        let mut groups = 0;
        for op in &self.ops {
            match op {
                Op::Join(j) => {
                    joins += 1;
                    let (a, b) = j.right.complexity();
                    joins += a;
                    groups += b;
                }
                Op::GroupBy { .. } => groups += 1,
                _ => {}
            }
        }
        (joins, groups)
    }

    /// Joins that are not inner joins (semi, anti, left, full), nested ones
    /// counted.
    pub fn non_inner_joins(&self) -> usize {
        let mut n = 0;
        for op in &self.ops {
            if let Op::Join(j) = op {
                n += usize::from(j.kind != JoinKind::Inner) + j.right.non_inner_joins();
            }
        }
        n
    }
}

/// Output names of qualified columns (`Entity.column` after a join).
#[derive(Default)]
pub(crate) struct Names {
    pub(crate) map: HashMap<(&'static str, String), String>,
}

impl Names {
    pub(crate) fn resolve(&self, entity: Option<&'static str>, name: &str) -> String {
        entity.and_then(|e| self.map.get(&(e, name.to_owned()))).cloned().unwrap_or_else(|| name.to_owned())
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |es: &[Expr]| es.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        match self {
            Op::Filter(e) => write!(f, "filter {e}"),
            Op::Select(es) => write!(f, "select {}", list(es)),
            Op::WithColumns(es) => write!(f, "with_columns {}", list(es)),
            Op::GroupBy { keys, aggs } => write!(f, "group_by {} agg {}", list(keys), list(aggs)),
            Op::Sort(keys) => {
                write!(f, "sort {}", keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
            }
            Op::Slice { offset, len: Some(l) } => write!(f, "slice offset {offset} limit {l}"),
            Op::Slice { offset, len: None } => write!(f, "slice offset {offset}"),
            Op::Distinct => f.write_str("distinct"),
            Op::Join(j) => {
                write!(f, "{:?} join on {} = {}", j.kind, j.left_on.join(", "), j.right_on.join(", "))
            }
        }
    }
}
