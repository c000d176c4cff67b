//! Property tests: round trips of generated values, and no panic whatever a
//! batch holds.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow::array::*;
use arrow::datatypes::*;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use parquetframe::prelude::*;
use proptest::prelude::*;
use rust_decimal::Decimal;

#[derive(Record, Debug, Clone, PartialEq)]
pub struct Point {
    pub x: i32,
    pub label: Option<String>,
}

#[derive(Record, Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    A,
    B,
    C,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "gen/", primary_key = "id")]
pub struct Generated {
    pub id: u64,
    pub flag: Option<bool>,
    pub small: i8,
    pub f: f64,
    pub text: String,
    pub blob: Option<Vec<u8>>,
    pub list: Vec<Option<i16>>,
    pub nested: Vec<Vec<String>>,
    pub point: Option<Point>,
    pub points: Vec<Point>,
    pub kind: Kind,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub naive: NaiveDateTime,
    pub at: Option<DateTime<Utc>>,
    pub dur: TimeDelta,
    pub map: HashMap<String, Option<u32>>,
    pub tree: BTreeMap<i32, bool>,
    pub uuid: uuid::Uuid,
    #[entity(precision = 38, scale = 6)]
    pub amount: Decimal,
}

/// Microseconds within chrono's range (years -262143..=262142).
const MAX_MICROS: i64 = 8_210_266_876_799_999_999;

fn point() -> impl Strategy<Value = Point> {
    (any::<i32>(), proptest::option::of(".{0,8}")).prop_map(|(x, label)| Point { x, label })
}

fn generated() -> impl Strategy<Value = Generated> {
    let a = (
        any::<u64>(),
        any::<Option<bool>>(),
        any::<i8>(),
        any::<f64>().prop_filter("NaN != NaN", |f| !f.is_nan()),
        ".{0,20}",
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..8)),
        proptest::collection::vec(any::<Option<i16>>(), 0..5),
        proptest::collection::vec(proptest::collection::vec(".{0,3}", 0..3), 0..3),
        proptest::option::of(point()),
        proptest::collection::vec(point(), 0..3),
    );
    let b = (
        prop_oneof![Just(Kind::A), Just(Kind::B), Just(Kind::C)],
        (-95_000_000i32..95_000_000).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).expect("in range")),
        (0u32..86_400, 0u32..1_000_000)
            .prop_map(|(s, us)| NaiveTime::from_num_seconds_from_midnight_opt(s, us * 1000).expect("valid")),
        (-MAX_MICROS..MAX_MICROS)
            .prop_map(|us| DateTime::from_timestamp_micros(us).expect("in range").naive_utc()),
        proptest::option::of(
            (-MAX_MICROS..MAX_MICROS).prop_map(|us| DateTime::from_timestamp_micros(us).expect("in range")),
        ),
        any::<i64>().prop_map(TimeDelta::microseconds),
        proptest::collection::hash_map(".{0,4}", any::<Option<u32>>(), 0..4),
        proptest::collection::btree_map(any::<i32>(), any::<bool>(), 0..4),
        any::<u128>().prop_map(uuid::Uuid::from_u128),
        (any::<i64>(), 0u32..=6).prop_map(|(m, s)| Decimal::new(m, s)),
    );
    (a, b).prop_map(
        |(
            (id, flag, small, f, text, blob, list, nested, point, points),
            (kind, date, time, naive, at, dur, map, tree, uuid, amount),
        )| {
            Generated {
                id,
                flag,
                small,
                f,
                text,
                blob,
                list,
                nested,
                point,
                points,
                kind,
                date,
                time,
                naive,
                at,
                dur,
                map,
                tree,
                uuid,
                amount,
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn generated_rows_round_trip(rows in proptest::collection::vec(generated(), 0..20)) {
        let batch = Generated::to_record_batch(&rows).expect("encodes");
        let back = Generated::from_record_batch(&batch).expect("decodes");
        prop_assert_eq!(back, rows);
    }
}

// ---- arbitrary batches never panic ------------------------------------------

/// A random array of a random type and length, with random nulls and extreme values.
fn any_array(len: usize) -> impl Strategy<Value = ArrayRef> {
    let nulls = proptest::collection::vec(any::<bool>(), len);
    let ints = proptest::collection::vec(any::<i64>(), len);
    (0u8..22, ints, nulls, ".{0,6}").prop_map(move |(kind, ints, valid, s)| {
        let opt = |v: i64, i: usize| if valid[i] { Some(v) } else { None };
        let values: Vec<Option<i64>> = ints.iter().enumerate().map(|(i, v)| opt(*v, i)).collect();
        let array: ArrayRef = match kind {
            0 => Arc::new(Int64Array::from(values)),
            1 => Arc::new(Int32Array::from(values.iter().map(|v| v.map(|v| v as i32)).collect::<Vec<_>>())),
            2 => Arc::new(Int8Array::from(values.iter().map(|v| v.map(|v| v as i8)).collect::<Vec<_>>())),
            3 => Arc::new(UInt64Array::from(values.iter().map(|v| v.map(|v| v as u64)).collect::<Vec<_>>())),
            4 => Arc::new(Float64Array::from(values.iter().map(|v| v.map(|v| v as f64)).collect::<Vec<_>>())),
            5 => Arc::new(StringArray::from(values.iter().map(|v| v.map(|_| s.clone())).collect::<Vec<_>>())),
            6 => Arc::new(LargeStringArray::from(
                values.iter().map(|v| v.map(|v| v.to_string())).collect::<Vec<_>>(),
            )),
            7 => {
                Arc::new(BooleanArray::from(values.iter().map(|v| v.map(|v| v % 2 == 0)).collect::<Vec<_>>()))
            }
            8 => Arc::new(TimestampNanosecondArray::from(values.clone()).with_timezone("UTC")),
            9 => Arc::new(TimestampSecondArray::from(values.clone())),
            10 => Arc::new(Date32Array::from(values.iter().map(|v| v.map(|v| v as i32)).collect::<Vec<_>>())),
            11 => Arc::new(Date64Array::from(values.clone())),
            12 => Arc::new(Time64NanosecondArray::from(values.clone())),
            13 => Arc::new(Time32MillisecondArray::from(
                values.iter().map(|v| v.map(|v| v as i32)).collect::<Vec<_>>(),
            )),
            14 => Arc::new(DurationSecondArray::from(values.clone())),
            15 => Arc::new(NullArray::new(len)),
            16 => Arc::new(BinaryArray::from(
                values.iter().map(|v| v.map(|_| s.as_bytes())).collect::<Vec<_>>(),
            )),
            17 => Arc::new(
                FixedSizeBinaryArray::try_from_sparse_iter_with_size(
                    values.iter().map(|v| v.map(|v| v.to_le_bytes())),
                    8,
                )
                .expect("valid"),
            ),
            18 => Arc::new(
                Decimal128Array::from(
                    values.iter().map(|v| v.map(|v| i128::from(v) * 1_000_000_000_000)).collect::<Vec<_>>(),
                )
                .with_precision_and_scale(38, 0)
                .expect("valid"),
            ),
            19 => {
                let mut b = ListBuilder::new(Int16Builder::new());
                for v in &values {
                    match v {
                        Some(v) => {
                            b.values().append_value(*v as i16);
                            b.values().append_null();
                            b.append(true)
                        }
                        None => b.append(false),
                    }
                }
                Arc::new(b.finish())
            }
            20 => {
                let dict: DictionaryArray<Int8Type> =
                    values.iter().map(|v| v.map(|v| if v % 2 == 0 { "A" } else { "Zed" })).collect();
                Arc::new(dict)
            }
            _ => {
                let fields = Fields::from(vec![
                    Field::new("x", DataType::Int32, true),
                    Field::new("label", DataType::Int64, true),
                ]);
                let x: ArrayRef = Arc::new(Int32Array::from(
                    values.iter().map(|v| v.map(|v| v as i32)).collect::<Vec<_>>(),
                ));
                let label: ArrayRef = Arc::new(Int64Array::from(values.clone()));
                Arc::new(StructArray::new(fields, vec![x, label], None))
            }
        };
        array
    })
}

fn any_batch() -> impl Strategy<Value = RecordBatch> {
    let names: Vec<String> = Generated::arrow_schema().fields().iter().map(|f| f.name().clone()).collect();
    (0usize..6).prop_flat_map(move |len| {
        let names = names.clone();
        proptest::collection::vec(any_array(len), names.len()).prop_map(move |arrays| {
            RecordBatch::try_from_iter(names.iter().cloned().zip(arrays)).expect("equal lengths")
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_batch_is_read_or_rejected_without_panic(batch in any_batch()) {
        // Either rows or an error; a panic fails the test.
        match Generated::from_record_batch(&batch) {
            Ok(rows) => prop_assert_eq!(rows.len(), batch.num_rows()),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

/// A valid batch of generated rows with one column replaced by a random array:
/// reaches the value-reading paths (extreme timestamps, unknown variants, nulls).
fn mutated_batch() -> impl Strategy<Value = RecordBatch> {
    (proptest::collection::vec(generated(), 1..6), any::<proptest::sample::Index>()).prop_flat_map(
        |(rows, which)| {
            let batch = Generated::to_record_batch(&rows).expect("encodes");
            let column = which.index(batch.num_columns());
            any_array(batch.num_rows()).prop_map(move |array| {
                let mut columns = batch.columns().to_vec();
                columns[column] = array;
                let names = batch.schema().fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>();
                RecordBatch::try_from_iter(names.into_iter().zip(columns)).expect("equal lengths")
            })
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn one_wrong_column_is_read_or_rejected_without_panic(batch in mutated_batch()) {
        match Generated::from_record_batch(&batch) {
            Ok(rows) => prop_assert_eq!(rows.len(), batch.num_rows()),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
