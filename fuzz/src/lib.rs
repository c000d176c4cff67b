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

/// Reads `data` as a file with every reader: both typed decoders (direct
/// and with resolution), the Arrow path `pframe` uses, whole and projected
/// onto one column (the store's per-column plans); any outcome but a panic,
/// a hang or an unbounded allocation is fine.
pub fn read_both(path: &Path, data: &[u8]) {
    if std::fs::write(path, data).is_err() {
        return;
    }
    read_file_every_way(path);
}

/// The readers of [`read_both`] over a file already at `path`.
pub fn read_file_every_way(path: &Path) {
    let _ = Shapes::read_file(path);
    let _ = ShapesSubset::read_file(path);
    let _ = parquetframe::avro::arrow::read_file(path, None);
    let _ = parquetframe::avro::arrow::read_file(path, Some(&["tags".to_owned()]));
}

/// Field names the generated writer schemas draw from: some are the
/// readers' own, so resolution goes beyond the first field.
const NAMES: [&str; 6] = ["id", "tags", "email", "name", "x", "y"];

/// Bytes consumed one at a time to steer the generator; zeros once used up.
pub struct Steer<'a>(pub &'a [u8]);

impl Steer<'_> {
    /// The next byte (0 when none are left).
    pub fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
}

/// A writer schema drawn from `steer`: a record of up to 6 fields of
/// primitives, arrays, maps, unions, fixed types, enums and nested records
/// (up to `depth` levels). Records are named uniquely by `counter`.
pub fn schema_json(steer: &mut Steer<'_>, depth: u8, counter: &mut u32) -> String {
    *counter += 1;
    let n = usize::from(steer.byte() % 7);
    let fields: Vec<String> = (0..n)
        .map(|i| {
            let name = NAMES[usize::from(steer.byte()) % NAMES.len()];
            // Field names must be unique within a record.
            format!(r#"{{"name":"{name}{i}","type":{}}}"#, type_json(steer, depth, counter))
        })
        .collect();
    format!(r#"{{"type":"record","name":"R{counter}","fields":[{}]}}"#, fields.join(","))
}

fn type_json(steer: &mut Steer<'_>, depth: u8, counter: &mut u32) -> String {
    let pick = steer.byte() % if depth == 0 { 9 } else { 14 };
    match pick {
        0 => r#""null""#.into(),
        1 => r#""boolean""#.into(),
        2 => r#""int""#.into(),
        3 => r#""long""#.into(),
        4 => r#""float""#.into(),
        5 => r#""double""#.into(),
        6 => r#""bytes""#.into(),
        7 => r#""string""#.into(),
        8 => {
            *counter += 1;
            format!(r#"{{"type":"fixed","name":"F{counter}","size":{}}}"#, steer.byte() % 20)
        }
        9 => format!(r#"{{"type":"array","items":{}}}"#, type_json(steer, depth - 1, counter)),
        10 => format!(r#"{{"type":"map","values":{}}}"#, type_json(steer, depth - 1, counter)),
        11 => format!(r#"["null",{}]"#, type_json(steer, 0, counter)),
        12 => {
            *counter += 1;
            format!(r#"{{"type":"enum","name":"E{counter}","symbols":["A","B","C"]}}"#)
        }
        _ => schema_json(steer, depth - 1, counter),
    }
}

/// `data` compressed as a block by the codec named `name`.
pub fn compress(name: &str, data: &[u8]) -> Option<Vec<u8>> {
    let codec = parquetframe::avro::Codec::from_name(name).filter(|c| c.is_available())?;
    let mut out = Vec::new();
    codec.compress(data, &mut out).ok()?;
    Some(out)
}
