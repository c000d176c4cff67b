//! `T::avro_schema()`: derived from the same type traits as the Arrow schema,
//! spec-valid (parsed by apache-avro; fastavro in tests/interop), with
//! canonical form and fingerprint.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use parquetframe::prelude::*;
use serde_json::json;

/// A postal address.
#[derive(Record, Debug, Clone, PartialEq)]
#[record(namespace = "com.example")]
pub struct Address {
    /// The city.
    pub city: String,
    pub zip: Option<String>,
}

#[derive(Record, Debug, Clone, Copy, PartialEq)]
pub enum Plan {
    Free,
    #[record(rename = "PRO")]
    Pro,
}

/// Someone who signed up.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    /// The key.
    pub user_id: i64,
    pub small: i8,
    pub count: u32,
    pub big: u64,
    pub ratio: f32,
    pub flag: bool,
    pub name: String,
    pub photo: Vec<u8>,
    pub email: Option<String>,
    pub tags: Vec<Option<String>>,
    pub home: Address,
    pub work: Option<Address>,
    pub plan: Plan,
    pub previous: Vec<Plan>,
    pub born: NaiveDate,
    pub wakes: NaiveTime,
    pub local: NaiveDateTime,
    pub signup: DateTime<Utc>,
    pub session: TimeDelta,
    pub scores: HashMap<String, f64>,
    pub by_year: BTreeMap<i32, String>,
    pub id: uuid::Uuid,
    #[entity(precision = 12, scale = 2)]
    pub balance: rust_decimal::Decimal,
    #[entity(rename = "renamed")]
    pub original: i16,
    #[entity(skip)]
    pub cache: Vec<String>,
}

#[test]
fn schema_of_a_representative_entity() {
    let expected = json!({
        "type": "record", "name": "User", "doc": "Someone who signed up.",
        "fields": [
            {"name": "user_id", "doc": "The key.", "type": "long"},
            {"name": "small", "type": "int"},
            {"name": "count", "type": "long"},
            {"name": "big", "type": {"type": "bytes", "logicalType": "decimal", "precision": 20, "scale": 0}},
            {"name": "ratio", "type": "float"},
            {"name": "flag", "type": "boolean"},
            {"name": "name", "type": "string"},
            {"name": "photo", "type": "bytes"},
            {"name": "email", "type": ["null", "string"], "default": null},
            {"name": "tags", "type": {"type": "array", "items": ["null", "string"]}},
            {"name": "home", "type": {"type": "record", "name": "com.example.Address", "doc": "A postal address.", "fields": [
                {"name": "city", "doc": "The city.", "type": "string"},
                {"name": "zip", "type": ["null", "string"], "default": null}
            ]}},
            {"name": "work", "type": ["null", "com.example.Address"], "default": null},
            {"name": "plan", "type": {"type": "enum", "name": "Plan", "symbols": ["Free", "PRO"]}},
            {"name": "previous", "type": {"type": "array", "items": "Plan"}},
            {"name": "born", "type": {"type": "int", "logicalType": "date"}},
            {"name": "wakes", "type": {"type": "long", "logicalType": "time-micros"}},
            {"name": "local", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
            {"name": "signup", "type": {"type": "long", "logicalType": "timestamp-micros"}},
            {"name": "session", "type": {"type": "long", "parquetframe.unit": "duration-micros"}},
            {"name": "scores", "type": {"type": "map", "values": "double"}},
            {"name": "by_year", "type": {"type": "array", "items": {"type": "record", "name": "KeyValue", "fields": [
                {"name": "key", "type": "int"}, {"name": "value", "type": "string"}
            ]}}},
            {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
            {"name": "balance", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
            {"name": "renamed", "type": "int"}
        ]
    });
    assert_eq!(User::avro_schema_json(), expected);
}

#[test]
fn schema_parses_with_apache_avro_and_has_canonical_form_and_fingerprint() {
    let schema = User::avro_schema();
    assert!(matches!(schema, apache_avro::Schema::Record(_)));
    let canonical = User::avro_canonical_form();
    assert!(
        canonical
            .starts_with(r#"{"name":"User","type":"record","fields":[{"name":"user_id","type":"long"},"#),
        "{canonical}"
    );
    assert!(
        canonical.contains(r#"{"name":"big","type":"bytes"}"#),
        "logical types are stripped: {canonical}"
    );
    assert!(
        canonical
            .contains(r#"{"name":"plan","type":{"name":"Plan","type":"enum","symbols":["Free","PRO"]}}"#)
    );
    assert!(!canonical.contains("doc") && !canonical.contains("default") && !canonical.contains(' '));
    // The canonical form is a fixed point: parsing it and taking its canonical
    // form again (apache-avro's own, on a schema without logical types) gives it back.
    let reparsed = apache_avro::Schema::parse_str(&canonical).unwrap();
    assert_eq!(reparsed.canonical_form(), canonical);
    let bytes = reparsed.fingerprint::<apache_avro::rabin::Rabin>().bytes;
    assert_eq!(User::avro_fingerprint(), u64::from_le_bytes(bytes[..8].try_into().unwrap()));
    assert!(std::ptr::eq(User::avro_schema(), User::avro_schema()), "cached");
}

#[test]
fn a_record_used_twice_is_defined_once() {
    let json = User::avro_schema_json().to_string();
    assert_eq!(json.matches(r#""name":"com.example.Address""#).count(), 1);
    assert_eq!(json.matches(r#""type":"enum""#).count(), 1);
}

#[test]
fn nested_records_have_their_own_schema_too() {
    assert_eq!(Address::avro_schema_json()["name"], "com.example.Address");
    assert!(matches!(Address::avro_schema(), apache_avro::Schema::Record(_)));
}

#[test]
fn catalog_holds_the_avro_schema() {
    let dir = tempfile::tempdir().unwrap();
    #[derive(Entity, Debug, Clone, PartialEq)]
    #[entity(storage_path = "small/", primary_key = "id")]
    struct Small {
        id: i64,
        note: Option<String>,
    }
    let store = Store::open(dir.path()).unwrap();
    store.save(&Small { id: 1, note: None }).unwrap();
    let catalog = parquetframe::storage::catalog::read(dir.path()).unwrap();
    assert_eq!(catalog.entities["Small"].avro_schema, Small::avro_schema_json());
}

/// A plain-named type first defined inside a namespaced record.
#[derive(Record, Debug, Clone, Copy, PartialEq)]
pub enum Color {
    Red,
}

#[derive(Record, Debug, Clone, PartialEq)]
#[record(namespace = "org.paint")]
pub struct Can {
    pub color: Color,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "shelves/", primary_key = "id")]
pub struct Shelf {
    pub id: i64,
    pub can: Can,
    pub spare: Color,
}

#[test]
fn plain_names_inside_a_namespaced_record_stay_in_the_null_namespace() {
    let json = Shelf::avro_schema_json();
    assert_eq!(json["fields"][1]["type"]["fields"][0]["type"]["namespace"], "");
    assert!(matches!(Shelf::avro_schema(), apache_avro::Schema::Record(_)));
    assert!(Shelf::avro_canonical_form().contains(r#"{"name":"spare","type":"Color"}"#));
}
