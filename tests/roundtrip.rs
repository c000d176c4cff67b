//! Round trips of every supported field type, with edge values.

use std::collections::{BTreeMap, HashMap};

use arrow::datatypes::{DataType, Field, TimeUnit};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};
use parquetframe::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

#[derive(Record, Debug, Clone, PartialEq)]
pub struct Address {
    pub city: String,
    pub zip: Option<String>,
    pub geo: Option<Geo>,
}

#[derive(Record, Debug, Clone, PartialEq)]
pub struct Geo {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Record, Debug, Clone, Copy, PartialEq)]
pub enum Status {
    Active,
    #[record(rename = "on_hold")]
    OnHold,
    Closed,
}

#[derive(Record, Debug, Clone, Copy, PartialEq)]
#[record(dictionary)]
pub enum Tier {
    Free,
    Pro,
}

type Timestamp = chrono::DateTime<chrono::Utc>;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "everything/", primary_key = "id")]
pub struct Everything {
    pub id: i64,
    pub b: bool,
    pub i8_: i8,
    pub i16_: i16,
    pub i32_: i32,
    pub u8_: u8,
    pub u16_: u16,
    pub u32_: u32,
    pub u64_: u64,
    pub f32_: f32,
    pub f64_: f64,
    pub s: String,
    pub bytes: Vec<u8>,
    pub opt_s: Option<String>,
    pub opt_i: Option<i32>,
    pub list: Vec<i64>,
    pub list_opt: Vec<Option<String>>,
    pub nested_list: Vec<Vec<u16>>,
    pub address: Address,
    pub addresses: Vec<Address>,
    pub maybe_address: Option<Address>,
    pub status: Status,
    pub tier: Tier,
    pub statuses: Vec<Status>,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub naive: NaiveDateTime,
    pub at: Timestamp,
    pub dur: TimeDelta,
    pub tags: HashMap<String, i32>,
    pub sorted: BTreeMap<String, Option<String>>,
    pub by_id: BTreeMap<i64, Vec<String>>,
    pub uuid: Uuid,
    #[entity(precision = 20, scale = 4)]
    pub price: Decimal,
    pub default_dec: Option<Decimal>,
    #[entity(rename = "renamed_col")]
    pub renamed: i32,
    #[entity(skip)]
    pub cache: Vec<String>,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn sample(id: i64) -> Everything {
    let at = DateTime::<Utc>::from_timestamp_micros(1_700_000_000_123_456).expect("valid");
    Everything {
        id,
        b: id % 2 == 0,
        i8_: i8::MIN,
        i16_: i16::MAX,
        i32_: i32::MIN,
        u8_: u8::MAX,
        u16_: 0,
        u32_: u32::MAX,
        u64_: u64::MAX,
        f32_: f32::NAN,
        f64_: -0.0,
        s: "ünïcödé ✓ 日本".into(),
        bytes: vec![0, 255, 1],
        opt_s: if id % 3 == 0 { None } else { Some(String::new()) },
        opt_i: Some(i32::MAX),
        list: vec![i64::MIN, 0, i64::MAX],
        list_opt: vec![None, Some("x".into()), None],
        nested_list: vec![vec![], vec![1, 2], vec![]],
        address: Address {
            city: "Oslo".into(),
            zip: None,
            geo: Some(Geo { lat: f64::INFINITY, lon: f64::NEG_INFINITY }),
        },
        addresses: vec![],
        maybe_address: if id % 2 == 0 {
            None
        } else {
            Some(Address { city: String::new(), zip: Some("0150".into()), geo: None })
        },
        status: Status::OnHold,
        tier: if id % 2 == 0 { Tier::Pro } else { Tier::Free },
        statuses: vec![Status::Active, Status::Closed],
        date: date(1600, 2, 29),
        time: NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("valid"),
        naive: date(1969, 12, 31).and_hms_micro_opt(23, 59, 59, 1).expect("valid"),
        at,
        dur: TimeDelta::microseconds(-1),
        tags: HashMap::from([("a".into(), 1), ("".into(), -1)]),
        sorted: BTreeMap::from([("k".into(), None), ("l".into(), Some("v".into()))]),
        by_id: BTreeMap::from([(-5, vec!["x".into()]), (7, vec![])]),
        uuid: Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
        price: Decimal::new(-123_456_789, 4),
        default_dec: Some(Decimal::new(1, 10)),
        renamed: 42,
        cache: vec![],
    }
}

/// NaN != NaN, so compare through the bit pattern.
fn normalise(mut rows: Vec<Everything>) -> Vec<Everything> {
    for r in &mut rows {
        assert!(r.f32_.is_nan());
        r.f32_ = 0.0;
    }
    rows
}

#[test]
fn every_type_round_trips_with_edge_values() {
    let rows: Vec<Everything> = (0..10).map(sample).collect();
    let batch = Everything::to_record_batch(&rows).expect("to batch");
    assert_eq!(batch.num_rows(), 10);
    let back = Everything::from_record_batch(&batch).expect("from batch");
    assert_eq!(normalise(back), normalise(rows));
}

#[test]
fn negative_zero_keeps_its_sign() {
    let rows = vec![sample(1)];
    let back = Everything::from_record_batch(&Everything::to_record_batch(&rows).unwrap()).unwrap();
    assert!(back[0].f64_ == 0.0 && back[0].f64_.is_sign_negative());
}

#[test]
fn skipped_field_loads_as_default() {
    let mut row = sample(1);
    row.cache = vec!["not stored".into()];
    let back = Everything::from_record_batch(&Everything::to_record_batch(&[row]).unwrap()).unwrap();
    assert!(back[0].cache.is_empty());
}

#[test]
fn empty_slice_gives_empty_batch_with_schema() {
    let batch = Everything::to_record_batch(&[]).unwrap();
    assert_eq!(batch.num_rows(), 0);
    assert_eq!(batch.schema(), Everything::arrow_schema());
    assert!(Everything::from_record_batch(&batch).unwrap().is_empty());
}

#[test]
fn large_batches_keep_row_order() {
    let rows: Vec<Everything> = (0..70_000).map(sample).collect();
    let back = Everything::from_record_batch(&Everything::to_record_batch(&rows).unwrap()).unwrap();
    assert_eq!(back.len(), rows.len());
    assert!(back.iter().zip(&rows).all(|(a, b)| a.id == b.id && a.maybe_address == b.maybe_address));
}

#[test]
fn schema_of_representative_struct() {
    let schema = Everything::arrow_schema();
    let field = |name: &str| schema.field_with_name(name).expect(name).clone();
    assert_eq!(field("id"), Field::new("id", DataType::Int64, false));
    assert_eq!(field("opt_s"), Field::new("opt_s", DataType::Utf8, true));
    assert_eq!(field("bytes").data_type(), &DataType::Binary);
    assert_eq!(
        field("list_opt").data_type(),
        &DataType::List(Field::new("item", DataType::Utf8, true).into())
    );
    assert_eq!(field("date").data_type(), &DataType::Date32);
    assert_eq!(field("time").data_type(), &DataType::Time64(TimeUnit::Microsecond));
    assert_eq!(field("naive").data_type(), &DataType::Timestamp(TimeUnit::Microsecond, None));
    assert_eq!(field("at").data_type(), &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())));
    assert_eq!(field("dur").data_type(), &DataType::Duration(TimeUnit::Microsecond));
    assert_eq!(field("status").data_type(), &DataType::Utf8);
    assert_eq!(
        field("tier").data_type(),
        &DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
    );
    assert_eq!(field("uuid").data_type(), &DataType::FixedSizeBinary(16));
    assert_eq!(field("uuid").metadata().get("ARROW:extension:name").map(String::as_str), Some("arrow.uuid"));
    assert_eq!(field("price").data_type(), &DataType::Decimal128(20, 4));
    assert_eq!(field("default_dec").data_type(), &DataType::Decimal128(38, 10));
    let DataType::Map(entries, false) = field("tags").data_type().clone() else { panic!("map") };
    let DataType::Struct(kv) = entries.data_type() else { panic!("entries") };
    assert_eq!(kv[0].as_ref(), &Field::new("key", DataType::Utf8, false));
    assert_eq!(kv[1].as_ref(), &Field::new("value", DataType::Int32, false));
    let DataType::Struct(addr) = field("address").data_type().clone() else { panic!("struct") };
    assert_eq!(addr.iter().map(|f| f.name().as_str()).collect::<Vec<_>>(), ["city", "zip", "geo"]);
    assert!(schema.field_with_name("renamed_col").is_ok());
    assert!(schema.field_with_name("renamed").is_err());
    assert!(schema.field_with_name("cache").is_err(), "skipped fields are not stored");
    // Field order is struct order.
    assert_eq!(schema.field(0).name(), "id");
    assert_eq!(schema.field(1).name(), "b");
    // Cached: the same Arc each call.
    assert!(std::sync::Arc::ptr_eq(&schema, &Everything::arrow_schema()));
}

#[test]
fn entity_constants_and_key() {
    assert_eq!(<Everything as Entity>::ENTITY_NAME, "Everything");
    assert_eq!(<Everything as Entity>::STORAGE_PATH, "everything/");
    assert_eq!(<Everything as Entity>::PRIMARY_KEY, "id");
    assert_eq!(<Everything as Entity>::FORMAT, Format::Parquet);
    assert_eq!(sample(9).key(), &9);
    let c: Col<Everything, String> = Everything::S;
    assert_eq!(c.name(), "s");
    assert_eq!(Everything::RENAMED.name(), "renamed_col");
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "temporal/", primary_key = "id")]
pub struct TemporalEdges {
    pub id: u32,
    pub date: NaiveDate,
    pub naive: NaiveDateTime,
    pub at: DateTime<Utc>,
    pub time: NaiveTime,
    pub dur: TimeDelta,
}

#[test]
fn dates_far_before_1970_and_far_in_the_future_round_trip() {
    let extremes = [
        (NaiveDate::MIN, NaiveDateTime::MIN, DateTime::<Utc>::MIN_UTC),
        (NaiveDate::MAX, NaiveDateTime::MAX, DateTime::<Utc>::MAX_UTC),
        (date(1, 1, 1), date(1, 1, 1).and_hms_opt(0, 0, 0).unwrap(), DateTime::<Utc>::UNIX_EPOCH),
        (
            date(9999, 12, 31),
            date(262_000, 1, 1).and_hms_micro_opt(12, 0, 0, 1).unwrap(),
            DateTime::<Utc>::from_timestamp_micros(-1).unwrap(),
        ),
    ];
    let rows: Vec<TemporalEdges> = extremes
        .iter()
        .enumerate()
        .map(|(i, (d, n, a))| TemporalEdges {
            id: i as u32,
            // chrono's MIN/MAX carry nanoseconds; storage keeps microseconds.
            date: *d,
            naive: n.with_nanosecond(n.nanosecond() / 1000 * 1000).unwrap(),
            at: a.with_nanosecond(a.nanosecond() / 1000 * 1000).unwrap(),
            time: if i % 2 == 0 {
                NaiveTime::MIN
            } else {
                NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap()
            },
            dur: if i % 2 == 0 {
                TimeDelta::microseconds(i64::MIN + 1)
            } else {
                TimeDelta::microseconds(i64::MAX)
            },
        })
        .collect();
    let back = TemporalEdges::from_record_batch(&TemporalEdges::to_record_batch(&rows).unwrap()).unwrap();
    assert_eq!(back, rows);
}

#[test]
fn leap_second_round_trips() {
    let leap = NaiveTime::from_hms_micro_opt(23, 59, 59, 1_500_000).unwrap();
    let row = TemporalEdges {
        id: 0,
        date: date(2016, 12, 31),
        naive: date(2016, 12, 31).and_time(leap),
        at: DateTime::UNIX_EPOCH,
        time: leap,
        dur: TimeDelta::zero(),
    };
    let back = TemporalEdges::from_record_batch(
        &TemporalEdges::to_record_batch(std::slice::from_ref(&row)).unwrap(),
    )
    .unwrap();
    assert_eq!(back[0].time, row.time);
}

#[test]
fn unrepresentable_values_are_encode_errors_naming_column_and_row() {
    let mut rows = vec![sample(0), sample(1)];
    rows[1].price = Decimal::new(1, 6); // 0.000001 needs scale 6; the column has scale 4
    let err = Everything::to_record_batch(&rows).unwrap_err();
    assert!(matches!(err, Error::Encode { row: 1, ref column, .. } if column == "price"), "{err}");
    let mut rows = vec![sample(0)];
    rows[0].dur = TimeDelta::MAX;
    let err = Everything::to_record_batch(&rows).unwrap_err();
    assert!(matches!(err, Error::Encode { row: 0, ref column, .. } if column == "dur"), "{err}");
    let mut rows = vec![sample(0)];
    rows[0].addresses = vec![Address { city: "x".into(), zip: None, geo: None }];
    rows[0].price = Decimal::from_i128_with_scale(10i128.pow(25), 0); // more than 20 digits with scale 4
    let err = Everything::to_record_batch(&rows).unwrap_err();
    assert!(matches!(err, Error::Encode { ref column, .. } if column == "price"), "{err}");
}

#[test]
fn every_type_round_trips_through_avro_files_with_every_codec() {
    use parquetframe::avro::{AvroFile, Codec};
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Everything> = (0..10).map(sample).collect();
    for name in Codec::NAMES {
        let codec = Codec::from_name(name).unwrap();
        let path = dir.path().join(format!("everything-{name}.avro"));
        Everything::write_file_with(&path, &rows, codec).unwrap();
        assert_eq!(AvroFile::open(&path).unwrap().codec().avro_name(), name);
        let back = Everything::read_file(&path).unwrap();
        assert_eq!(normalise(back), normalise(rows.clone()), "{name}");
        // Writing again replaces the file.
        Everything::write_file_with(&path, &rows[..3], codec).unwrap();
        assert_eq!(Everything::read_file(&path).unwrap().len(), 3);
    }
}

/// `write_file` / `read_file` encode and decode Avro straight from the structs;
/// the store goes through Arrow arrays. Both must write the same datums and
/// read each other's files.
#[test]
fn direct_and_columnar_avro_paths_write_the_same_bytes_and_read_each_other() {
    use parquetframe::avro::{AvroFile, Codec, container};
    use parquetframe::storage::formats::{Target, avro::DataFile};
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Everything> = (0..50).map(sample).collect();
    let direct = dir.path().join("direct.avro");
    Everything::write_file_with(&direct, &rows, Codec::Null).unwrap();
    let columnar = dir.path().join("columnar.avro");
    let json = Everything::avro_schema_json().to_string();
    let batch = Everything::to_record_batch(&rows);
    container::write(&columnar, Everything::avro_schema(), &json, Codec::Null, &[], std::iter::once(batch))
        .unwrap();
    let datums = |path: &std::path::Path| {
        let file = AvroFile::open(path).unwrap();
        (0..file.blocks().len()).flat_map(|i| file.block_data(i).unwrap()).collect::<Vec<u8>>()
    };
    assert_eq!(datums(&direct), datums(&columnar));
    // The direct decoder reads the columnar writer's file ...
    assert_eq!(normalise(Everything::read_file(&columnar).unwrap()), normalise(rows.clone()));
    // ... and the store's resolving reader reads the direct writer's file.
    let file = DataFile::open(&direct, &Target::of::<Everything>()).unwrap();
    let mut back = Vec::new();
    for group in 0..file.row_group_rows().len() {
        for batch in file.read_row_group(group, None).unwrap() {
            back.extend(Everything::from_record_batch(&batch).unwrap());
        }
    }
    assert_eq!(normalise(back), normalise(rows));
}

#[test]
fn unrepresentable_values_are_encode_errors_in_avro_files_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.avro");
    let mut rows = vec![sample(0), sample(1)];
    rows[1].price = Decimal::new(1, 6);
    let err = Everything::write_file(&path, &rows).unwrap_err();
    assert!(matches!(err, Error::Encode { row: 1, ref column, .. } if column == "price"), "{err}");
    assert!(!path.exists(), "nothing is left behind");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no temporary file is left either");
}

#[test]
fn apache_avro_reads_our_files_with_the_same_values() {
    use apache_avro::types::Value;
    let dir = tempfile::tempdir().unwrap();
    // apache-avro 0.22 fails on dates before 1970 (it converts days to usize).
    let rows: Vec<Everything> = (0..4).map(|i| Everything { date: date(2024, 2, 29), ..sample(i) }).collect();
    let path = dir.path().join("everything.avro");
    Everything::write_file_with(&path, &rows, parquetframe::avro::Codec::Deflate(6)).unwrap();
    let reader = apache_avro::Reader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let values: Vec<Value> = reader.collect::<Result<_, _>>().unwrap();
    assert_eq!(values.len(), 4);
    let Value::Record(fields) = &values[1] else { panic!("{:?}", values[1]) };
    let get = |name: &str| &fields.iter().find(|(n, _)| n == name).unwrap().1;
    assert_eq!(get("id"), &Value::Long(1));
    assert_eq!(get("s"), &Value::String("ünïcödé ✓ 日本".into()));
    assert_eq!(get("u32_"), &Value::Long(i64::from(u32::MAX)));
    assert_eq!(get("status"), &Value::Enum(1, "on_hold".into()));
    assert_eq!(get("opt_s"), &Value::Union(1, Box::new(Value::String(String::new()))));
    assert_eq!(get("date"), &Value::Date(19_782));
    assert_eq!(get("uuid"), &Value::Uuid(Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef)));
    assert_eq!(
        get("list"),
        &Value::Array(vec![Value::Long(i64::MIN), Value::Long(0), Value::Long(i64::MAX)])
    );
    let Value::Decimal(u64_max) = get("u64_") else { panic!("{:?}", get("u64_")) };
    assert_eq!(<Vec<u8>>::try_from(u64_max).unwrap(), vec![0, 255, 255, 255, 255, 255, 255, 255, 255]);
}

#[test]
fn parquet_files_round_trip_through_write_file_and_read_file() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Everything> = (0..10).map(sample).collect();
    let path = dir.path().join("everything.parquet");
    Everything::write_file(&path, &rows).unwrap();
    assert_eq!(normalise(Everything::read_file(&path).unwrap()), normalise(rows.clone()));
    // The format comes from the magic bytes, not the name.
    let renamed = dir.path().join("no-extension");
    std::fs::rename(&path, &renamed).unwrap();
    assert_eq!(Everything::read_file(&renamed).unwrap().len(), 10);
    let err = Everything::write_file_with(&path, &rows, parquetframe::avro::Codec::Xz).unwrap_err();
    assert!(err.to_string().contains("Parquet files are written with") && !path.exists(), "{err}");
}
