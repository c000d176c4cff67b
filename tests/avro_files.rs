//! Avro files written by other tools: schema resolution between the file's
//! writer schema and the entity's, and bad input.

use std::path::{Path, PathBuf};

use apache_avro::types::Value;
use apache_avro::{Codec as AvroCodec, Schema, Writer};
use chrono::{DateTime, Utc};
use parquetframe::avro::binary::put_long as zigzag;
use parquetframe::prelude::*;

#[derive(Record, Debug, Clone, Copy, PartialEq)]
pub enum Plan {
    Free,
    Pro,
    Team,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id", format = "avro", namespace = "com.example")]
pub struct User {
    pub user_id: i64,
    /// Renamed from `username` in an older schema.
    #[entity(alias = "username")]
    pub name: String,
    pub email: Option<String>,
    pub score: f64,
    pub plan: Plan,
    pub signup: DateTime<Utc>,
    pub tags: Vec<String>,
}

/// A reader with fewer fields than the files: always read through resolution.
#[derive(Record, Debug, Clone, PartialEq)]
#[record(namespace = "com.example")]
pub struct UserIdAndTags {
    pub user_id: i64,
    pub tags: Vec<String>,
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Writes `rows` with apache-avro (the Java implementation's conventions).
fn write_foreign(dir: &Path, schema: &str, rows: Vec<Vec<(&str, Value)>>, codec: AvroCodec) -> PathBuf {
    let schema = Schema::parse_str(schema).expect("test schema parses");
    let path = dir.join("foreign.avro");
    let mut writer = Writer::with_codec(&schema, Vec::new(), codec).expect("writer");
    for row in rows {
        let record = Value::Record(row.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
        writer.append_value(record).expect("append");
    }
    std::fs::write(&path, writer.into_inner().expect("flush")).expect("write");
    path
}

fn at(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap()
}

#[test]
fn writer_schema_with_other_order_removed_and_renamed_fields_and_promotions_resolves() {
    let dir = temp();
    // Field order differs; `username` is the old name of `name`; `legacy` and
    // `extra` (nested, skipped whole) are unknown to the reader; `email` is
    // missing (an Option: None); `score` is written as int (promoted to double);
    // the union puts null second; timestamps are milliseconds; the enum's
    // symbols are in another order and include one the reader lacks.
    let schema = r#"{"type": "record", "name": "LegacyUser", "namespace": "org.other", "fields": [
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "legacy", "type": "long"},
        {"name": "score", "type": "int"},
        {"name": "extra", "type": {"type": "map", "values": {"type": "record", "name": "X",
            "fields": [{"name": "a", "type": ["null", {"type": "array", "items": "bytes"}]}]}}},
        {"name": "user_id", "type": ["long", "null"]},
        {"name": "username", "type": "string"},
        {"name": "plan", "type": {"type": "enum", "name": "Plan", "symbols": ["Team", "Free", "Pro"]}},
        {"name": "signup", "type": {"type": "long", "logicalType": "timestamp-millis"}}
    ]}"#;
    let extra = Value::Map(
        [(
            "k".to_owned(),
            Value::Record(vec![(
                "a".into(),
                Value::Union(1, Box::new(Value::Array(vec![Value::Bytes(vec![1, 2])]))),
            )]),
        )]
        .into(),
    );
    let row = |id: i64, plan: u32, symbol: &str| {
        vec![
            ("tags", Value::Array(vec![Value::String("a".into()), Value::String("b".into())])),
            ("legacy", Value::Long(99)),
            ("score", Value::Int(7)),
            ("extra", extra.clone()),
            ("user_id", Value::Union(0, Box::new(Value::Long(id)))),
            ("username", Value::String(format!("user{id}"))),
            ("plan", Value::Enum(plan, symbol.into())),
            ("signup", Value::TimestampMillis(1_700_000_000_123)),
        ]
    };
    let path = write_foreign(
        dir.path(),
        schema,
        vec![row(1, 0, "Team"), row(2, 2, "Pro")],
        AvroCodec::Deflate(Default::default()),
    );
    let users = User::read_file(&path).unwrap();
    let expected = |id: i64, plan| User {
        user_id: id,
        name: format!("user{id}"),
        email: None,
        score: 7.0,
        plan,
        signup: at(1_700_000_000_123_000),
        tags: vec!["a".into(), "b".into()],
    };
    assert_eq!(users, vec![expected(1, Plan::Team), expected(2, Plan::Pro)]);
}

#[test]
fn a_null_in_a_union_the_reader_cannot_hold_is_an_error_naming_the_row() {
    let dir = temp();
    let schema = r#"{"type": "record", "name": "U", "fields": [
        {"name": "user_id", "type": ["null", "long"]},
        {"name": "name", "type": "string"}, {"name": "score", "type": "double"},
        {"name": "plan", "type": "string"}, {"name": "signup", "type": "long"},
        {"name": "tags", "type": {"type": "array", "items": "string"}}]}"#;
    let row = |id: Value| {
        vec![
            ("user_id", id),
            ("name", Value::String("n".into())),
            ("score", Value::Double(1.5)),
            ("plan", Value::String("Pro".into())),
            ("signup", Value::Long(5)),
            ("tags", Value::Array(vec![])),
        ]
    };
    let path = write_foreign(
        dir.path(),
        schema,
        vec![row(Value::Union(1, Box::new(Value::Long(1)))), row(Value::Union(0, Box::new(Value::Null)))],
        AvroCodec::Null,
    );
    let err = User::read_file(&path).unwrap_err().to_string();
    assert!(err.contains("foreign.avro") && err.contains("row 1") && err.contains("user_id"), "{err}");
}

#[test]
fn incompatible_writer_schema_is_a_resolution_error_naming_the_field() {
    let dir = temp();
    let schema = r#"{"type": "record", "name": "U", "fields": [
        {"name": "user_id", "type": "string"}]}"#;
    let path = write_foreign(
        dir.path(),
        schema,
        vec![vec![("user_id", Value::String("x".into()))]],
        AvroCodec::Null,
    );
    let err = User::read_file(&path).unwrap_err();
    assert!(matches!(err, parquetframe::Error::Resolution { entity: "User", .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("foreign.avro") && msg.contains("user_id") && msg.contains("string"), "{msg}");
    // A required field the writer lacks: named by the entity's reading rules.
    let schema = r#"{"type": "record", "name": "U", "fields": [{"name": "user_id", "type": "long"}]}"#;
    let path = write_foreign(dir.path(), schema, vec![vec![("user_id", Value::Long(1))]], AvroCodec::Null);
    let msg = User::read_file(&path).unwrap_err().to_string();
    assert!(msg.contains("column `name` is missing"), "{msg}");
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "prices/", primary_key = "sku", format = "avro")]
pub struct Price {
    pub sku: i32,
    #[entity(precision = 12, scale = 4)]
    pub amount: rust_decimal::Decimal,
    pub id: uuid::Uuid,
    pub weight: f32,
    pub at: chrono::NaiveDateTime,
}

#[test]
fn java_style_logical_types_resolve() {
    let dir = temp();
    // Decimal on a fixed with a smaller scale, uuid as a string, float written as float,
    // local-timestamp-millis.
    let schema = r#"{"type": "record", "name": "Price", "namespace": "com.acme", "fields": [
        {"name": "sku", "type": "int"},
        {"name": "amount", "type": {"type": "fixed", "name": "Amount", "size": 8,
            "logicalType": "decimal", "precision": 10, "scale": 2}},
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "weight", "type": "float"},
        {"name": "at", "type": {"type": "long", "logicalType": "local-timestamp-millis"}}]}"#;
    let uuid = uuid::Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0);
    let amount = apache_avro::Decimal::from((-12345i64).to_be_bytes().to_vec());
    let path = write_foreign(
        dir.path(),
        schema,
        vec![vec![
            ("sku", Value::Int(3)),
            ("amount", Value::Decimal(amount)),
            ("id", Value::Uuid(uuid)),
            ("weight", Value::Float(1.5)),
            ("at", Value::LocalTimestampMillis(86_400_001)),
        ]],
        AvroCodec::Null,
    );
    let prices = Price::read_file(&path).unwrap();
    let expected = Price {
        sku: 3,
        amount: rust_decimal::Decimal::new(-1_234_500, 4),
        id: uuid,
        weight: 1.5,
        at: DateTime::from_timestamp_micros(86_400_001_000).unwrap().naive_utc(),
    };
    assert_eq!(prices, vec![expected]);
}

// ---- bad input ------------------------------------------------------------------

fn ours(dir: &Path) -> (PathBuf, Vec<u8>) {
    let rows: Vec<User> = (0..300)
        .map(|i| User {
            user_id: i,
            name: format!("n{i}"),
            email: None,
            score: 1.0,
            plan: Plan::Free,
            signup: at(i),
            tags: vec!["t".into(); (i % 3) as usize],
        })
        .collect();
    let path = dir.join("ours.avro");
    User::write_file_with(&path, &rows, parquetframe::avro::Codec::Null).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

/// Reads `bytes` as a file and returns the error text (it must be an error naming the file).
fn error_of(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let err = User::read_file(&path).expect_err("bad input must be an error").to_string();
    assert!(err.contains(name), "the error names the file: {err}");
    err
}

#[test]
fn bad_files_are_errors_naming_the_file() {
    let dir = temp();
    let (path, good) = ours(dir.path());
    let file = parquetframe::avro::AvroFile::open(&path).unwrap();
    let first = file.blocks()[0];
    let data_start = first.offset as usize;
    let mut old_head = Vec::new();
    zigzag(&mut old_head, first.rows as i64);
    zigzag(&mut old_head, first.size as i64);
    let head_start = data_start - old_head.len();
    assert_eq!(&good[head_start..data_start], &old_head[..]);

    let err = error_of(dir.path(), "truncated.avro", &good[..good.len() - 7]);
    assert!(err.contains("remain") || err.contains("sync"), "{err}");
    let err = error_of(dir.path(), "magic.avro", b"PAR2 this is not avro");
    assert!(err.contains("neither Parquet nor Avro"), "{err}");
    let err = error_of(dir.path(), "empty.avro", b"");
    assert!(err.contains("neither Parquet nor Avro"), "{err}");
    let err = error_of(dir.path(), "header.avro", &good[..10]);
    assert!(err.contains("header"), "{err}");

    // A flipped byte in the sync marker after the first block.
    let mut bad = good.clone();
    bad[data_start + first.size] ^= 0xff;
    let err = error_of(dir.path(), "sync.avro", &bad);
    assert!(err.contains("sync marker mismatch"), "{err}");

    // The first block's row count says more rows than its bytes hold.
    let mut bad = good[..head_start].to_vec();
    zigzag(&mut bad, first.rows as i64 + 5);
    zigzag(&mut bad, first.size as i64);
    bad.extend_from_slice(&good[data_start..]);
    let err = error_of(dir.path(), "count.avro", &bad);
    assert!(err.contains("block 0"), "{err}");

    // A block size far beyond the file.
    let mut bad = good[..head_start].to_vec();
    zigzag(&mut bad, first.rows as i64);
    zigzag(&mut bad, i64::MAX / 2);
    bad.extend_from_slice(&good[data_start..]);
    let err = error_of(dir.path(), "size.avro", &bad);
    assert!(err.contains("claims") && err.contains("remain"), "{err}");

    // An absurd string length inside a datum (row 0: user_id 0 is one byte, then `name`).
    let mut bad = good[..data_start + 1].to_vec();
    zigzag(&mut bad, i64::MAX / 4);
    bad.extend_from_slice(&good[data_start + 2..]);
    let mut fixed = good[..head_start].to_vec();
    zigzag(&mut fixed, first.rows as i64);
    zigzag(&mut fixed, (first.size + bad.len() - good.len()) as i64);
    fixed.extend_from_slice(&bad[data_start..]);
    let bad = fixed;
    let err = error_of(dir.path(), "length.avro", &bad);
    assert!(err.contains("block 0, row 0"), "{err}");

    // Invalid schema JSON in the header.
    let text = String::from_utf8_lossy(&good[..data_start]).into_owned();
    assert!(text.contains("\"record\""));
    let mut bad = good.clone();
    let at = good.windows(8).position(|w| w == b"\"record\"").unwrap();
    bad[at..at + 8].copy_from_slice(b"\"recXrd\"");
    let err = error_of(dir.path(), "schema.avro", &bad);
    assert!(err.contains("invalid writer schema"), "{err}");

    // An unknown codec.
    let mut bad = good.clone();
    let at = good.windows(10).position(|w| w == b"avro.codec").unwrap() + 11;
    assert_eq!(&good[at..at + 4], b"null");
    bad[at..at + 4].copy_from_slice(b"nope");
    let err = error_of(dir.path(), "codec.avro", &bad);
    assert!(err.contains("unknown codec `nope`"), "{err}");
}

#[test]
fn a_datum_that_does_not_match_the_schema_is_an_error_naming_block_row_and_field() {
    let dir = temp();
    let (path, good) = ours(dir.path());
    let start = parquetframe::avro::AvroFile::open(&path).unwrap().blocks()[0].offset as usize;
    // Row 0: user_id 0 (1 byte), name "n0" (3), email null (1), score (8), plan (1).
    assert_eq!(&good[start..start + 5], &[0, 4, b'n', b'0', 0]);
    let cases: [(usize, u8, &str, &str); 3] = [
        (start + 2, 0xff, "field `name`", "UTF-8"),
        (start + 4, 14, "field `email`", "union branch 7"),
        (start + 13, 10, "field `plan`", "symbol index 5"),
    ];
    for (at, byte, field, what) in cases {
        let mut bad = good.clone();
        bad[at] = byte;
        let err = error_of(dir.path(), "datum.avro", &bad);
        assert!(err.contains("block 0, row 0") && err.contains(field) && err.contains(what), "{err}");
    }
    // A reader that skips `name` skips its bytes unchecked, as Avro resolution does.
    let mut bad = good.clone();
    bad[start + 2] = 0xff;
    assert_eq!(UserIdAndTags::read_file(good_path(dir.path(), &bad)).unwrap().len(), 300);
}

#[test]
fn every_prefix_and_every_flipped_byte_is_an_error_or_data_never_a_panic() {
    let dir = temp();
    let (_, good) = ours(dir.path());
    let path = dir.path().join("fuzzed.avro");
    let all = User::read_file(good_path(dir.path(), &good)).unwrap();
    // `User` decodes directly (the file's schema is its own); `UserIdAndTags`
    // goes through resolution: both decoders see every mutation.
    for cut in (0..good.len()).step_by(7) {
        std::fs::write(&path, &good[..cut]).unwrap();
        // A cut at a block boundary is a valid, shorter file (Avro cannot tell).
        if let Ok(rows) = User::read_file(&path) {
            assert!(rows.len() < all.len() && rows[..] == all[..rows.len()], "cut at {cut}");
        }
        if let Ok(rows) = UserIdAndTags::read_file(&path) {
            assert!(rows.len() < all.len(), "cut at {cut}");
        }
    }
    for i in (0..good.len()).step_by(3) {
        let mut bad = good.clone();
        bad[i] ^= 0x55;
        std::fs::write(&path, &bad).unwrap();
        if let Ok(rows) = User::read_file(&path) {
            assert!(rows.len() <= 300);
        }
        if let Ok(rows) = UserIdAndTags::read_file(&path) {
            assert!(rows.len() <= 300);
        }
    }
}

fn good_path(dir: &Path, bytes: &[u8]) -> PathBuf {
    let path = dir.join("good.avro");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "events/", primary_key = "id", format = "avro", codec = "snappy")]
pub struct Event {
    pub id: i64,
    pub what: String,
}

fn codecs_of(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "avro"))
        .map(|p| parquetframe::avro::AvroFile::open(&p).unwrap().codec().avro_name().to_owned())
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn the_entity_codec_wins_over_the_store_codec() {
    let dir = temp();
    let mut options = parquetframe::StoreOptions::default();
    options.write.codec = parquetframe::avro::Codec::Deflate(6);
    let store = Store::open_with(dir.path(), options).unwrap();
    store.save_all(&[Event { id: 1, what: "a".into() }]).unwrap();
    assert!(store.delete::<Event>(&1).unwrap());
    assert_eq!(codecs_of(&dir.path().join("events/data")), vec!["snappy"]);
    let user = User {
        user_id: 1,
        name: "a".into(),
        email: None,
        score: 0.0,
        plan: Plan::Pro,
        signup: at(0),
        tags: vec![],
    };
    store.save(&user).unwrap();
    assert_eq!(codecs_of(&dir.path().join("users/data")), vec!["deflate"]);
    assert_eq!(store.find::<User>(&1).unwrap(), Some(user));
}
