//! The benchmark data, shared by every benchmark: one `User`-like struct, a
//! deterministic generator, and the hand-written arrow-rs reader that is the
//! physical reference for conversion.

use arrow::array::*;
use arrow::datatypes::{Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use chrono::{DateTime, Utc};
use parquetframe::prelude::*;
use serde::{Deserialize, Serialize};

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

pub fn users(n: usize) -> Vec<BenchUser> {
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

/// The reference's conversion: downcast once, build structs row by row.
#[allow(dead_code)] // not every benchmark uses the hand-written reader
pub fn hand_written_from_batch(batch: &RecordBatch, out: &mut Vec<BenchUser>) {
    let col = |name: &str| batch.column_by_name(name).unwrap();
    let id = col("id").as_primitive::<Int64Type>();
    let age = col("age").as_primitive::<Int32Type>();
    let score = col("score").as_primitive::<Float64Type>();
    let active = col("active").as_boolean();
    let name = col("name").as_string::<i32>();
    let email = col("email").as_string::<i32>();
    let signup = col("signup").as_primitive::<TimestampMicrosecondType>();
    out.extend((0..batch.num_rows()).map(|i| BenchUser {
        id: id.value(i),
        age: age.value(i),
        score: score.value(i),
        active: active.value(i),
        name: name.value(i).to_owned(),
        email: email.is_valid(i).then(|| email.value(i).to_owned()),
        signup: DateTime::from_timestamp_micros(signup.value(i)).unwrap(),
    }));
}
