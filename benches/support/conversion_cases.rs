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

use parquetframe::prelude::*;
use std::hint::black_box;

use crate::support::data::{BenchUser, hand_written_from_batch, users};
use crate::support::{compare, report, sizes};

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

/// The physical reference reader, into a Vec of exactly the batch's size.
fn hand_written_read(batch: &RecordBatch) -> Vec<BenchUser> {
    let mut out = Vec::with_capacity(batch.num_rows());
    hand_written_from_batch(batch, &mut out);
    out
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
        assert_eq!(hand_written_read(&ours), rows);
        let from_batch = compare(
            rounds,
            &mut [
                ("hand-written reader", Box::new(|| drop(black_box(hand_written_read(&ours))))),
                ("parquetframe", Box::new(|| drop(black_box(BenchUser::from_record_batch(&ours).unwrap())))),
                (
                    "serde_arrow",
                    Box::new(|| {
                        drop(black_box(serde_arrow::from_record_batch::<Vec<BenchUser>>(&ours).unwrap()))
                    }),
                ),
                (
                    "hand-written reader (pool thread)",
                    Box::new(|| single.install(|| drop(black_box(hand_written_read(&ours))))),
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
