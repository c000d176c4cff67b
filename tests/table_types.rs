//! Columns Delta Lake has no type for (unsigned integers, times of day,
//! durations, UUIDs, fixed-size lists) are stored as the Delta type that holds
//! every value exactly, and read back as the entity's types everywhere:
//! typed loads, point lookups by an unsigned key, and every polars engine.

use std::sync::Arc;

use arrow::array::AsArray;
use arrow::datatypes::{DataType, Decimal128Type, Int64Type};
use chrono::{NaiveTime, TimeDelta};
use parquetframe::engine::Engine;
use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "readings/", primary_key = "id")]
pub struct Reading {
    pub id: u64,
    pub small: u8,
    pub medium: u16,
    pub wide: Option<u32>,
    pub at: NaiveTime,
    pub took: TimeDelta,
    pub tag: uuid::Uuid,
    pub counts: Vec<u64>,
}

fn reading(i: u64, version: u8) -> Reading {
    Reading {
        id: if i == 0 { u64::MAX } else { i * 1_000_003 },
        small: 255 - version,
        medium: u16::MAX - (i % 7) as u16,
        wide: (!i.is_multiple_of(3)).then_some(u32::MAX - i as u32),
        at: NaiveTime::from_num_seconds_from_midnight_opt(86_399 - i as u32, 999_999_000).unwrap(),
        took: TimeDelta::microseconds(-(i as i64) * 1_234_567),
        tag: uuid::Uuid::from_u128(u128::MAX - u128::from(i)),
        counts: vec![u64::MAX, i, u64::from(version)],
    }
}

/// Writes `batch` in place of the data file `file`, as another writer might.
fn replace_file(file: &std::path::Path, batch: &arrow::array::RecordBatch) {
    std::fs::remove_file(file).unwrap();
    let out = std::fs::File::create(file).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(out, batch.schema(), None).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

fn sorted(mut rows: Vec<Reading>) -> Vec<Reading> {
    rows.sort_by_key(|r| r.id);
    rows
}

#[test]
fn extreme_values_round_trip_through_the_delta_types() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut rows: Vec<Reading> = (0..40).map(|i| reading(i, 0)).collect();
    store.save_all(&rows).unwrap();
    // Upserts (deletion vectors found by the unsigned key) and a delete.
    for i in [0u64, 7, 39] {
        rows[i as usize] = reading(i, 1);
        store.save(&rows[i as usize]).unwrap();
    }
    assert!(store.delete::<Reading>(&reading(5, 0).id).unwrap());
    rows.retain(|r| r.id != reading(5, 0).id);

    assert_eq!(sorted(store.load_all::<Reading>().unwrap()), sorted(rows.clone()));
    assert_eq!(store.find::<Reading>(&u64::MAX).unwrap(), Some(reading(0, 1)));
    assert_eq!(store.find::<Reading>(&(7 * 1_000_003)).unwrap(), Some(reading(7, 1)));
    assert_eq!(store.count::<Reading>().unwrap(), 39);
    for engine in Engine::ALL {
        let got = store.query::<Reading>().engine(engine).fetch().unwrap();
        assert_eq!(sorted(got), sorted(rows.clone()), "{engine}");
        let big =
            store.query::<Reading>().filter(Reading::ID.gt(u64::MAX - 1)).engine(engine).fetch().unwrap();
        assert_eq!(big, vec![reading(0, 1)], "{engine}");
    }

    // Compaction reads the table types back and writes them again.
    store.compact::<Reading>().unwrap();
    assert_eq!(sorted(store.load_all::<Reading>().unwrap()), sorted(rows.clone()));
}

#[test]
fn data_files_hold_the_delta_types_and_the_log_declares_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&[reading(0, 0), reading(1, 0)]).unwrap();
    let table = dir.path().join("readings");
    let file = store.snapshot::<Reading>().unwrap().files[0].path.clone();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(table.join(&file)).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let batch = reader.into_iter().next().unwrap().unwrap();
    let types: Vec<(String, DataType)> =
        batch.schema().fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect();
    let of = |name: &str| types.iter().find(|(n, _)| n == name).unwrap().1.clone();
    assert_eq!(of("id"), DataType::Decimal128(20, 0));
    assert_eq!(of("small"), DataType::Int16);
    assert_eq!(of("medium"), DataType::Int32);
    assert_eq!(of("wide"), DataType::Int64);
    assert_eq!(of("at"), DataType::Int64);
    assert_eq!(of("took"), DataType::Int64);
    assert_eq!(of("tag"), DataType::Binary);
    assert!(matches!(of("counts"), DataType::List(f) if f.data_type() == &DataType::Decimal128(20, 0)));
    let ids = batch.column_by_name("id").unwrap().as_primitive::<Decimal128Type>();
    assert!(ids.values().contains(&i128::from(u64::MAX)));
    // A time of day is nanoseconds since midnight.
    let at = batch.column_by_name("at").unwrap().as_primitive::<Int64Type>();
    assert!(at.values().contains(&(86_399_999_999_000)));

    let log = std::fs::read_to_string(table.join("_delta_log/00000000000000000000.json")).unwrap();
    let meta: serde_json::Value = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find_map(|a| a.get("metaData").cloned())
        .unwrap();
    let schema: serde_json::Value = serde_json::from_str(meta["schemaString"].as_str().unwrap()).unwrap();
    let field =
        |name: &str| schema["fields"].as_array().unwrap().iter().find(|f| f["name"] == name).unwrap().clone();
    assert_eq!(field("id")["type"], "decimal(20,0)");
    assert_eq!(field("id")["metadata"]["parquetframe.arrow_type"], "UInt64");
    assert_eq!(field("small")["type"], "short");
    assert_eq!(field("at")["type"], "long");
    assert_eq!(field("tag")["type"], "binary");
    assert_eq!(field("counts")["type"]["elementType"], "decimal(20,0)");
    // Columns stored as another type keep the entity's type in their metadata.
    assert!(field("tag").get("metadata").is_some());
    assert!(field("id").get("metadata").is_some());
}

#[test]
fn a_foreign_value_out_of_range_is_an_error_naming_file_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&[reading(1, 0)]).unwrap();
    // Rewrite the one data file as another writer might: `small` (u8) holds 300.
    let table = dir.path().join("readings");
    let file = table.join(&store.snapshot::<Reading>().unwrap().files[0].path);
    let batch = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&file).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap()
    .next()
    .unwrap()
    .unwrap();
    let index = batch.schema().index_of("small").unwrap();
    let mut columns = batch.columns().to_vec();
    columns[index] = Arc::new(arrow::array::Int16Array::from(vec![300i16]));
    let batch = arrow::array::RecordBatch::try_new(batch.schema(), columns).unwrap();
    let bytes = std::fs::metadata(&file).unwrap().len();
    replace_file(&file, &batch);
    assert_ne!(bytes, 0);
    let err = store.load_all::<Reading>().unwrap_err().to_string();
    assert!(err.contains("small") && err.contains(&file.display().to_string()), "{err}");
}

#[test]
fn files_from_before_the_delta_types_load_and_are_upgraded_by_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let rows: Vec<Reading> = (0..20).map(|i| reading(i, 0)).collect();
    store.save_all(&rows).unwrap();
    // The data file as the layer wrote it before: the entity's own types.
    let table = dir.path().join("readings");
    let file = table.join(&store.snapshot::<Reading>().unwrap().files[0].path);
    let batch = Reading::to_record_batch(&rows).unwrap();
    replace_file(&file, &batch);
    // Loads and lookups read it as it is.
    assert_eq!(sorted(store.load_all::<Reading>().unwrap()), sorted(rows.clone()));
    assert_eq!(store.find::<Reading>(&u64::MAX).unwrap(), Some(reading(0, 0)));
    // The engines refuse it, saying what to do.
    let err = store.query::<Reading>().engine(Engine::Lazy).fetch().unwrap_err().to_string();
    assert!(err.contains("compact") && err.contains("id"), "{err}");
    // One compaction rewrites it in the Delta types; then every engine reads it.
    store.compact::<Reading>().unwrap();
    for engine in Engine::ALL {
        assert_eq!(sorted(store.query::<Reading>().engine(engine).fetch().unwrap()), sorted(rows.clone()));
    }
}
