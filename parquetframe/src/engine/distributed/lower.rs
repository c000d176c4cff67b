//! The engine-neutral plan as a DataFusion plan.
//!
//! Results follow polars' conventions so that every engine answers alike:
//! an unaliased expression is named after its first column, `/` divides as
//! floats, counts are `UInt32` (polars' index type), sums of 32-bit integers
//! keep their type, `n_unique` counts null as a value, and the right side's
//! key columns of a join merge into the left's.

use std::sync::Arc;

use arrow::datatypes::DataType;
use datafusion::common::DFSchema;
use datafusion::common::{Column, JoinType, ScalarValue};
use datafusion::functions::expr_fn::{contains, date_part, ends_with, lower, starts_with, substring, upper};
use datafusion::functions_aggregate::expr_fn::{
    avg, count, count_distinct, first_value, last_value, max, min, sum,
};
use datafusion::logical_expr::{Expr as Df, ExprSchemable, cast, when};
use datafusion::prelude::{DataFrame, coalesce, lit};

use super::super::expr::{AggOp, BinaryOp, Expr, Func, Literal, Node, ScalarType, StrOp};
use super::super::plan::{Join, JoinKind, Names, Op, Resolved};
use super::scan::Inputs;
use crate::error::{Error, QueryError};

pub(super) fn unsupported(what: impl Into<String>) -> Error {
    QueryError::Unavailable { engine: "distributed", message: what.into() }.into()
}

pub(crate) fn datafusion_error(context: &str, e: impl std::fmt::Display) -> Error {
    QueryError::Engine { context: context.to_owned(), message: e.to_string() }.into()
}

/// `plan` over `inputs` (its source first, then each joined side in the
/// order the joins appear).
pub(super) fn plan(resolved: &Resolved<'_>, inputs: &mut Inputs) -> Result<DataFrame, Error> {
    let mut df = inputs.next()?;
    let mut names = Names::default();
    let mut joins = resolved.joins.iter();
    for op in &resolved.plan.ops {
        let scope = Scope { names: &names, schema: df.schema(), overrides: &[] };
        df = match op {
            Op::Filter(e) => {
                let predicate = scope.expr(e)?;
                df.filter(predicate).map_err(|e| datafusion_error("filtering", e))?
            }
            Op::Select(es) if es.iter().any(|e| e.0.aggregates()) => aggregate(df, &[], es, &names)?,
            Op::Select(es) => {
                let exprs = es.iter().map(|e| scope.named(e)).collect::<Result<Vec<_>, _>>()?;
                df.select(exprs).map_err(|e| datafusion_error("selecting", e))?
            }
            Op::WithColumns(es) => with_columns(df, es, &names)?,
            Op::GroupBy { keys, aggs } => aggregate(df, keys, aggs, &names)?,
            Op::Sort(keys) => {
                let sorts = keys
                    .iter()
                    .map(|k| Ok(scope.expr(&k.expr)?.sort(!k.descending, !k.nulls_last)))
                    .collect::<Result<Vec<_>, Error>>()?;
                df.sort(sorts).map_err(|e| datafusion_error("sorting", e))?
            }
            Op::Distinct => df.distinct().map_err(|e| datafusion_error("removing duplicate rows", e))?,
            Op::Slice { offset, len } => {
                let skip = usize::try_from(*offset).unwrap_or(usize::MAX);
                let fetch = len.map(|l| usize::try_from(l).unwrap_or(usize::MAX));
                df.limit(skip, fetch).map_err(|e| datafusion_error("slicing", e))?
            }
            Op::Join(j) => {
                let Some(right) = joins.next() else {
                    return Err(datafusion_error("planning a join", "the joined input was not resolved"));
                };
                let rdf = plan(right, inputs)?;
                join(df, rdf, j, &mut names)?
            }
        };
    }
    Ok(df)
}

/// A column by its exact name (dots included: `User.name` after a join).
fn column(name: &str) -> Df {
    Df::Column(Column::new_unqualified(name))
}

/// The frame's columns `names` (in its order) without table qualifiers.
pub(super) fn unqualified(df: DataFrame, names: &[String]) -> Result<DataFrame, Error> {
    let aliased: Vec<Df> = df
        .schema()
        .columns()
        .into_iter()
        .filter(|c| names.contains(&c.name))
        .map(|c| {
            let name = c.name.clone();
            Df::Column(c).alias(name)
        })
        .collect();
    df.select(aliased).map_err(|e| datafusion_error("naming columns", e))
}

fn names_of(df: &DataFrame) -> Vec<String> {
    df.schema().fields().iter().map(|f| f.name().clone()).collect()
}

/// Polars' name of an unaliased expression: its first column's.
fn output_name(n: &Node, names: &Names) -> String {
    match n {
        Node::Column { entity, name } => names.resolve(*entity, name),
        Node::Literal(_) => "literal".into(),
        Node::Len => "len".into(),
        Node::Subquery(_) => "literal".into(),
        Node::Alias { name, .. } => name.clone(),
        Node::Binary { left, .. } => output_name(left, names),
        Node::Case { branches, otherwise } => match branches.first() {
            Some((_, then)) => output_name(then, names),
            None => output_name(otherwise, names),
        },
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
        | Node::Agg { expr: e, .. } => output_name(e, names),
    }
}

/// What lowering an expression needs: output names of qualified columns,
/// the input's schema (types decide literals and division), and hidden
/// columns that stand for an expression (aggregates after a group-by).
pub(super) struct Scope<'a> {
    pub names: &'a Names,
    pub schema: &'a DFSchema,
    pub overrides: &'a [(String, Df)],
}

impl Scope<'_> {
    pub fn expr(&self, e: &Expr) -> Result<Df, Error> {
        self.node(&e.0)
    }

    /// The expression, named as polars names it.
    fn named(&self, e: &Expr) -> Result<Df, Error> {
        Ok(self.node(&e.0)?.alias(output_name(&e.0, self.names)))
    }

    fn node(&self, n: &Node) -> Result<Df, Error> {
        Ok(match n {
            Node::Column { entity, name } => {
                let name = self.names.resolve(*entity, name);
                match self.overrides.iter().find(|(n, _)| *n == name) {
                    Some((_, e)) => e.clone(),
                    None => column(&name),
                }
            }
            Node::Literal(l) => lit(scalar(l)),
            Node::Binary { op, left, right } => self.binary(*op, left, right)?,
            Node::Not(e) => !self.node(e)?,
            Node::IsNull { expr, negated: false } => self.node(expr)?.is_null(),
            Node::IsNull { expr, negated: true } => self.node(expr)?.is_not_null(),
            Node::IsIn { expr, values } => {
                let e = self.node(expr)?;
                let t = e.get_type(self.schema).ok();
                let list =
                    values.iter().map(|v| adapt(v, t.as_ref()).unwrap_or_else(|| lit(scalar(v)))).collect();
                e.in_list(list, false)
            }
            Node::Str { op, expr, pattern } => {
                let (e, p) = (self.node(expr)?, lit(pattern.as_str()));
                match op {
                    StrOp::StartsWith => starts_with(e, p),
                    StrOp::EndsWith => ends_with(e, p),
                    StrOp::Contains => contains(e, p),
                }
            }
            Node::Subquery(sub) => {
                return Err(datafusion_error(
                    "lowering a query",
                    format!("the subquery {sub} was not run first"),
                ));
            }
            Node::Agg { .. } | Node::Len => {
                return Err(unsupported(format!(
                    "runs aggregates only in a group-by or a select of aggregates, not in `{}`",
                    Expr(n.clone())
                )));
            }
            Node::Alias { expr, name } => self.node(expr)?.alias(name.as_str()),
            Node::Neg(e) => Df::Negative(Box::new(self.node(e)?)),
            Node::Like { expr, pattern, negated: false } => self.node(expr)?.like(lit(pattern.as_str())),
            Node::Like { expr, pattern, negated: true } => self.node(expr)?.not_like(lit(pattern.as_str())),
            Node::Substring { expr, start, len } => {
                let start = i64::try_from(*start).unwrap_or(i64::MAX).saturating_add(1);
                substring(self.node(expr)?, lit(start), lit(i64::try_from(*len).unwrap_or(i64::MAX)))
            }
            Node::Func { func, expr } => {
                let e = self.node(expr)?;
                match func {
                    Func::Upper => upper(e),
                    Func::Lower => lower(e),
                    Func::Year => cast(date_part(lit("year"), e), DataType::Int32),
                    Func::Month => cast(date_part(lit("month"), e), DataType::Int32),
                    Func::Day => cast(date_part(lit("day"), e), DataType::Int32),
                }
            }
            Node::Cast { expr, to } => cast(self.node(expr)?, data_type(*to)),
            Node::Shift { expr, by } => {
                let interval =
                    arrow::datatypes::IntervalMonthDayNano::new(by.months_part(), by.days_part(), 0);
                self.node(expr)? + lit(ScalarValue::IntervalMonthDayNano(Some(interval)))
            }
            Node::Case { branches, otherwise } => {
                let mut lowered =
                    branches.iter().map(|(w, t)| Ok::<_, Error>((self.node(w)?, self.node(t)?)));
                let Some(first) = lowered.next() else {
                    return self.node(otherwise);
                };
                let (w, t) = first?;
                let mut case = when(w, t);
                for branch in lowered {
                    let (w, t) = branch?;
                    case.when(w, t);
                }
                case.otherwise(self.node(otherwise)?).map_err(|e| datafusion_error("building a CASE", e))?
            }
        })
    }

    fn binary(&self, op: BinaryOp, left: &Node, right: &Node) -> Result<Df, Error> {
        let (mut l, mut r) = (self.node(left)?, self.node(right)?);
        // A polars literal takes the type of the column it meets (`age * 2`
        // stays Int32); DataFusion would widen the column to the literal's.
        let (lt, rt) = (l.get_type(self.schema).ok(), r.get_type(self.schema).ok());
        if let Node::Literal(v) = right {
            r = adapt(v, lt.as_ref()).unwrap_or(r);
        }
        if let Node::Literal(v) = left {
            l = adapt(v, rt.as_ref()).unwrap_or(l);
        }
        Ok(match op {
            BinaryOp::Eq => l.eq(r),
            BinaryOp::NotEq => l.not_eq(r),
            BinaryOp::Gt => l.gt(r),
            BinaryOp::GtEq => l.gt_eq(r),
            BinaryOp::Lt => l.lt(r),
            BinaryOp::LtEq => l.lt_eq(r),
            BinaryOp::And => l.and(r),
            BinaryOp::Or => l.or(r),
            BinaryOp::Add => l + r,
            BinaryOp::Sub => l - r,
            BinaryOp::Mul => l * r,
            BinaryOp::Div => {
                let integers = [lt, rt].iter().all(|t| t.as_ref().is_some_and(DataType::is_integer));
                if integers {
                    // polars divides integers rounding down; DataFusion toward
                    // zero: floor(l / r) = (l - mod(l, r)) / r, mod taking r's sign.
                    let modulo = ((l.clone() % r.clone()) + r.clone()) % r.clone();
                    (l - modulo) / r
                } else {
                    l / r
                }
            }
        })
    }
}

fn data_type(t: ScalarType) -> DataType {
    match t {
        ScalarType::Bool => DataType::Boolean,
        ScalarType::Int8 => DataType::Int8,
        ScalarType::Int16 => DataType::Int16,
        ScalarType::Int32 => DataType::Int32,
        ScalarType::Int64 => DataType::Int64,
        ScalarType::UInt8 => DataType::UInt8,
        ScalarType::UInt16 => DataType::UInt16,
        ScalarType::UInt32 => DataType::UInt32,
        ScalarType::UInt64 => DataType::UInt64,
        ScalarType::Float32 => DataType::Float32,
        ScalarType::Float64 => DataType::Float64,
        ScalarType::Str => DataType::Utf8,
        ScalarType::Decimal { precision, scale } => {
            DataType::Decimal128(precision, i8::try_from(scale).unwrap_or(i8::MAX))
        }
        ScalarType::Date => DataType::Date32,
        ScalarType::Timestamp { utc } => DataType::Timestamp(
            arrow::datatypes::TimeUnit::Microsecond,
            utc.then(|| Arc::from(crate::types::temporal::UTC)),
        ),
    }
}

/// `v` as a literal of type `t`, when `v` is a number of the same kind
/// that `t` holds exactly.
fn adapt(v: &Literal, t: Option<&DataType>) -> Option<Df> {
    let t = t?;
    let fits = match v {
        Literal::Int(_) | Literal::UInt(_) => t.is_integer(),
        Literal::Float(_) => matches!(t, DataType::Float32),
        _ => false,
    };
    if !fits {
        return None;
    }
    let cast = scalar(v).cast_to(t).ok().filter(|c| !c.is_null())?;
    // Only when the value survives the round trip (no overflow, no rounding).
    (cast.cast_to(&scalar(v).data_type()).ok()? == scalar(v)).then(|| lit(cast))
}

fn scalar(l: &Literal) -> ScalarValue {
    match l {
        Literal::Null => ScalarValue::Null,
        Literal::Bool(v) => ScalarValue::Boolean(Some(*v)),
        Literal::Int(v) => ScalarValue::Int64(Some(*v)),
        Literal::UInt(v) => ScalarValue::UInt64(Some(*v)),
        Literal::Float(v) => ScalarValue::Float64(Some(*v)),
        Literal::Str(v) => ScalarValue::Utf8(Some(v.clone())),
        Literal::Decimal { value, scale } => {
            ScalarValue::Decimal128(Some(*value), 38, i8::try_from(*scale).unwrap_or(i8::MAX))
        }
        Literal::Date(d) => ScalarValue::Date32(Some(super::super::expr::epoch_days(*d).unwrap_or(i32::MAX))),
        Literal::Timestamp { micros, utc } => ScalarValue::TimestampMicrosecond(
            Some(*micros),
            utc.then(|| Arc::from(crate::types::temporal::UTC)),
        ),
    }
}

/// `with_columns`: replaces columns of the same name in place, appends the rest.
fn with_columns(df: DataFrame, es: &[Expr], names: &Names) -> Result<DataFrame, Error> {
    if let Some(e) = es.iter().find(|e| e.0.aggregates()) {
        return Err(unsupported(format!("does not broadcast aggregates into columns (`{e}`)")));
    }
    let scope = Scope { names, schema: df.schema(), overrides: &[] };
    let mut new: Vec<(String, Df)> =
        es.iter().map(|e| Ok((output_name(&e.0, names), scope.named(e)?))).collect::<Result<_, Error>>()?;
    let mut exprs = Vec::new();
    for name in names_of(&df) {
        match new.iter().position(|(n, _)| *n == name) {
            Some(i) => exprs.push(new.remove(i).1),
            None => exprs.push(column(&name)),
        }
    }
    exprs.extend(new.into_iter().map(|(_, e)| e));
    df.select(exprs).map_err(|e| datafusion_error("adding columns", e))
}

/// The aggregates of a group-by (or, without keys, of a select): each
/// aggregate function is computed once under a hidden name, then the
/// expressions around them are evaluated over the groups.
fn aggregate(df: DataFrame, keys: &[Expr], aggs: &[Expr], names: &Names) -> Result<DataFrame, Error> {
    let scope = Scope { names, schema: df.schema(), overrides: &[] };
    let mut hidden = Hidden { aggregates: Vec::new(), overrides: Vec::new(), scope: &scope };
    let finals: Vec<(String, Node)> = aggs
        .iter()
        .map(|e| Ok((output_name(&e.0, names), hidden.rewrite(&e.0)?)))
        .collect::<Result<_, Error>>()?;
    let key_exprs = keys.iter().map(|k| scope.named(k)).collect::<Result<Vec<_>, _>>()?;
    let key_names: Vec<String> = keys.iter().map(|k| output_name(&k.0, names)).collect();
    let (aggregates, overrides) = (hidden.aggregates, hidden.overrides);
    let grouped = df.aggregate(key_exprs, aggregates).map_err(|e| datafusion_error("aggregating", e))?;
    let after = Scope { names, schema: grouped.schema(), overrides: &overrides };
    let mut out: Vec<Df> = key_names.iter().map(|k| column(k)).collect();
    for (name, n) in &finals {
        out.push(after.node(n)?.alias(name.as_str()));
    }
    grouped.select(out).map_err(|e| datafusion_error("aggregating", e))
}

/// Aggregate functions lifted out of expressions under hidden names, and
/// what each hidden name stands for afterwards (polars' result types).
struct Hidden<'a> {
    aggregates: Vec<Df>,
    overrides: Vec<(String, Df)>,
    scope: &'a Scope<'a>,
}

impl Hidden<'_> {
    /// A hidden column computing `e`; its node.
    fn push(&mut self, e: Df) -> (String, Node) {
        let name = format!("__parquetframe_agg{}", self.aggregates.len() + self.overrides.len());
        self.aggregates.push(e.alias(name.as_str()));
        (name.clone(), Node::Column { entity: None, name })
    }

    /// A hidden name standing for `e` (over other hidden columns).
    fn stand_for(&mut self, e: Df) -> Node {
        let name = format!("__parquetframe_agg{}", self.aggregates.len() + self.overrides.len());
        self.overrides.push((name.clone(), e));
        Node::Column { entity: None, name }
    }

    /// `n` with its aggregates replaced by hidden columns; a column outside
    /// any aggregate has no single value per group.
    fn rewrite(&mut self, n: &Node) -> Result<Node, Error> {
        Ok(match n {
            Node::Len => {
                let (name, _) = self.push(count(lit(1i64)));
                self.stand_for(cast(column(&name), DataType::UInt32))
            }
            Node::Agg { op, expr } => {
                let input = self.scope.node(expr)?;
                let input_type = input.get_type(self.scope.schema).ok();
                match op {
                    AggOp::Sum => {
                        let (name, node) = self.push(sum(input));
                        // polars keeps 32-bit integer sums in their type.
                        match input_type {
                            Some(t @ (DataType::Int32 | DataType::UInt32)) => {
                                self.stand_for(cast(column(&name), t))
                            }
                            _ => node,
                        }
                    }
                    AggOp::Mean => self.push(avg(input)).1,
                    AggOp::Min => self.push(min(input)).1,
                    AggOp::Max => self.push(max(input)).1,
                    AggOp::Count => {
                        let (name, _) = self.push(count(input));
                        self.stand_for(cast(column(&name), DataType::UInt32))
                    }
                    AggOp::NUnique => {
                        // polars counts null as one more value.
                        let (distinct, _) = self.push(count_distinct(input.clone()));
                        let (all, _) = self.push(count(lit(1i64)));
                        let (present, _) = self.push(count(input));
                        let null = cast(column(&all).gt(column(&present)), DataType::Int64);
                        self.stand_for(cast(column(&distinct) + null, DataType::UInt32))
                    }
                    AggOp::CountDistinct => {
                        let (name, _) = self.push(count_distinct(input));
                        self.stand_for(cast(column(&name), DataType::UInt32))
                    }
                    AggOp::First => self.push(first_value(input, Vec::new())).1,
                    AggOp::Last => self.push(last_value(input, Vec::new())).1,
                }
            }
            Node::Column { name, .. } => {
                return Err(unsupported(format!(
                    "aggregates only: column `{name}` appears outside an aggregate function (polars would \
                     make a list per group)"
                )));
            }
            Node::Alias { expr, .. } => self.rewrite(expr)?,
            other => other.map_children(|c| self.rewrite(c))?,
        })
    }
}

/// A join as polars does it: the right key columns merge into the left's
/// (coalesced in a full join), and right columns named like left ones are
/// renamed `Entity.column` (typed joins) or `column_right`.
fn join(left: DataFrame, right: DataFrame, j: &Join, names: &mut Names) -> Result<DataFrame, Error> {
    let left_names = names_of(&left);
    let right_names = names_of(&right);
    // Right columns under temporary names, so no name is on both sides.
    let temp = |i: usize| format!("__parquetframe_r{i}");
    let right = right
        .select(right_names.iter().enumerate().map(|(i, n)| column(n).alias(temp(i))).collect::<Vec<_>>())
        .map_err(|e| datafusion_error("joining", e))?;
    // A typed join's left key is a column of its entity: after earlier
    // joins it may have been renamed `Entity.column`.
    let left_on: Vec<String> = match j.entities {
        Some((left_entity, _)) => j.left_on.iter().map(|c| names.resolve(Some(left_entity), c)).collect(),
        None => j.left_on.clone(),
    };
    let mut on = Vec::with_capacity(left_on.len());
    for (l, r) in left_on.iter().zip(&j.right_on) {
        let i = right_names
            .iter()
            .position(|n| n == r)
            .ok_or_else(|| datafusion_error("joining", format!("the joined side has no key column `{r}`")))?;
        on.push(column(l).eq(column(&temp(i))));
    }
    let how = match j.kind {
        JoinKind::Inner => JoinType::Inner,
        JoinKind::Left => JoinType::Left,
        JoinKind::Full => JoinType::Full,
        JoinKind::Semi => JoinType::LeftSemi,
        JoinKind::Anti => JoinType::LeftAnti,
    };
    let joined = left.join_on(right, how, on).map_err(|e| datafusion_error("joining", e))?;
    if matches!(j.kind, JoinKind::Semi | JoinKind::Anti) {
        return Ok(joined);
    }
    let mut out: Vec<Df> = Vec::with_capacity(left_names.len() + right_names.len());
    for name in &left_names {
        let key = left_on.iter().position(|l| l == name);
        out.push(match key {
            Some(k) if j.kind == JoinKind::Full => {
                let right_key = j.right_on.get(k);
                match right_names.iter().position(|n| Some(n) == right_key) {
                    Some(i) => coalesce(vec![column(name), column(&temp(i))]).alias(name.as_str()),
                    None => column(name),
                }
            }
            _ => column(name),
        });
    }
    for (i, name) in right_names.iter().enumerate() {
        if let Some(k) = j.right_on.iter().position(|r| r == name) {
            if let (Some((_, right_entity)), Some(left_key)) = (j.entities, left_on.get(k)) {
                names.map.insert((right_entity, name.clone()), left_key.clone());
            }
            continue;
        }
        let clash = left_names.contains(name);
        let final_name = match (clash, j.entities) {
            (false, _) => name.clone(),
            (true, Some((_, right_entity))) => {
                let renamed = format!("{right_entity}.{name}");
                names.map.insert((right_entity, name.clone()), renamed.clone());
                renamed
            }
            (true, None) => format!("{name}_right"),
        };
        out.push(column(&temp(i)).alias(final_name));
    }
    if let Some((left_entity, _)) = j.entities {
        for name in &left_names {
            names.map.entry((left_entity, name.clone())).or_insert_with(|| name.clone());
        }
    }
    joined.select(out).map_err(|e| datafusion_error("joining", e))
}
