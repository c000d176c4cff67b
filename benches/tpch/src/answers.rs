//! The reference answers (DuckDB's, committed as CSV under `answers/`) and
//! the comparison of a result with them: same columns in the same order,
//! same rows in the same order, text and dates equal, numbers equal within
//! a relative 1e-9 (floating sums added in another order differ in their
//! last bits; nothing else may differ).

use std::path::{Path, PathBuf};

use parquetframe::polars::prelude::{AnyValue, DataFrame};

/// Relative tolerance of numbers.
const TOLERANCE: f64 = 1e-9;

/// A reference answer: column names and rows of text.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Rows, each a value per column as DuckDB printed it (`NULL` as empty).
    pub rows: Vec<Vec<String>>,
}

/// The directory of the answers at scale factor `sf` (`answers/sf0.1`).
pub fn dir(sf: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("answers").join(format!("sf{sf}"))
}

/// Reads query `number`'s answer from `dir`.
pub fn read(dir: &Path, number: u8) -> Result<Answer, String> {
    let path = dir.join(format!("q{number:02}.csv"));
    let mut reader = csv::Reader::from_path(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let columns =
        reader.headers().map_err(|e| format!("{}: {e}", path.display()))?.iter().map(str::to_owned).collect();
    let rows = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(str::to_owned).collect()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Answer { columns, rows })
}

/// One value of a result as text (dates ISO, numbers as Rust prints them).
fn text(value: &AnyValue<'_>) -> String {
    match value {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => (*s).to_owned(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Date(days) => chrono::NaiveDate::from_num_days_from_ce_opt(days + 719_163)
            .map_or_else(|| days.to_string(), |d| d.format("%Y-%m-%d").to_string()),
        other => other.to_string(),
    }
}

fn number(value: &AnyValue<'_>) -> Option<f64> {
    value.extract::<f64>()
}

/// Whether `got` (a result's value) matches `want` (the answer's text).
fn same(got: &AnyValue<'_>, want: &str) -> bool {
    if let (Some(g), Ok(w)) = (number(got), want.parse::<f64>())
        && !matches!(got, AnyValue::String(_) | AnyValue::StringOwned(_))
    {
        return g == w || (g - w).abs() <= TOLERANCE * w.abs().max(g.abs());
    }
    text(got) == want
}

/// A column name without table qualifiers: engines name an unaliased
/// `sum(l_quantity)` their own way (DataFusion `sum(lineitem.l_quantity)`).
fn unqualified(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c == '.' {
            let keep = out.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_').len();
            out.truncate(keep);
        } else {
            out.push(c);
        }
    }
    out
}

/// Compares `result` with `answer`; the error names the first difference.
pub fn check(result: &DataFrame, answer: &Answer) -> Result<(), String> {
    let names: Vec<String> = result.get_column_names().iter().map(|n| n.to_string()).collect();
    let same_names = names.len() == answer.columns.len()
        && names.iter().zip(&answer.columns).all(|(a, b)| unqualified(a) == unqualified(b));
    if !same_names {
        return Err(format!("columns {names:?}, expected {:?}", answer.columns));
    }
    if result.height() != answer.rows.len() {
        return Err(format!("{} rows, expected {}\n{result}", result.height(), answer.rows.len()));
    }
    for (i, want) in answer.rows.iter().enumerate() {
        for (column, want) in result.columns().iter().zip(want) {
            let got = column.get(i).map_err(|e| e.to_string())?;
            if !same(&got, want) {
                return Err(format!(
                    "row {i}, column `{}`: {} (as text `{}`), expected `{want}`\n{result}",
                    column.name(),
                    got,
                    text(&got)
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_compare_without_table_qualifiers() {
        assert_eq!(super::unqualified("sum(lineitem.l_quantity)"), "sum(l_quantity)");
        assert_eq!(super::unqualified("n1.n_name"), "n_name");
        assert_eq!(super::unqualified("revenue"), "revenue");
    }
}
