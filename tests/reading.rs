//! `from_record_batch` accepts what real writers produce, and reports
//! everything else as an error naming entity, column, types and row.

use std::sync::Arc;

use arrow::array::*;
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::*;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "people/", primary_key = "id")]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub nick: Option<String>,
    pub age: i32,
    pub photo: Vec<u8>,
    pub at: DateTime<Utc>,
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).expect("valid batch")
}

fn instant(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).expect("in range")
}

fn expected() -> Vec<Person> {
    vec![
        Person { id: 1, name: "a".into(), nick: None, age: 30, photo: vec![1], at: instant(1_000_000) },
        Person {
            id: 2,
            name: "bé".into(),
            nick: Some("x".into()),
            age: -1,
            photo: vec![],
            at: instant(-2_000_000),
        },
    ]
}

fn standard_columns() -> Vec<(&'static str, ArrayRef)> {
    vec![
        ("id", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef),
        ("name", Arc::new(StringArray::from(vec!["a", "bé"]))),
        ("nick", Arc::new(StringArray::from(vec![None, Some("x")]))),
        ("age", Arc::new(Int32Array::from(vec![30, -1]))),
        ("photo", Arc::new(BinaryArray::from(vec![&[1u8][..], &[][..]]))),
        ("at", Arc::new(TimestampMicrosecondArray::from(vec![1_000_000, -2_000_000]).with_timezone("UTC"))),
    ]
}

fn replace(name: &str, array: ArrayRef) -> RecordBatch {
    let columns = standard_columns()
        .into_iter()
        .map(|(n, a)| if n == name { (n, array.clone()) } else { (n, a) })
        .collect();
    batch(columns)
}

#[test]
fn columns_match_by_name_in_any_order_and_extra_columns_are_ignored() {
    let mut columns = standard_columns();
    columns.reverse();
    columns.insert(2, ("unrelated", Arc::new(Float64Array::from(vec![0.5, 1.5])) as ArrayRef));
    assert_eq!(Person::from_record_batch(&batch(columns)).unwrap(), expected());
}

#[test]
fn accepts_large_and_view_strings_and_binaries() {
    let large: ArrayRef = Arc::new(LargeStringArray::from(vec!["a", "bé"]));
    assert_eq!(Person::from_record_batch(&replace("name", large)).unwrap(), expected());
    let view: ArrayRef = Arc::new(StringViewArray::from(vec!["a", "bé"]));
    assert_eq!(Person::from_record_batch(&replace("name", view)).unwrap(), expected());
    let large_nick: ArrayRef = Arc::new(LargeStringArray::from(vec![None, Some("x")]));
    assert_eq!(Person::from_record_batch(&replace("nick", large_nick)).unwrap(), expected());
    let large_bin: ArrayRef = Arc::new(LargeBinaryArray::from(vec![&[1u8][..], &[][..]]));
    assert_eq!(Person::from_record_batch(&replace("photo", large_bin)).unwrap(), expected());
    let view_bin: ArrayRef = Arc::new(BinaryViewArray::from(vec![&[1u8][..], &[][..]]));
    assert_eq!(Person::from_record_batch(&replace("photo", view_bin)).unwrap(), expected());
}

#[test]
fn accepts_dictionary_encoded_strings() {
    let dict: DictionaryArray<Int8Type> = vec!["a", "bé"].into_iter().collect();
    assert_eq!(Person::from_record_batch(&replace("name", Arc::new(dict))).unwrap(), expected());
    let dict16: DictionaryArray<UInt16Type> = vec![None, Some("x")].into_iter().collect();
    assert_eq!(Person::from_record_batch(&replace("nick", Arc::new(dict16))).unwrap(), expected());
}

#[test]
fn accepts_lossless_integer_widening() {
    let narrow: ArrayRef = Arc::new(Int16Array::from(vec![30, -1]));
    assert_eq!(Person::from_record_batch(&replace("age", narrow)).unwrap(), expected());
    let unsigned: ArrayRef = Arc::new(UInt32Array::from(vec![1, 2]));
    assert_eq!(Person::from_record_batch(&replace("id", unsigned)).unwrap(), expected());
}

#[test]
fn rejects_lossy_integer_narrowing_naming_the_types() {
    let wide: ArrayRef = Arc::new(Int64Array::from(vec![30, -1]));
    let err = Person::from_record_batch(&replace("age", wide)).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::ColumnType { entity: "Person", column, expected: DataType::Int32, found: DataType::Int64, .. } if column == "age"
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("`Person`") && msg.contains("`age`") && msg.contains("Int64") && msg.contains("Int32"),
        "{msg}"
    );
    let unsigned: ArrayRef = Arc::new(UInt64Array::from(vec![1, 2]));
    assert!(matches!(Person::from_record_batch(&replace("id", unsigned)), Err(Error::ColumnType { .. })));
}

#[test]
fn accepts_every_timestamp_unit_and_zone() {
    let secs: ArrayRef = Arc::new(TimestampSecondArray::from(vec![1, -2]).with_timezone("+02:00"));
    assert_eq!(Person::from_record_batch(&replace("at", secs)).unwrap(), expected());
    let millis: ArrayRef =
        Arc::new(TimestampMillisecondArray::from(vec![1_000, -2_000]).with_timezone("UTC"));
    assert_eq!(Person::from_record_batch(&replace("at", millis)).unwrap(), expected());
    let nanos: ArrayRef =
        Arc::new(TimestampNanosecondArray::from(vec![1_000_000_000, -2_000_000_000]).with_timezone("UTC"));
    assert_eq!(Person::from_record_batch(&replace("at", nanos)).unwrap(), expected());
}

#[test]
fn timestamp_without_zone_is_not_an_instant() {
    let naive: ArrayRef = Arc::new(TimestampMicrosecondArray::from(vec![1, 2]));
    let err = Person::from_record_batch(&replace("at", naive)).unwrap_err();
    assert!(matches!(err, Error::ColumnType { ref column, .. } if column == "at"), "{err}");
}

#[test]
fn out_of_range_timestamp_is_an_error_naming_the_row() {
    let far: ArrayRef = Arc::new(TimestampSecondArray::from(vec![0, i64::MAX]).with_timezone("UTC"));
    let err = Person::from_record_batch(&replace("at", far)).unwrap_err();
    assert!(matches!(err, Error::InvalidValue { row: 1, ref column, .. } if column == "at"), "{err}");
}

#[test]
fn missing_column_names_it_and_lists_what_was_found() {
    let columns = standard_columns().into_iter().filter(|(n, _)| *n != "age").collect();
    let err = Person::from_record_batch(&batch(columns)).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, Error::MissingColumn { entity: "Person", ref column, .. } if column == "age"),
        "{msg}"
    );
    assert!(msg.contains("id, name, nick, photo, at"), "{msg}");
}

#[test]
fn missing_option_column_is_still_an_error() {
    // Only `#[entity(default)]` makes a column optional in the data.
    let columns = standard_columns().into_iter().filter(|(n, _)| *n != "nick").collect();
    assert!(matches!(Person::from_record_batch(&batch(columns)), Err(Error::MissingColumn { .. })));
}

#[test]
fn null_in_required_column_names_the_row() {
    let with_null: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None]));
    let err = Person::from_record_batch(&replace("name", with_null)).unwrap_err();
    assert!(
        matches!(err, Error::NullValue { entity: "Person", row: 1, ref column } if column == "name"),
        "{err}"
    );
    assert!(err.to_string().contains("row 1"));
}

#[test]
fn all_null_column_of_null_type_reads_as_none() {
    let nulls: ArrayRef = Arc::new(NullArray::new(2));
    let rows = Person::from_record_batch(&replace("nick", nulls)).unwrap();
    assert!(rows.iter().all(|p| p.nick.is_none()));
}

#[test]
fn sliced_batches_read_the_right_rows() {
    let full = batch(standard_columns());
    let sliced = full.slice(1, 1);
    assert_eq!(Person::from_record_batch(&sliced).unwrap(), expected()[1..]);
}

// ---- older data, nested paths ---------------------------------------------

#[derive(Record, Debug, Clone, PartialEq, Default)]
pub struct Inner {
    pub x: i32,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "v2/", primary_key = "id")]
pub struct V2 {
    pub id: i64,
    #[entity(default)]
    pub added_later: Vec<String>,
    #[entity(default)]
    pub score: Option<f64>,
    pub inner: Option<Inner>,
    pub items: Vec<Inner>,
}

fn inner_struct(values: Vec<Option<i32>>, nulls: Option<Vec<bool>>) -> StructArray {
    let fields = Fields::from(vec![Field::new("x", DataType::Int32, true)]);
    StructArray::new(fields, vec![Arc::new(Int32Array::from(values))], nulls.map(Into::into))
}

fn items_column(inner: StructArray, offsets: Vec<i32>) -> ArrayRef {
    let field = Arc::new(Field::new("item", inner.data_type().clone(), true));
    Arc::new(ListArray::new(field, OffsetBuffer::new(offsets.into()), Arc::new(inner), None))
}

#[test]
fn default_fields_load_older_data_without_the_column() {
    let b = batch(vec![
        ("id", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
        ("inner", Arc::new(inner_struct(vec![Some(5)], None))),
        ("items", items_column(inner_struct(vec![Some(1), Some(2)], None), vec![0, 2])),
    ]);
    let rows = V2::from_record_batch(&b).unwrap();
    assert_eq!(
        rows,
        vec![V2 {
            id: 1,
            added_later: vec![],
            score: None,
            inner: Some(Inner { x: 5 }),
            items: vec![Inner { x: 1 }, Inner { x: 2 }]
        }]
    );
}

#[test]
fn nested_null_names_the_nested_column_path() {
    let b = batch(vec![
        ("id", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef),
        ("inner", Arc::new(inner_struct(vec![Some(5), None], Some(vec![true, false])))),
        ("items", items_column(inner_struct(vec![Some(1), None], None), vec![0, 1, 2])),
    ]);
    let err = V2::from_record_batch(&b).unwrap_err();
    assert!(matches!(err, Error::NullValue { row: 1, ref column, .. } if column == "items[].x"), "{err}");
}

#[test]
fn null_struct_with_null_children_reads_as_none() {
    let b = batch(vec![
        ("id", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef),
        ("inner", Arc::new(inner_struct(vec![Some(5), None], Some(vec![true, false])))),
        ("items", items_column(inner_struct(vec![], None), vec![0, 0, 0])),
    ]);
    let rows = V2::from_record_batch(&b).unwrap();
    assert_eq!(rows[1].inner, None);
}

#[test]
fn nested_type_mismatch_names_the_nested_column_path() {
    let fields = Fields::from(vec![Field::new("x", DataType::Utf8, false)]);
    let bad = StructArray::new(fields, vec![Arc::new(StringArray::from(vec!["no"]))], None);
    let b = batch(vec![
        ("id", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
        ("inner", Arc::new(bad)),
        ("items", items_column(inner_struct(vec![], None), vec![0, 0])),
    ]);
    let err = V2::from_record_batch(&b).unwrap_err();
    assert!(
        matches!(err, Error::ColumnType { ref column, found: DataType::Utf8, .. } if column == "inner.x"),
        "{err}"
    );
}

#[test]
fn large_and_fixed_size_lists_are_accepted() {
    let inner = inner_struct(vec![Some(1), Some(2)], None);
    let field = Arc::new(Field::new("item", inner.data_type().clone(), true));
    let large = LargeListArray::new(
        field.clone(),
        OffsetBuffer::new(vec![0i64, 2].into()),
        Arc::new(inner.clone()),
        None,
    );
    let b = batch(vec![
        ("id", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
        ("inner", Arc::new(inner_struct(vec![None], Some(vec![false])))),
        ("items", Arc::new(large)),
    ]);
    assert_eq!(V2::from_record_batch(&b).unwrap()[0].items, vec![Inner { x: 1 }, Inner { x: 2 }]);
    let fixed = FixedSizeListArray::new(field, 2, Arc::new(inner), None);
    let b = batch(vec![
        ("id", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
        ("inner", Arc::new(inner_struct(vec![None], Some(vec![false])))),
        ("items", Arc::new(fixed)),
    ]);
    assert_eq!(V2::from_record_batch(&b).unwrap()[0].items.len(), 2);
}

// ---- other temporal units ----------------------------------------------------

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "t/", primary_key = "d")]
pub struct Times {
    pub d: NaiveDate,
    pub n: NaiveDateTime,
    pub t: chrono::NaiveTime,
    pub dur: chrono::Duration,
}

#[test]
fn accepts_date64_time32_and_other_duration_units() {
    let b = batch(vec![
        ("d", Arc::new(Date64Array::from(vec![86_400_000 * 3])) as ArrayRef),
        ("n", Arc::new(TimestampMillisecondArray::from(vec![1_500]))),
        ("t", Arc::new(Time32SecondArray::from(vec![3_661]))),
        ("dur", Arc::new(DurationSecondArray::from(vec![-90]))),
    ]);
    let rows = Times::from_record_batch(&b).unwrap();
    assert_eq!(rows[0].d, NaiveDate::from_ymd_opt(1970, 1, 4).unwrap());
    assert_eq!(rows[0].n, DateTime::from_timestamp_millis(1_500).unwrap().naive_utc());
    assert_eq!(rows[0].t, chrono::NaiveTime::from_hms_opt(1, 1, 1).unwrap());
    assert_eq!(rows[0].dur, chrono::Duration::seconds(-90));
}

#[test]
fn time_of_day_beyond_midnight_is_an_error() {
    let b = batch(vec![
        ("d", Arc::new(Date32Array::from(vec![0])) as ArrayRef),
        ("n", Arc::new(TimestampMicrosecondArray::from(vec![0]))),
        ("t", Arc::new(Time64MicrosecondArray::from(vec![90_000_000_000]))),
        ("dur", Arc::new(DurationMicrosecondArray::from(vec![0]))),
    ]);
    assert!(matches!(Times::from_record_batch(&b), Err(Error::InvalidValue { row: 0, .. })));
}

// ---- enums -------------------------------------------------------------------

#[derive(Record, Debug, Clone, Copy, PartialEq)]
pub enum Color {
    Red,
    Green,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "c/", primary_key = "id")]
pub struct Painted {
    pub id: i32,
    pub color: Color,
}

#[test]
fn enum_reads_plain_and_dictionary_strings_and_rejects_unknown_variants() {
    let dict: DictionaryArray<Int16Type> = vec!["Green", "Red", "Green"].into_iter().collect();
    let b =
        batch(vec![("id", Arc::new(Int32Array::from(vec![1, 2, 3])) as ArrayRef), ("color", Arc::new(dict))]);
    let colors: Vec<Color> = Painted::from_record_batch(&b).unwrap().into_iter().map(|p| p.color).collect();
    assert_eq!(colors, [Color::Green, Color::Red, Color::Green]);
    let b = batch(vec![
        ("id", Arc::new(Int32Array::from(vec![1, 2])) as ArrayRef),
        ("color", Arc::new(StringArray::from(vec!["Red", "Blue"]))),
    ]);
    let err = Painted::from_record_batch(&b).unwrap_err();
    assert!(matches!(err, Error::InvalidValue { row: 1, .. }), "{err}");
    assert!(err.to_string().contains("`Blue` is not a variant (expected one of: Red, Green)"), "{err}");
}
