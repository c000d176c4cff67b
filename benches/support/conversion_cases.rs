//! The conversion cases: structs to a RecordBatch and back: parquetframe against hand-written arrow-rs
//! builders and readers (the physical reference) and serde_arrow.
//!
//! The "(pool thread)" rows run the same code on a rayon worker thread instead of
//! the main thread: they show how much of the cost is the allocator (glibc
//! serves the rows' strings slower on a non-main arena), which is why
//! conversion of one batch stays on the calling thread.
//!
//! `cargo bench --bench conversion` (system allocator) and
//! `cargo bench --bench conversion_mimalloc` (every peer under mimalloc);
//! sizes: `BENCH_ROWS=1000000,10000000`.

use std::sync::Arc;

use arrow::array::*;
use arrow::datatypes::{SchemaRef, TimestampMicrosecondType};
use chrono::{DateTime, Utc};
use parquetframe::prelude::*;
use serde::{Deserialize, Serialize};
use std::hint::black_box;

use crate::support::{compare, report, sizes};

#[derive(Entity, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "id")]
pub struct BenchUser {
    pub id: i64,
    pub age: i32,
    pub score: f64,
    pub active: bool,
    pub name: String,
    pub email: Option<String>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub signup: DateTime<Utc>,
}

fn users(n: usize) -> Vec<BenchUser> {
    (0..n)
        .map(|i| {
            let i = i as i64;
            BenchUser {
                id: i,
                age: (i % 90) as i32,
                score: i as f64 * 0.5,
                active: i % 3 != 0,
                name: format!("user-{:011}", i), // 16 characters
                email: (i % 4 != 0).then(|| format!("u{i}@example.org")),
                signup: DateTime::from_timestamp_micros(1_600_000_000_000_000 + i * 1_000).unwrap(),
            }
        })
        .collect()
}

/// The physical reference: arrow-rs builders written by hand for this struct.
fn hand_written_to_batch(schema: &SchemaRef, rows: &[BenchUser]) -> RecordBatch {
    let n = rows.len();
    let mut id = Int64Builder::with_capacity(n);
    let mut age = Int32Builder::with_capacity(n);
    let mut score = Float64Builder::with_capacity(n);
    let mut active = BooleanBuilder::with_capacity(n);
    let mut name = StringBuilder::with_capacity(n, n * 16);
    let mut email = StringBuilder::with_capacity(n, n * 16);
    let mut signup = PrimitiveBuilder::<TimestampMicrosecondType>::with_capacity(n).with_timezone("UTC");
    for r in rows {
        id.append_value(r.id);
        age.append_value(r.age);
        score.append_value(r.score);
        active.append_value(r.active);
        name.append_value(&r.name);
        email.append_option(r.email.as_deref());
        signup.append_value(r.signup.timestamp_micros());
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(age.finish()),
        Arc::new(score.finish()),
        Arc::new(active.finish()),
        Arc::new(name.finish()),
        Arc::new(email.finish()),
        Arc::new(signup.finish()),
    ];
    RecordBatch::try_new(schema.clone(), columns).unwrap()
}

/// The physical reference reader: downcast once, build structs row by row.
fn hand_written_from_batch(batch: &RecordBatch) -> Vec<BenchUser> {
    let col = |name: &str| batch.column_by_name(name).unwrap();
    let id = col("id").as_primitive::<arrow::datatypes::Int64Type>();
    let age = col("age").as_primitive::<arrow::datatypes::Int32Type>();
    let score = col("score").as_primitive::<arrow::datatypes::Float64Type>();
    let active = col("active").as_boolean();
    let name = col("name").as_string::<i32>();
    let email = col("email").as_string::<i32>();
    let signup = col("signup").as_primitive::<TimestampMicrosecondType>();
    (0..batch.num_rows())
        .map(|i| BenchUser {
            id: id.value(i),
            age: age.value(i),
            score: score.value(i),
            active: active.value(i),
            name: name.value(i).to_owned(),
            email: email.is_valid(i).then(|| email.value(i).to_owned()),
            signup: DateTime::from_timestamp_micros(signup.value(i)).unwrap(),
        })
        .collect()
}

/// Runs every case at every size and prints the tables.
pub fn run(allocator: &str) {
    let single = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let schema = BenchUser::arrow_schema();
    let fields: Vec<arrow::datatypes::FieldRef> = schema.fields().iter().cloned().collect();
    println!("allocator: {allocator}, threads: {}", rayon::current_num_threads());
    for n in sizes(&[1_000_000, 10_000_000]) {
        let rows = users(n);
        let rounds = if n >= 5_000_000 { 5 } else { 11 };

        // Same output from every implementation, checked before timing.
        let ours = BenchUser::to_record_batch(&rows).unwrap();
        assert_eq!(ours, hand_written_to_batch(&schema, &rows));
        let serde_batch = serde_arrow::to_record_batch(&fields, &rows).unwrap();
        assert_eq!(serde_batch.num_rows(), n);

        let to_batch = compare(
            rounds,
            &mut [
                (
                    "hand-written builders",
                    Box::new(|| drop(black_box(hand_written_to_batch(&schema, &rows)))),
                ),
                ("parquetframe", Box::new(|| drop(black_box(BenchUser::to_record_batch(&rows).unwrap())))),
                (
                    "serde_arrow",
                    Box::new(|| drop(black_box(serde_arrow::to_record_batch(&fields, &rows).unwrap()))),
                ),
                (
                    "hand-written builders (pool thread)",
                    Box::new(|| single.install(|| drop(black_box(hand_written_to_batch(&schema, &rows))))),
                ),
                (
                    "parquetframe (pool thread)",
                    Box::new(|| {
                        single.install(|| drop(black_box(BenchUser::to_record_batch(&rows).unwrap())))
                    }),
                ),
            ],
        );
        report("to_record_batch", n, &to_batch, &["hand-written builders", "serde_arrow"]);

        assert_eq!(BenchUser::from_record_batch(&ours).unwrap(), rows);
        assert_eq!(hand_written_from_batch(&ours), rows);
        let from_batch = compare(
            rounds,
            &mut [
                ("hand-written reader", Box::new(|| drop(black_box(hand_written_from_batch(&ours))))),
                ("parquetframe", Box::new(|| drop(black_box(BenchUser::from_record_batch(&ours).unwrap())))),
                (
                    "serde_arrow",
                    Box::new(|| {
                        drop(black_box(serde_arrow::from_record_batch::<Vec<BenchUser>>(&ours).unwrap()))
                    }),
                ),
                (
                    "hand-written reader (pool thread)",
                    Box::new(|| single.install(|| drop(black_box(hand_written_from_batch(&ours))))),
                ),
                (
                    "parquetframe (pool thread)",
                    Box::new(|| {
                        single.install(|| drop(black_box(BenchUser::from_record_batch(&ours).unwrap())))
                    }),
                ),
            ],
        );
        report("from_record_batch", n, &from_batch, &["hand-written reader", "serde_arrow"]);
    }
}
