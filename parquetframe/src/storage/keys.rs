//! Sets of key values built from Arrow arrays, and probes against them: the
//! anti-join at the heart of foreign-key checks.
//!
//! Integer-like keys (integers, dates, times, timestamps) are compared by
//! their 64-bit value; a dense range uses a bitmap (one bit per possible
//! key), a sparse one a hash set. String and binary keys are compared by their
//! bytes, borrowed from the arrays. Composite keys (struct arrays of the key
//! columns) are compared by their rows in Arrow's row format; a key with a
//! null part is null. Parent and child columns have the same Arrow type (the
//! derive checks the Rust types), so the mapping agrees.

use std::collections::HashSet;

use std::hash::BuildHasher;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::*;
use arrow::row::{RowConverter, Rows, SortField};
use foldhash::fast::FixedState;
use hashbrown::HashTable;

/// How many sample keys reports and errors show.
pub(crate) const SAMPLES: usize = 5;

/// Whether key `row` of `array` is null: for a composite key (a struct
/// array), when the struct or any part of it is.
fn null_key(array: &dyn Array, row: usize) -> bool {
    match array.as_struct_opt() {
        Some(parts) => parts.is_null(row) || parts.columns().iter().any(|c| c.is_null(row)),
        None => array.is_null(row),
    }
}

/// How many keys of `array` are null ([`null_key`]).
fn null_keys(array: &dyn Array) -> usize {
    match array.as_struct_opt() {
        Some(_) => (0..array.len()).filter(|&row| null_key(array, row)).count(),
        None => array.null_count(),
    }
}

/// Calls `f(row, value)` for every non-null value of an integer-like array;
/// `false` when the array is not integer-like.
fn for_each_int(array: &dyn Array, mut f: impl FnMut(usize, i64)) -> bool {
    macro_rules! ints {
        ($($t:ty),*) => {$(
            if let Some(a) = array.as_primitive_opt::<$t>() {
                let values = a.values();
                if a.null_count() == 0 {
                    for (i, v) in values.iter().enumerate() {
                        f(i, *v as i64);
                    }
                } else {
                    for (i, v) in values.iter().enumerate() {
                        if a.is_valid(i) {
                            f(i, *v as i64);
                        }
                    }
                }
                return true;
            }
        )*};
    }
    ints!(
        Int64Type,
        Int32Type,
        Int16Type,
        Int8Type,
        UInt64Type,
        UInt32Type,
        UInt16Type,
        UInt8Type,
        Date32Type,
        Date64Type,
        TimestampMicrosecondType,
        TimestampMillisecondType,
        TimestampSecondType,
        TimestampNanosecondType,
        Time64MicrosecondType,
        Time64NanosecondType,
        Time32MillisecondType,
        Time32SecondType,
        DurationMicrosecondType
    );
    false
}

/// Calls `f(row, bytes)` for every non-null value of a string or binary
/// array; `false` when the array is neither.
fn for_each_bytes<'a>(array: &'a dyn Array, mut f: impl FnMut(usize, &'a [u8])) -> bool {
    macro_rules! each {
        ($a:expr) => {{
            let a = $a;
            for i in 0..a.len() {
                if a.is_valid(i) {
                    f(i, a.value(i).as_ref());
                }
            }
            return true;
        }};
    }
    match array.data_type() {
        DataType::Utf8 => each!(array.as_string::<i32>()),
        DataType::LargeUtf8 => each!(array.as_string::<i64>()),
        DataType::Utf8View => each!(array.as_string_view()),
        DataType::Binary => each!(array.as_binary::<i32>()),
        DataType::LargeBinary => each!(array.as_binary::<i64>()),
        DataType::BinaryView => each!(array.as_binary_view()),
        DataType::FixedSizeBinary(_) => each!(array.as_fixed_size_binary()),
        _ => false,
    }
}

enum Kind<'a> {
    /// Bit `k - min` is set for every key `k`.
    Dense {
        min: i64,
        bits: Vec<u64>,
    },
    Ints(HashSet<i64, FixedState>),
    Bytes(HashSet<&'a [u8], FixedState>),
    /// Composite keys: each array's rows, and (array, row) of every distinct key.
    Rows(RowSet),
}

/// Distinct composite keys, in Arrow's row format.
struct RowSet {
    converter: RowConverter,
    /// The converted key columns of each array of the set.
    rows: Vec<Rows>,
    /// Where each distinct key is in `rows`, hashed by its bytes.
    table: HashTable<(u32, u32)>,
    hasher: FixedState,
}

impl RowSet {
    /// The key columns of a struct array, and which rows have a null part.
    fn parts(array: &dyn Array) -> Option<(&[ArrayRef], Vec<bool>)> {
        let parts = array.as_struct_opt()?;
        Some((parts.columns(), (0..array.len()).map(|i| null_key(array, i)).collect()))
    }

    /// Converts `array` (a struct array of key columns of the set's types).
    fn convert(&self, array: &dyn Array) -> Option<(Rows, Vec<bool>)> {
        let (columns, null) = Self::parts(array)?;
        Some((self.converter.convert_columns(columns).ok()?, null))
    }

    fn contains(&self, row: &[u8]) -> bool {
        let hash = self.hasher.hash_one(row);
        self.table.find(hash, |(a, r)| self.rows[*a as usize].row(*r as usize).as_ref() == row).is_some()
    }
}

/// The distinct keys of some arrays.
pub(crate) struct KeySet<'a> {
    kind: Kind<'a>,
}

/// A key set and what building it found.
pub(crate) struct Built<'a> {
    pub set: KeySet<'a>,
    /// Non-null keys read.
    pub keys: usize,
    /// Keys seen more than once (each repeat counts).
    pub duplicates: usize,
    /// Some repeated keys, formatted.
    pub duplicate_sample: Vec<String>,
    /// Null keys (skipped).
    pub nulls: usize,
}

/// The Arrow type of `arrays` when it cannot be used as a key.
pub(crate) struct Unsupported(pub DataType);

impl Unsupported {
    /// The error naming the entity and column whose values these were.
    pub fn error(self, entity: &str, column: &str) -> crate::error::Error {
        crate::error::RelationError::KeyType {
            entity: entity.to_owned(),
            column: column.to_owned(),
            data_type: self.0,
        }
        .into()
    }
}

fn is_int_like(dt: &DataType) -> bool {
    dt.is_integer()
        || matches!(
            dt,
            DataType::Date32
                | DataType::Date64
                | DataType::Timestamp(_, _)
                | DataType::Time32(_)
                | DataType::Time64(_)
                | DataType::Duration(TimeUnit::Microsecond)
        )
}

fn sample(samples: &mut Vec<String>, array: &dyn Array, row: usize) {
    if samples.len() < SAMPLES {
        samples.push(format_value(array, row));
    }
}

/// One value of `array` as text, for messages.
pub(crate) fn format_value(array: &dyn Array, row: usize) -> String {
    arrow::util::display::array_value_to_string(array, row).unwrap_or_else(|_| format!("<row {row}>"))
}

impl<'a> KeySet<'a> {
    /// The set of every non-null value in `arrays` (all of one Arrow type).
    pub fn build(arrays: &'a [ArrayRef]) -> Result<Built<'a>, Unsupported> {
        let nulls = arrays.iter().map(|a| null_keys(a.as_ref())).sum();
        let keys = arrays.iter().map(|a| a.len()).sum::<usize>() - nulls;
        let mut duplicates = 0;
        let mut duplicate_sample = Vec::new();
        let Some(first) = arrays.first() else {
            return Ok(Built {
                set: KeySet { kind: Kind::Ints(HashSet::default()) },
                keys,
                duplicates,
                duplicate_sample,
                nulls,
            });
        };
        let dt = first.data_type().clone();
        if let Some(other) = arrays.iter().find(|a| a.data_type() != &dt) {
            return Err(Unsupported(other.data_type().clone()));
        }
        let kind = if let DataType::Struct(fields) = &dt {
            let sort = fields.iter().map(|f| SortField::new(f.data_type().clone())).collect();
            let converter = RowConverter::new(sort).map_err(|_| Unsupported(dt.clone()))?;
            let mut set = RowSet {
                converter,
                rows: Vec::with_capacity(arrays.len()),
                table: HashTable::with_capacity(keys),
                hasher: FixedState::default(),
            };
            for (index, a) in arrays.iter().enumerate() {
                let (rows, null) = set.convert(a.as_ref()).ok_or_else(|| Unsupported(dt.clone()))?;
                set.rows.push(rows);
                let rows = &set.rows[index];
                for (i, row) in rows.iter().enumerate() {
                    if null[i] {
                        continue;
                    }
                    let bytes = row.as_ref();
                    let hash = set.hasher.hash_one(bytes);
                    let found = set
                        .table
                        .find(hash, |(a, r)| set.rows[*a as usize].row(*r as usize).as_ref() == bytes);
                    if found.is_some() {
                        duplicates += 1;
                        sample(&mut duplicate_sample, a.as_ref(), i);
                    } else {
                        let (all, hasher) = (&set.rows, &set.hasher);
                        set.table.insert_unique(hash, (index as u32, i as u32), |(a, r)| {
                            hasher.hash_one(all[*a as usize].row(*r as usize).as_ref())
                        });
                    }
                }
            }
            Kind::Rows(set)
        } else if is_int_like(&dt) {
            let (mut min, mut max) = (i64::MAX, i64::MIN);
            for a in arrays {
                for_each_int(a.as_ref(), |_, v| {
                    min = min.min(v);
                    max = max.max(v);
                });
            }
            let range = (i128::from(max) - i128::from(min) + 1).max(0) as u128;
            if keys > 0 && range <= (64 * keys as u128).max(1 << 20) {
                let mut bits = vec![0u64; range.div_ceil(64) as usize];
                for a in arrays {
                    for_each_int(a.as_ref(), |i, v| {
                        let bit = (v.wrapping_sub(min)) as u64;
                        let word = &mut bits[(bit / 64) as usize];
                        let mask = 1u64 << (bit % 64);
                        if *word & mask != 0 {
                            duplicates += 1;
                            sample(&mut duplicate_sample, a.as_ref(), i);
                        }
                        *word |= mask;
                    });
                }
                Kind::Dense { min, bits }
            } else {
                let mut set = HashSet::with_capacity_and_hasher(keys, FixedState::default());
                for a in arrays {
                    for_each_int(a.as_ref(), |i, v| {
                        if !set.insert(v) {
                            duplicates += 1;
                            sample(&mut duplicate_sample, a.as_ref(), i);
                        }
                    });
                }
                Kind::Ints(set)
            }
        } else {
            let mut set = HashSet::with_capacity_and_hasher(keys, FixedState::default());
            for a in arrays {
                let supported = for_each_bytes(a.as_ref(), |i, v| {
                    if !set.insert(v) {
                        duplicates += 1;
                        sample(&mut duplicate_sample, a.as_ref(), i);
                    }
                });
                if !supported {
                    return Err(Unsupported(dt));
                }
            }
            Kind::Bytes(set)
        };
        Ok(Built { set: KeySet { kind }, keys, duplicates, duplicate_sample, nulls })
    }

    /// Calls `f(row, present)` for every non-null value of `array`: whether
    /// the value is in the set.
    pub fn probe(&self, array: &dyn Array, mut f: impl FnMut(usize, bool)) -> Result<(), Unsupported> {
        let supported = match &self.kind {
            Kind::Dense { min, bits } => for_each_int(array, |i, v| {
                let bit = v.wrapping_sub(*min) as u64;
                f(
                    i,
                    v >= *min && bits.get((bit / 64) as usize).is_some_and(|w| w & (1u64 << (bit % 64)) != 0),
                );
            }),
            // An empty set built from no arrays has no type: nothing is present.
            Kind::Ints(set) if set.is_empty() => {
                for i in (0..array.len()).filter(|&i| !null_key(array, i)) {
                    f(i, false);
                }
                true
            }
            Kind::Ints(set) => for_each_int(array, |i, v| f(i, set.contains(&v))),
            Kind::Bytes(set) => for_each_bytes(array, |i, v| f(i, set.contains(v))),
            Kind::Rows(set) => match set.convert(array) {
                Some((rows, null)) => {
                    for (i, row) in rows.iter().enumerate().filter(|(i, _)| !null[*i]) {
                        f(i, set.contains(row.as_ref()));
                    }
                    true
                }
                None => false,
            },
        };
        if supported { Ok(()) } else { Err(Unsupported(array.data_type().clone())) }
    }

    /// The rows of `array` whose value is in the set (`present`) or not.
    pub fn rows(&self, array: &dyn Array, present: bool) -> Result<Vec<u32>, Unsupported> {
        let mut out = Vec::new();
        self.probe(array, |i, p| {
            if p == present {
                out.push(i as u32);
            }
        })?;
        Ok(out)
    }
}

/// What probing some arrays against a key set found.
#[derive(Debug, Default, Clone)]
pub(crate) struct Probe {
    /// Non-null values not in the set.
    pub missing: usize,
    /// Some of them, formatted.
    pub sample: Vec<String>,
    /// Null values.
    pub nulls: usize,
    /// Values read (nulls included).
    pub rows: usize,
}

impl Probe {
    fn merge(mut self, other: Probe) -> Probe {
        self.missing += other.missing;
        self.nulls += other.nulls;
        self.rows += other.rows;
        for s in other.sample {
            if self.sample.len() < SAMPLES {
                self.sample.push(s);
            }
        }
        self
    }
}

/// Probes every array of `arrays` against `set`, in parallel.
pub(crate) fn probe_all(set: &KeySet<'_>, arrays: &[ArrayRef]) -> Result<Probe, Unsupported> {
    use rayon::prelude::*;
    arrays
        .par_iter()
        .map(|a| {
            let mut p = Probe { nulls: null_keys(a.as_ref()), rows: a.len(), ..Probe::default() };
            set.probe(a.as_ref(), |i, present| {
                if !present {
                    p.missing += 1;
                    sample(&mut p.sample, a.as_ref(), i);
                }
            })?;
            Ok(p)
        })
        .try_reduce(Probe::default, |a, b| Ok(a.merge(b)))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int32Array, Int64Array, StringArray, UInt64Array};

    use super::*;

    fn missing(set: &KeySet<'_>, a: &dyn Array) -> Vec<usize> {
        let mut out = Vec::new();
        set.probe(a, |i, present| {
            if !present {
                out.push(i)
            }
        })
        .ok()
        .expect("supported");
        out
    }

    #[test]
    fn dense_and_sparse_integers_find_the_same_orphans() {
        let dense: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(vec![1, 2, 3, 5]))];
        let sparse: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(vec![1, 2, 3, 5, i64::MAX / 2]))];
        let child = Int64Array::from(vec![Some(5), Some(4), None, Some(0), Some(1), Some(i64::MIN)]);
        let d = KeySet::build(&dense).ok().expect("ints");
        let s = KeySet::build(&sparse).ok().expect("ints");
        assert!(matches!(d.set.kind, Kind::Dense { .. }));
        assert!(matches!(s.set.kind, Kind::Ints(_)));
        assert_eq!(missing(&d.set, &child), vec![1, 3, 5]);
        assert_eq!(missing(&s.set, &child), vec![1, 3, 5]);
    }

    #[test]
    fn duplicates_are_counted_with_samples() {
        let keys: Vec<ArrayRef> =
            vec![Arc::new(Int32Array::from(vec![7, 8, 7])), Arc::new(Int32Array::from(vec![8, 9]))];
        let built = KeySet::build(&keys).ok().expect("ints");
        assert_eq!((built.keys, built.duplicates), (5, 2));
        assert_eq!(built.duplicate_sample, vec!["7", "8"]);
    }

    #[test]
    fn unsigned_and_string_keys() {
        let keys: Vec<ArrayRef> = vec![Arc::new(UInt64Array::from(vec![u64::MAX, 0]))];
        let built = KeySet::build(&keys).ok().expect("ints");
        assert_eq!(missing(&built.set, &UInt64Array::from(vec![u64::MAX, 1, 0])), vec![1]);
        let names: Vec<ArrayRef> = vec![Arc::new(StringArray::from(vec!["ada", "bob"]))];
        let built = KeySet::build(&names).ok().expect("strings");
        assert_eq!(missing(&built.set, &StringArray::from(vec![Some("bob"), None, Some("eve")])), vec![2]);
    }

    #[test]
    fn composite_keys_compare_every_column() {
        use crate::entity::primary_key::struct_of;
        let key = |a: Vec<i64>, b: Vec<Option<&str>>| {
            struct_of(&["a", "b"], vec![Arc::new(Int64Array::from(a)), Arc::new(StringArray::from(b))])
                .unwrap()
        };
        let stored =
            vec![key(vec![1, 1, 2], vec![Some("x"), Some("y"), Some("x")]), key(vec![1], vec![Some("y")])];
        let built = KeySet::build(&stored).ok().expect("struct keys");
        assert!(matches!(built.set.kind, Kind::Rows(_)));
        assert_eq!((built.keys, built.duplicates), (4, 1));
        assert_eq!(built.duplicate_sample, vec!["{a: 1, b: y}"]);
        // (2, y) and (3, x) mix parts of stored keys but are none of them; a
        // key with a null part is null, neither present nor missing.
        let probe = key(vec![2, 2, 3, 1, 1], vec![Some("x"), Some("y"), Some("x"), Some("x"), None]);
        assert_eq!(missing(&built.set, &probe), vec![1, 2]);
        assert_eq!(built.set.rows(&probe, true).ok().expect("rows"), vec![0, 3]);
        // Null parts count as null keys, also against an empty set.
        let probe_all = super::probe_all(&built.set, std::slice::from_ref(&probe)).ok().expect("probe");
        assert_eq!((probe_all.missing, probe_all.nulls, probe_all.rows), (2, 1, 5));
        let empty = KeySet::build(&[]).ok().expect("empty");
        assert_eq!(missing(&empty.set, &probe), vec![0, 1, 2, 3]);
        let with_null = key(vec![1, 2], vec![None, Some("x")]);
        let built = KeySet::build(std::slice::from_ref(&with_null)).ok().expect("null part");
        assert_eq!((built.keys, built.nulls), (1, 1));
        // Another shape is refused, not misread.
        let other = struct_of(&["a"], vec![Arc::new(Int64Array::from(vec![1]))]).unwrap();
        assert!(built.set.probe(&other, |_, _| {}).is_err());
        assert!(built.set.probe(&Int64Array::from(vec![1]), |_, _| {}).is_err());
    }

    #[test]
    fn unsupported_types_are_refused() {
        let keys: Vec<ArrayRef> = vec![Arc::new(arrow::array::Float64Array::from(vec![1.0]))];
        assert!(KeySet::build(&keys).is_err());
    }
}
