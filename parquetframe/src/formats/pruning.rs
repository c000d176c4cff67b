//! What a query's filter says of single columns, for skipping row groups
//! whose statistics rule out every row: the engines build it from the
//! plan's filters (`engine/pushdown.rs`), readers that fetch files
//! themselves (a store in a bucket) test each row group's min/max with it.
//!
//! Skipping is only ever an optimisation: the engine still applies the
//! whole filter to the rows read, so a condition this module cannot judge
//! (a type it cannot compare, missing statistics) keeps the row group.

use arrow::array::{Array, ArrayRef, BooleanArray, Scalar};
use arrow::compute::kernels::cmp;
use arrow::datatypes::DataType;

/// How a column compares with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// `column = value`
    Eq,
    /// `column > value`
    Gt,
    /// `column >= value`
    GtEq,
    /// `column < value`
    Lt,
    /// `column <= value`
    LtEq,
}

impl Compare {
    /// `value op column` written as `column op' value`.
    pub fn flipped(self) -> Self {
        match self {
            Compare::Eq => Compare::Eq,
            Compare::Gt => Compare::Lt,
            Compare::GtEq => Compare::LtEq,
            Compare::Lt => Compare::Gt,
            Compare::LtEq => Compare::GtEq,
        }
    }
}

/// One condition every selected row meets.
#[derive(Debug, Clone)]
pub enum Condition {
    /// `column op value`; `value` is an array of one non-null element.
    Compare {
        /// The column (of the entity's schema).
        column: String,
        /// The comparison.
        op: Compare,
        /// The value.
        value: ArrayRef,
    },
    /// `column IN (values)`; `values` holds no nulls.
    In {
        /// The column (of the entity's schema).
        column: String,
        /// The values.
        values: ArrayRef,
    },
}

impl Condition {
    /// The column the condition tests.
    pub fn column(&self) -> &str {
        match self {
            Condition::Compare { column, .. } | Condition::In { column, .. } => column,
        }
    }
}

/// Conditions that all hold for every selected row (a conjunction).
#[derive(Debug, Clone, Default)]
pub struct Pruning {
    /// The conditions.
    pub conditions: Vec<Condition>,
}

impl Pruning {
    /// No condition: every row group is read.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether there is nothing to test.
    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty()
    }
}

/// Which of the row groups whose `column` statistics are `mins` / `maxes`
/// (in the column's type, one element per row group, null when unknown) may
/// hold a row meeting `condition`. A condition whose value cannot be held
/// exactly in the column's type, or whose type does not compare, allows all.
pub(crate) fn allowed(condition: &Condition, mins: &ArrayRef, maxes: &ArrayRef) -> Option<Vec<bool>> {
    let column_type = mins.data_type();
    // NaN is larger than every number to polars but missing from Parquet's
    // statistics: a row group whose max is 3 may hold a NaN that `> 5` selects.
    let float = matches!(column_type, DataType::Float16 | DataType::Float32 | DataType::Float64);
    match condition {
        Condition::Compare { op, value, .. } => {
            let value = exact_in(value, column_type)?;
            let value = Scalar::new(value);
            // A row group is skipped when its statistics rule the value out.
            let ruled_out = match op {
                Compare::Eq => or(&cmp::gt(mins, &value).ok()?, &cmp::lt(maxes, &value).ok()?),
                Compare::Gt if float => return None,
                Compare::GtEq if float => return None,
                Compare::Gt => cmp::lt_eq(maxes, &value).ok()?,
                Compare::GtEq => cmp::lt(maxes, &value).ok()?,
                Compare::Lt => cmp::gt_eq(mins, &value).ok()?,
                Compare::LtEq => cmp::gt(mins, &value).ok()?,
            };
            Some(keep(&ruled_out))
        }
        Condition::In { values, .. } => {
            let values = exact_in(values, column_type)?;
            let mut any = vec![false; mins.len()];
            for i in 0..values.len() {
                let value = Scalar::new(values.slice(i, 1));
                let out = or(&cmp::gt(mins, &value).ok()?, &cmp::lt(maxes, &value).ok()?);
                for (a, k) in any.iter_mut().zip(keep(&out)) {
                    *a |= k;
                }
            }
            Some(any)
        }
    }
}

/// `value` in `to`, when every element converts there and back unchanged
/// (`2.5` is not an integer, `300` is not an `i8`).
fn exact_in(value: &ArrayRef, to: &DataType) -> Option<ArrayRef> {
    if value.data_type() == to {
        return Some(value.clone());
    }
    if !arrow::compute::can_cast_types(value.data_type(), to) {
        return None;
    }
    let converted = arrow::compute::cast(value, to).ok()?;
    if converted.null_count() > 0 {
        return None;
    }
    let back = arrow::compute::cast(&converted, value.data_type()).ok()?;
    (back.as_ref() == value.as_ref()).then_some(converted)
}

/// Elementwise `a OR b`, where a null (unknown statistics) rules nothing out.
fn or(a: &BooleanArray, b: &BooleanArray) -> BooleanArray {
    a.iter().zip(b.iter()).map(|(x, y)| Some(x == Some(true) || y == Some(true))).collect()
}

/// The row groups not ruled out.
fn keep(ruled_out: &BooleanArray) -> Vec<bool> {
    ruled_out.iter().map(|r| r != Some(true)).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Float64Array, Int32Array, Int64Array, StringArray};

    use super::*;

    fn compare(op: Compare, value: ArrayRef) -> Condition {
        Condition::Compare { column: "x".into(), op, value }
    }

    #[test]
    fn comparisons_skip_the_row_groups_their_statistics_rule_out() {
        // Three row groups: 0..=9, 10..=19, and one without statistics.
        let mins: ArrayRef = Arc::new(Int32Array::from(vec![Some(0), Some(10), None]));
        let maxes: ArrayRef = Arc::new(Int32Array::from(vec![Some(9), Some(19), None]));
        let v = |n: i64| -> ArrayRef { Arc::new(Int64Array::from(vec![n])) };
        let check = |c: Condition| allowed(&c, &mins, &maxes).unwrap();
        assert_eq!(check(compare(Compare::Eq, v(12))), [false, true, true]);
        assert_eq!(check(compare(Compare::Gt, v(9))), [false, true, true]);
        assert_eq!(check(compare(Compare::GtEq, v(9))), [true, true, true]);
        assert_eq!(check(compare(Compare::Lt, v(10))), [true, false, true]);
        assert_eq!(check(compare(Compare::LtEq, v(10))), [true, true, true]);
        assert_eq!(check(compare(Compare::Lt, v(0))), [false, false, true]);
        let list: ArrayRef = Arc::new(Int64Array::from(vec![25, 3]));
        assert_eq!(check(Condition::In { column: "x".into(), values: list }), [true, false, true]);
        // Out of the column's range, or not an integer: not judged.
        assert!(allowed(&compare(Compare::Eq, v(i64::MAX)), &mins, &maxes).is_none());
        let half: ArrayRef = Arc::new(Float64Array::from(vec![2.5]));
        assert!(allowed(&compare(Compare::Lt, half), &mins, &maxes).is_none());
    }

    #[test]
    fn floats_are_not_skipped_on_greater_than_for_nan() {
        let mins: ArrayRef = Arc::new(Float64Array::from(vec![0.0]));
        let maxes: ArrayRef = Arc::new(Float64Array::from(vec![3.0]));
        let five: ArrayRef = Arc::new(Float64Array::from(vec![5.0]));
        assert!(allowed(&compare(Compare::Gt, five.clone()), &mins, &maxes).is_none());
        assert_eq!(allowed(&compare(Compare::Eq, five), &mins, &maxes).unwrap(), [false]);
    }

    #[test]
    fn strings_compare_by_bytes() {
        let mins: ArrayRef = Arc::new(StringArray::from(vec!["apple", "melon"]));
        let maxes: ArrayRef = Arc::new(StringArray::from(vec!["kiwi", "zucchini"]));
        let pear: ArrayRef = Arc::new(StringArray::from(vec!["pear"]));
        assert_eq!(allowed(&compare(Compare::Eq, pear), &mins, &maxes).unwrap(), [false, true]);
    }
}
