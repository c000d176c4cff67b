//! The types the Avro decoder is fuzzed with: one that covers every Avro
//! shape the direct decoder handles, and a subset of it that is always read
//! through schema resolution.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use parquetframe::prelude::*;

/// A nested record.
#[derive(Record, Debug, Clone, PartialEq)]
pub struct Address {
    pub city: String,
    pub zip: Option<String>,
}

/// An Avro enum.
#[derive(Record, Debug, Clone, Copy, PartialEq)]
pub enum Plan {
    Free,
    Pro,
}

/// Every shape: long, int, double, boolean, string, bytes, union, array, map,
/// record, enum, uuid, decimal, date and timestamp.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "fuzz/", primary_key = "id", format = "avro")]
pub struct Shapes {
    pub id: i64,
    pub small: i32,
    pub ratio: f64,
    pub flag: bool,
    pub name: String,
    pub raw: Vec<u8>,
    pub email: Option<String>,
    pub tags: Vec<String>,
    pub counts: BTreeMap<String, i64>,
    pub home: Address,
    pub plan: Plan,
    pub key: uuid::Uuid,
    #[entity(precision = 18, scale = 2)]
    pub price: rust_decimal::Decimal,
    pub day: NaiveDate,
    pub at: DateTime<Utc>,
    pub big: u64,
}

/// Fewer fields, other order: read with resolution (writer fields skipped).
#[derive(Record, Debug, Clone, PartialEq)]
pub struct ShapesSubset {
    pub tags: Vec<String>,
    pub id: i64,
    pub email: Option<String>,
}

/// Reads `data` as a file with both readers; any outcome but a panic is fine.
pub fn read_both(path: &Path, data: &[u8]) {
    if std::fs::write(path, data).is_err() {
        return;
    }
    let _ = Shapes::read_file(path);
    let _ = ShapesSubset::read_file(path);
}
