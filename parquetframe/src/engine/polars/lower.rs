//! The engine-neutral plan lowered to a polars `LazyFrame`: the input's
//! scan, then each operation as polars expressions (the twin of
//! `distributed/lower.rs`, which lowers the same plan to DataFusion).

use polars::prelude::{self as pl, JoinArgs, JoinType, LazyFrame, NamedFrom, SortMultipleOptions};

use super::codes;
use super::preagg::{PreAggregation, final_keys};
use crate::engine::expr::{AggOp, BinaryOp, Expr, Func, Literal, Node, ScalarType, StrOp, epoch_days};
pub(crate) use crate::engine::plan::Names;
use crate::engine::plan::{JoinKind, Op, Resolved};
use crate::engine::{Engine, Settings, polars_error};
use crate::error::{Error, QueryError};

impl Resolved<'_> {
    /// The polars plan for `engine`.
    pub fn lazy(&self, engine: Engine, settings: &Settings) -> Result<LazyFrame, Error> {
        let needed = self.plan.needed_columns();
        let pruning = self.plan.pruning(self.input.entity_name());
        let mut lf = self.input.lazy(engine, needed.as_deref(), &pruning, settings)?;
        // The memory engine's cached frames carry hidden dictionary codes.
        let coded = if engine == Engine::Memory { codes::coded(&mut lf)? } else { Vec::new() };
        let mut group_by_codes = if coded.is_empty() {
            None
        } else {
            codes::group_by_at(&self.plan.ops, &coded, |c| self.input.dictionary(c))
        };
        if group_by_codes.is_none() {
            lf = codes::hide(lf, &coded);
        }
        let mut names = Names::default();
        let mut joins = self.joins.iter();
        let mut ops = self.plan.ops.iter().enumerate().peekable();
        while let Some((i, op)) = ops.next() {
            lf = match op {
                Op::GroupBy { keys, aggs } if group_by_codes.as_ref().is_some_and(|(at, _)| *at == i) => {
                    let dictionaries = group_by_codes.take().map(|(_, d)| d).unwrap_or_default();
                    codes::group_by(lf, keys, aggs, &names, dictionaries)?
                }
                Op::Filter(e) if e.0.has_subquery() => {
                    super::subplan::filter(lf, e, &names, engine, settings)?
                }
                Op::Filter(e) => lf.filter(lower(e, &names)?),
                Op::Select(es) => lf.select(lower_all(es, &names)?),
                Op::WithColumns(es) => lf.with_columns(lower_all(es, &names)?),
                Op::GroupBy { keys, aggs } => {
                    lf.group_by(lower_all(keys, &names)?).agg(lower_all(aggs, &names)?)
                }
                Op::Sort(keys) => {
                    let exprs = keys.iter().map(|k| lower(&k.expr, &names)).collect::<Result<Vec<_>, _>>()?;
                    let options = SortMultipleOptions::default()
                        .with_order_descending_multi(keys.iter().map(|k| k.descending))
                        .with_nulls_last_multi(keys.iter().map(|k| k.nulls_last))
                        .with_maintain_order(true);
                    lf.sort_by_exprs(exprs, options)
                }
                Op::Distinct => lf.unique_stable(None, pl::UniqueKeepStrategy::First),
                Op::Slice { offset, len } => lf.slice(
                    i64::try_from(*offset).unwrap_or(i64::MAX),
                    len.map_or(pl::IdxSize::MAX, |l| pl::IdxSize::try_from(l).unwrap_or(pl::IdxSize::MAX)),
                ),
                Op::Join(j) => {
                    let Some(right) = joins.next() else {
                        return Err(polars_error("planning a join", "the joined input was not resolved"));
                    };
                    let mut rlf = right.lazy(engine, settings)?;
                    let mut pre = None;
                    // A typed join's left key is a column of its entity: after
                    // earlier joins it may have been renamed `Entity.column`.
                    let left_keys: Vec<String> = match j.entities {
                        Some((left_entity, _)) => {
                            j.left_on.iter().map(|c| names.resolve(Some(left_entity), c)).collect()
                        }
                        None => j.left_on.clone(),
                    };
                    if let Some((left_entity, right_entity)) = j.entities {
                        let left_schema = lf.collect_schema().map_err(|e| polars_error("joining", e))?;
                        if settings.pre_aggregate {
                            pre = PreAggregation::plan(j, ops.peek().map(|(_, op)| *op));
                        }
                        if let Some(p) = &pre {
                            lf = p.apply(lf);
                        }
                        let right_schema = rlf.collect_schema().map_err(|e| polars_error("joining", e))?;
                        let mut old = Vec::new();
                        let mut new = Vec::new();
                        for name in right_schema.iter_names() {
                            let name = name.to_string();
                            let key = j.right_on.iter().position(|r| *r == name);
                            if let Some(k) = key {
                                // The right key is merged into the left key.
                                names.map.insert((right_entity, name), left_keys[k].clone());
                            } else if left_schema.contains(&name) {
                                let renamed = format!("{right_entity}.{name}");
                                names.map.insert((right_entity, name.clone()), renamed.clone());
                                old.push(name);
                                new.push(renamed);
                            }
                        }
                        for name in left_schema.iter_names() {
                            names
                                .map
                                .entry((left_entity, name.to_string()))
                                .or_insert_with(|| name.to_string());
                        }
                        if !old.is_empty() {
                            rlf = rlf.rename(old, new, true);
                        }
                    }
                    let how = match j.kind {
                        JoinKind::Inner => JoinType::Inner,
                        JoinKind::Left => JoinType::Left,
                        JoinKind::Full => JoinType::Full,
                        JoinKind::Semi => JoinType::Semi,
                        JoinKind::Anti => JoinType::Anti,
                    };
                    let left_on: Vec<pl::Expr> = left_keys.iter().map(|c| pl::col(c.as_str())).collect();
                    let right_on: Vec<pl::Expr> = j.right_on.iter().map(|c| pl::col(c.as_str())).collect();
                    let mut args = JoinArgs::new(how);
                    if j.kind == JoinKind::Full {
                        args = args.with_coalesce(pl::JoinCoalesce::CoalesceColumns);
                    }
                    let joined = lf.join(rlf, left_on, right_on, args);
                    match pre {
                        Some(p) => {
                            let keys = final_keys(ops.next().map(|(_, op)| op), &names)?;
                            joined.group_by(keys).agg(p.combined())
                        }
                        None => joined,
                    }
                }
            };
        }
        Ok(lf)
    }
}

pub(crate) fn lower_all(es: &[Expr], names: &Names) -> Result<Vec<pl::Expr>, Error> {
    es.iter().map(|e| lower(e, names)).collect()
}

/// An expression as a polars expression.
pub(crate) fn lower(e: &Expr, names: &Names) -> Result<pl::Expr, Error> {
    lower_node(&e.0, names)
}

fn lower_node(n: &Node, names: &Names) -> Result<pl::Expr, Error> {
    Ok(match n {
        Node::Column { entity, name } => pl::col(names.resolve(*entity, name).as_str()),
        Node::Literal(l) => literal(l),
        Node::Binary { op, left, right } => {
            let (l, r) = (lower_node(left, names)?, lower_node(right, names)?);
            match op {
                BinaryOp::Eq => l.eq(r),
                BinaryOp::NotEq => l.neq(r),
                BinaryOp::Gt => l.gt(r),
                BinaryOp::GtEq => l.gt_eq(r),
                BinaryOp::Lt => l.lt(r),
                BinaryOp::LtEq => l.lt_eq(r),
                BinaryOp::And => l.and(r),
                BinaryOp::Or => l.or(r),
                BinaryOp::Add => l + r,
                BinaryOp::Sub => l - r,
                BinaryOp::Mul => l * r,
                BinaryOp::Div => l / r,
            }
        }
        Node::Not(e) => lower_node(e, names)?.not(),
        Node::IsNull { expr, negated: false } => lower_node(expr, names)?.is_null(),
        Node::IsNull { expr, negated: true } => lower_node(expr, names)?.is_not_null(),
        // A few values are compared one by one: polars tests `is_in` through
        // a hash set, hashing every row's value (a quarter of Q12's time on
        // its 6 million strings), where two or three comparisons are cheap.
        Node::IsIn { expr, values }
            if (1..=FEW_VALUES).contains(&values.len()) && !values.contains(&Literal::Null) =>
        {
            let e = lower_node(expr, names)?;
            let mut equal = values.iter().map(|v| e.clone().eq(literal(v)));
            let first = equal.next().ok_or_else(|| polars_error("lowering IN", "no values"))?;
            equal.fold(first, pl::Expr::or)
        }
        Node::IsIn { expr, values } => {
            lower_node(expr, names)?.is_in(pl::lit(series(values)?).implode(false), false)
        }
        Node::Str { op, expr, pattern } => {
            let e = lower_node(expr, names)?.str();
            let p = pl::lit(pattern.as_str());
            match op {
                StrOp::StartsWith => e.starts_with(p),
                StrOp::EndsWith => e.ends_with(p),
                StrOp::Contains => e.contains_literal(p),
            }
        }
        Node::Agg { op, expr } => {
            let e = lower_node(expr, names)?;
            match op {
                AggOp::Sum => e.sum(),
                AggOp::Mean => e.mean(),
                AggOp::Min => e.min(),
                AggOp::Max => e.max(),
                AggOp::Count => e.count(),
                AggOp::NUnique => e.n_unique(),
                AggOp::CountDistinct => e.drop_nulls().n_unique(),
                AggOp::First => e.first(),
                AggOp::Last => e.last(),
            }
        }
        Node::Len => pl::len(),
        Node::Subquery(sub) => {
            return Err(polars_error("lowering a query", format!("the subquery {sub} was not run first")));
        }
        Node::Alias { expr, name } => lower_node(expr, names)?.alias(name.as_str()),
        Node::Neg(e) => -lower_node(e, names)?,
        Node::Like { expr, pattern, negated } => {
            let matches = lower_node(expr, names)?.str().contains(pl::lit(like_regex(pattern)), true);
            if *negated { matches.not() } else { matches }
        }
        Node::Substring { expr, start, len } => {
            let start = i64::try_from(*start).unwrap_or(i64::MAX);
            lower_node(expr, names)?.str().slice(pl::lit(start), pl::lit(*len))
        }
        Node::Func { func, expr } => {
            let e = lower_node(expr, names)?;
            match func {
                Func::Upper => e.str().to_uppercase(),
                Func::Lower => e.str().to_lowercase(),
                // polars' month and day are Int8; every engine answers Int32.
                Func::Year => e.dt().year(),
                Func::Month => e.dt().month().cast(pl::DataType::Int32),
                Func::Day => e.dt().day().cast(pl::DataType::Int32),
            }
        }
        Node::Cast { expr, to } => lower_node(expr, names)?.strict_cast(data_type(*to)),
        Node::Shift { expr, by } => {
            if by.months_part() != 0 {
                return Err(QueryError::Unavailable {
                    engine: "polars",
                    message: format!(
                        "cannot yet move a column by calendar months (`{}`): only literal dates move by \
                         months on the polars engines; use days, or Engine::DataFusion / Engine::Distributed",
                        Expr(n.clone())
                    ),
                }
                .into());
            }
            // polars holds durations in microseconds of an i64: about 290,000 years.
            let days = by.days_part();
            if days.unsigned_abs() > 100_000_000 {
                return Err(polars_error("moving dates", format!("{by} is beyond the calendar")));
            }
            lower_node(expr, names)? + pl::lit(chrono::TimeDelta::days(i64::from(days)))
        }
        Node::Case { branches, otherwise } => {
            let mut lowered =
                branches.iter().map(|(w, t)| Ok::<_, Error>((lower_node(w, names)?, lower_node(t, names)?)));
            let Some(first) = lowered.next() else {
                return lower_node(otherwise, names);
            };
            let (w, t) = first?;
            let otherwise = lower_node(otherwise, names)?;
            let Some(second) = lowered.next() else {
                return Ok(pl::when(w).then(t).otherwise(otherwise));
            };
            let (w2, t2) = second?;
            let mut chain = pl::when(w).then(t).when(w2).then(t2);
            for branch in lowered {
                let (w, t) = branch?;
                chain = chain.when(w).then(t);
            }
            chain.otherwise(otherwise)
        }
    })
}

/// A SQL `LIKE` pattern as an anchored regular expression.
/// A SQL `LIKE` pattern as an anchored regular expression; `\` escapes
/// the character after it (`\%` is a percent sign), as in DataFusion and
/// polars SQL.
fn like_regex(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    out.push_str("(?s)^");
    let mut literal = [0u8; 4];
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => out.push_str(".*"),
            '_' => out.push('.'),
            '\\' => {
                // A trailing backslash stands for itself.
                let escaped = chars.next().unwrap_or('\\');
                out.push_str(&regex_syntax_escape(escaped.encode_utf8(&mut literal)));
            }
            c => out.push_str(&regex_syntax_escape(c.encode_utf8(&mut literal))),
        }
    }
    out.push('$');
    out
}

fn regex_syntax_escape(s: &str) -> String {
    s.chars().fold(String::new(), |mut out, c| {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
        out
    })
}

pub(crate) fn data_type(t: ScalarType) -> pl::DataType {
    match t {
        ScalarType::Bool => pl::DataType::Boolean,
        ScalarType::Int8 => pl::DataType::Int8,
        ScalarType::Int16 => pl::DataType::Int16,
        ScalarType::Int32 => pl::DataType::Int32,
        ScalarType::Int64 => pl::DataType::Int64,
        ScalarType::UInt8 => pl::DataType::UInt8,
        ScalarType::UInt16 => pl::DataType::UInt16,
        ScalarType::UInt32 => pl::DataType::UInt32,
        ScalarType::UInt64 => pl::DataType::UInt64,
        ScalarType::Float32 => pl::DataType::Float32,
        ScalarType::Float64 => pl::DataType::Float64,
        ScalarType::Str => pl::DataType::String,
        ScalarType::Decimal { precision, scale } => pl::DataType::Decimal(precision.into(), scale.into()),
        ScalarType::Date => pl::DataType::Date,
        ScalarType::Timestamp { utc } => timestamp_type(utc),
    }
}

fn timestamp_type(utc: bool) -> pl::DataType {
    pl::DataType::Datetime(pl::TimeUnit::Microseconds, utc.then_some(pl::TimeZone::UTC))
}

fn literal(l: &Literal) -> pl::Expr {
    match l {
        Literal::Null => pl::lit(pl::Null {}),
        Literal::Bool(v) => pl::lit(*v),
        Literal::Int(v) => pl::lit(*v),
        Literal::UInt(v) => pl::lit(*v),
        Literal::Float(v) => pl::lit(*v),
        Literal::Str(v) => pl::lit(v.as_str()),
        // polars' own `lit(NaiveDate)` is a datetime: every date compared with
        // it would be cast per row, and the scan could not test it against
        // row-group statistics or push it into the Parquet decoder.
        Literal::Date(d) => pl::lit(pl::Scalar::new(
            pl::DataType::Date,
            pl::AnyValue::Date(epoch_days(*d).unwrap_or(i32::MAX)),
        )),
        Literal::Decimal { value, scale } => {
            let scale = *scale as usize;
            pl::lit(pl::Scalar::new(
                pl::DataType::Decimal(38, scale),
                pl::AnyValue::Decimal(*value, 38, scale),
            ))
        }
        Literal::Timestamp { micros, utc } => pl::lit(*micros).cast(timestamp_type(*utc)),
    }
}

/// Up to this many `IN` values are tested as equalities.
const FEW_VALUES: usize = 4;

/// The values of an `is_in` as one series.
fn series(values: &[Literal]) -> Result<pl::Series, Error> {
    let name = pl::PlSmallStr::from_static("values");
    let first = values.iter().find(|v| **v != Literal::Null);
    let mismatch = |what: &str| polars_error("building an is_in list", format!("mixed value types: {what}"));
    macro_rules! collect {
        ($variant:ident, $t:ty) => {
            values
                .iter()
                .map(|v| match v {
                    Literal::Null => Ok(None),
                    Literal::$variant(x) => Ok(Some(x.clone() as $t)),
                    other => Err(mismatch(&other.to_string())),
                })
                .collect::<Result<Vec<Option<$t>>, Error>>()?
        };
    }
    Ok(match first {
        None => pl::Series::new_null(name, values.len()),
        Some(Literal::Bool(_)) => pl::Series::new(name, collect!(Bool, bool)),
        Some(Literal::Int(_)) => pl::Series::new(name, collect!(Int, i64)),
        Some(Literal::UInt(_)) => pl::Series::new(name, collect!(UInt, u64)),
        Some(Literal::Float(_)) => pl::Series::new(name, collect!(Float, f64)),
        Some(Literal::Str(_)) => pl::Series::new(name, collect!(Str, String)),
        Some(Literal::Date(_)) => {
            let days = values
                .iter()
                .map(|v| match v {
                    Literal::Null => Ok(None),
                    Literal::Date(d) => Ok(Some(epoch_days(*d).unwrap_or(i32::MAX))),
                    other => Err(mismatch(&other.to_string())),
                })
                .collect::<Result<Vec<Option<i32>>, Error>>()?;
            pl::Series::new(name, days)
                .cast(&pl::DataType::Date)
                .map_err(|e| polars_error("building an is_in list", e))?
        }
        Some(Literal::Timestamp { utc, .. }) => {
            let utc = *utc;
            let micros = values
                .iter()
                .map(|v| match v {
                    Literal::Null => Ok(None),
                    Literal::Timestamp { micros, .. } => Ok(Some(*micros)),
                    other => Err(mismatch(&other.to_string())),
                })
                .collect::<Result<Vec<Option<i64>>, Error>>()?;
            pl::Series::new(name, micros)
                .cast(&timestamp_type(utc))
                .map_err(|e| polars_error("building an is_in list", e))?
        }
        Some(Literal::Decimal { .. }) => {
            let scale = values
                .iter()
                .map(|v| match v {
                    Literal::Decimal { scale, .. } => *scale as usize,
                    _ => 0,
                })
                .max()
                .unwrap_or(0);
            let dtype = pl::DataType::Decimal(38, scale);
            let any = values
                .iter()
                .map(|v| match v {
                    Literal::Null => Ok(pl::AnyValue::Null),
                    Literal::Decimal { value, scale: s } => {
                        let up = 10i128.checked_pow(u32::try_from(scale - *s as usize).unwrap_or(u32::MAX));
                        let scaled = up.and_then(|u| value.checked_mul(u));
                        scaled
                            .map(|v| pl::AnyValue::Decimal(v, 38, scale))
                            .ok_or_else(|| mismatch("a decimal too large"))
                    }
                    other => Err(mismatch(&other.to_string())),
                })
                .collect::<Result<Vec<_>, Error>>()?;
            pl::Series::from_any_values_and_dtype(name, &any, &dtype, true)
                .map_err(|e| polars_error("building an is_in list", e))?
        }
        Some(Literal::Null) => pl::Series::new_null(name, values.len()),
    })
}

#[cfg(test)]
mod tests {
    use super::like_regex;

    #[test]
    fn like_patterns_become_anchored_regexes_with_sql_escapes() {
        assert_eq!(like_regex("PROMO%"), "(?s)^PROMO.*$");
        assert_eq!(like_regex("a_c.d"), "(?s)^a.c\\.d$");
        // `\%` is a percent sign, `\\` a backslash, a trailing `\` itself.
        assert_eq!(like_regex("100\\%"), "(?s)^100%$");
        assert_eq!(like_regex("a\\\\b\\"), "(?s)^a\\\\b\\\\$");
    }
}
