//! Arrow arrays to Avro datums.
//!
//! An [`Encoder`] binds each Avro field of the writer schema to its Arrow
//! column once per batch (typed slices, null buffers, enum symbol tables), then
//! writes rows straight from the column buffers: no value tree, no allocation
//! per value.

use std::collections::HashMap;

use apache_avro::Schema;
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, DurationMicrosecondType, Float32Type, Float64Type, Int8Type,
    Int16Type, Int32Type, Int64Type, Time64MicrosecondType, TimeUnit, TimestampMicrosecondType, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};

use super::binary::{put_bytes, put_decimal, put_long};
use super::names::{Names, Physical, physical};

/// One batch bound to a writer schema, ready to write rows.
pub(crate) struct Encoder<'a> {
    fields: Vec<(Enc<'a>, &'a str)>,
    rows: usize,
}

enum Enc<'a> {
    Null,
    Bool(&'a arrow::array::BooleanArray),
    I8(&'a [i8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
    U64(&'a [u64]),
    F32(&'a [f32]),
    F32AsF64(&'a [f32]),
    F64(&'a [f64]),
    Bytes { offsets: &'a [i32], data: &'a [u8] },
    Fixed { size: usize, data: &'a [u8] },
    UuidText(&'a [u8]),
    Decimal(&'a [i128]),
    EnumText { offsets: &'a [i32], data: &'a [u8], symbols: HashMap<&'a [u8], i64> },
    EnumKeys { keys: &'a [i32], symbols: Vec<Option<i64>> },
    NonNull { nulls: Option<&'a NullBuffer>, inner: Box<Enc<'a>> },
    Nullable { nulls: Option<&'a NullBuffer>, null_branch: i64, value_branch: i64, inner: Box<Enc<'a>> },
    List { offsets: &'a [i32], item: Box<Enc<'a>> },
    Map { offsets: &'a [i32], key: Box<Enc<'a>>, value: Box<Enc<'a>> },
    KeyValues { offsets: &'a [i32], key: Box<Enc<'a>>, value: Box<Enc<'a>> },
    Record(Vec<Enc<'a>>),
}

impl<'a> Encoder<'a> {
    /// Binds `batch`'s columns (by name) to the fields of `schema`, a record.
    pub(crate) fn new(schema: &'a Schema, batch: &'a RecordBatch) -> Result<Self, String> {
        let names = Names::of(schema);
        let Schema::Record(rec) = names.deref(schema)? else {
            return Err("the writer schema is not a record".into());
        };
        let mut fields = Vec::with_capacity(rec.fields.len());
        for f in &rec.fields {
            let enc = match batch.column_by_name(&f.name) {
                Some(column) => bind(&names, &f.schema, column, false),
                None if is_nullable(&names, &f.schema) => Ok(null_branch(&names, &f.schema)),
                None => Err("no such column in the data".into()),
            };
            fields.push((enc.map_err(|e| format!("field `{}`: {e}", f.name))?, f.name.as_str()));
        }
        Ok(Encoder { fields, rows: batch.num_rows() })
    }

    /// Rows in the batch.
    pub(crate) fn len(&self) -> usize {
        self.rows
    }

    /// Appends row `row`.
    #[inline]
    pub(crate) fn write_row(&self, row: usize, out: &mut Vec<u8>) -> Result<(), String> {
        for (enc, name) in &self.fields {
            enc.put(row, out).map_err(|e| format!("row {row}, field `{name}`: {e}"))?;
        }
        Ok(())
    }
}

fn is_nullable(names: &Names<'_>, s: &Schema) -> bool {
    matches!(names.deref(s), Ok(Schema::Union(u)) if u.variants().iter().any(|v| matches!(v, Schema::Null)))
}

fn null_branch<'a>(names: &Names<'_>, s: &Schema) -> Enc<'a> {
    let branch = match names.deref(s) {
        Ok(Schema::Union(u)) => u.variants().iter().position(|v| matches!(v, Schema::Null)).unwrap_or(0),
        _ => 0,
    };
    Enc::Nullable { nulls: None, null_branch: branch as i64, value_branch: -1, inner: Box::new(Enc::Null) }
}

/// `nulls_handled`: an enclosing `["null", T]` writes this array's nulls.
fn bind<'a>(
    names: &Names<'a>,
    schema: &'a Schema,
    array: &'a ArrayRef,
    nulls_handled: bool,
) -> Result<Enc<'a>, String> {
    let schema = names.deref(schema)?;
    if let Schema::Union(u) = schema {
        let variants = u.variants();
        let null = variants.iter().position(|v| matches!(v, Schema::Null));
        let others: Vec<usize> = (0..variants.len()).filter(|&i| Some(i) != null).collect();
        let [value] = others[..] else {
            return Err("unions other than [\"null\", T] are not written".into());
        };
        let inner = bind(names, &variants[value], array, null.is_some())?;
        return Ok(match null {
            Some(n) => Enc::Nullable {
                nulls: array.nulls(),
                null_branch: n as i64,
                value_branch: value as i64,
                inner: Box::new(inner),
            },
            None => Enc::Nullable { nulls: None, null_branch: -1, value_branch: 0, inner: Box::new(inner) },
        });
    }
    if !nulls_handled && array.null_count() > 0 && !matches!(schema, Schema::Null) {
        // Nulls under a null parent (a struct's children) are never written;
        // any other is an error at its row.
        let inner = bind(names, schema, array, true)?;
        return Ok(Enc::NonNull { nulls: array.nulls(), inner: Box::new(inner) });
    }
    let mismatch = || format!("cannot write Arrow {} as Avro {:?}", array.data_type(), physical(schema));
    let dt = array.data_type();
    Ok(match (physical(schema), dt) {
        (Physical::Null, _) => Enc::Null,
        (Physical::Boolean, DataType::Boolean) => Enc::Bool(array.as_boolean()),
        (Physical::Int | Physical::Long, DataType::Int8) => {
            Enc::I8(array.as_primitive::<Int8Type>().values())
        }
        (Physical::Int | Physical::Long, DataType::Int16) => {
            Enc::I16(array.as_primitive::<Int16Type>().values())
        }
        (Physical::Int | Physical::Long, DataType::Int32) => {
            Enc::I32(array.as_primitive::<Int32Type>().values())
        }
        (Physical::Int | Physical::Long, DataType::Date32) => {
            Enc::I32(array.as_primitive::<Date32Type>().values())
        }
        (Physical::Int | Physical::Long, DataType::UInt8) => {
            Enc::U8(array.as_primitive::<UInt8Type>().values())
        }
        (Physical::Int | Physical::Long, DataType::UInt16) => {
            Enc::U16(array.as_primitive::<UInt16Type>().values())
        }
        (Physical::Long, DataType::UInt32) => Enc::U32(array.as_primitive::<UInt32Type>().values()),
        (Physical::Long, DataType::Int64) => Enc::I64(array.as_primitive::<Int64Type>().values()),
        (Physical::Long, DataType::Timestamp(TimeUnit::Microsecond, _)) if micros(schema) => {
            Enc::I64(array.as_primitive::<TimestampMicrosecondType>().values())
        }
        (Physical::Long, DataType::Time64(TimeUnit::Microsecond)) if micros(schema) => {
            Enc::I64(array.as_primitive::<Time64MicrosecondType>().values())
        }
        (Physical::Long, DataType::Duration(TimeUnit::Microsecond)) => {
            Enc::I64(array.as_primitive::<DurationMicrosecondType>().values())
        }
        (Physical::Bytes, DataType::UInt64) => Enc::U64(array.as_primitive::<UInt64Type>().values()),
        (Physical::Float, DataType::Float32) => Enc::F32(array.as_primitive::<Float32Type>().values()),
        (Physical::Double, DataType::Float32) => Enc::F32AsF64(array.as_primitive::<Float32Type>().values()),
        (Physical::Double, DataType::Float64) => Enc::F64(array.as_primitive::<Float64Type>().values()),
        (Physical::String, DataType::Utf8) | (Physical::Bytes, DataType::Utf8) => {
            let a = array.as_string::<i32>();
            Enc::Bytes { offsets: a.value_offsets(), data: a.value_data() }
        }
        (Physical::Bytes | Physical::String, DataType::Binary) => {
            let a = array.as_binary::<i32>();
            Enc::Bytes { offsets: a.value_offsets(), data: a.value_data() }
        }
        (Physical::String, DataType::FixedSizeBinary(16)) => {
            Enc::UuidText(fixed_values(array.as_fixed_size_binary(), 16))
        }
        (Physical::Fixed(n), DataType::FixedSizeBinary(w)) if usize::try_from(*w) == Ok(n) => {
            Enc::Fixed { size: n, data: fixed_values(array.as_fixed_size_binary(), n) }
        }
        (Physical::Bytes, DataType::Decimal128(_, s)) if decimal_scale(schema) == Some(*s) => {
            Enc::Decimal(array.as_primitive::<Decimal128Type>().values())
        }
        (Physical::Enum, DataType::Utf8) => {
            let Schema::Enum(e) = schema else { return Err(mismatch()) };
            let a = array.as_string::<i32>();
            let symbols = e.symbols.iter().enumerate().map(|(i, s)| (s.as_bytes(), i as i64)).collect();
            Enc::EnumText { offsets: a.value_offsets(), data: a.value_data(), symbols }
        }
        (Physical::Enum, DataType::Dictionary(k, v)) if **k == DataType::Int32 && **v == DataType::Utf8 => {
            let Schema::Enum(e) = schema else { return Err(mismatch()) };
            let dict = array.as_dictionary::<Int32Type>();
            let values = dict.values().as_string::<i32>();
            let symbols = values
                .iter()
                .map(|v| v.and_then(|v| e.symbols.iter().position(|s| s == v)).map(|i| i as i64))
                .collect();
            Enc::EnumKeys { keys: dict.keys().values(), symbols }
        }
        (Physical::Array, DataType::List(_)) => {
            let Schema::Array(a) = schema else { return Err(mismatch()) };
            let list = array.as_list::<i32>();
            Enc::List {
                offsets: list.value_offsets(),
                item: Box::new(bind(names, &a.items, list.values(), false)?),
            }
        }
        (Physical::Map, DataType::Map(..)) => {
            let Schema::Map(m) = schema else { return Err(mismatch()) };
            let map = array.as_map();
            let key = bind_utf8(map.keys())?;
            Enc::Map {
                offsets: map.value_offsets(),
                key: Box::new(key),
                value: Box::new(bind(names, &m.types, map.values(), false)?),
            }
        }
        (Physical::Array, DataType::Map(..)) => {
            let Schema::Array(a) = schema else { return Err(mismatch()) };
            let Ok(Schema::Record(kv)) = names.deref(&a.items) else { return Err(mismatch()) };
            let (Some(kf), Some(vf)) = (kv.fields.first(), kv.fields.get(1)) else { return Err(mismatch()) };
            let map = array.as_map();
            Enc::KeyValues {
                offsets: map.value_offsets(),
                key: Box::new(bind(names, &kf.schema, map.keys(), false)?),
                value: Box::new(bind(names, &vf.schema, map.values(), false)?),
            }
        }
        (Physical::Record, DataType::Struct(_)) => {
            let Schema::Record(r) = schema else { return Err(mismatch()) };
            let s = array.as_struct();
            let mut fields = Vec::with_capacity(r.fields.len());
            for f in &r.fields {
                let enc = match s.column_by_name(&f.name) {
                    Some(c) => bind(names, &f.schema, c, false),
                    None if is_nullable(names, &f.schema) => Ok(null_branch(names, &f.schema)),
                    None => Err("no such struct field in the data".into()),
                };
                fields.push(enc.map_err(|e| format!("`{}`: {e}", f.name))?);
            }
            Enc::Record(fields)
        }
        _ => return Err(mismatch()),
    })
}

fn bind_utf8(array: &ArrayRef) -> Result<Enc<'_>, String> {
    match array.data_type() {
        DataType::Utf8 => {
            let a = array.as_string::<i32>();
            Ok(Enc::Bytes { offsets: a.value_offsets(), data: a.value_data() })
        }
        other => Err(format!("Avro map keys are strings, the data's are {other}")),
    }
}

fn fixed_values(a: &arrow::array::FixedSizeBinaryArray, size: usize) -> &[u8] {
    let start = a.offset() * size;
    a.value_data().get(start..start + a.len() * size).unwrap_or(&[])
}

fn micros(s: &Schema) -> bool {
    matches!(s, Schema::TimestampMicros | Schema::LocalTimestampMicros | Schema::TimeMicros | Schema::Long)
}

fn decimal_scale(s: &Schema) -> Option<i8> {
    match s {
        Schema::Decimal(d) => i8::try_from(d.scale).ok(),
        _ => None,
    }
}

fn slice<'b>(data: &'b [u8], offsets: &[i32], row: usize) -> Result<&'b [u8], String> {
    let (Some(&a), Some(&b)) = (offsets.get(row), offsets.get(row + 1)) else {
        return Err("row out of range".into());
    };
    data.get(a as usize..b as usize).ok_or_else(|| "offsets out of range".into())
}

fn range(offsets: &[i32], row: usize) -> Result<std::ops::Range<usize>, String> {
    match (offsets.get(row), offsets.get(row + 1)) {
        (Some(&a), Some(&b)) => Ok(a as usize..b as usize),
        _ => Err("row out of range".into()),
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn put_uuid(out: &mut Vec<u8>, b: &[u8]) {
    let mut text = [0u8; 36];
    let mut j = 0;
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            text[j] = b'-';
            j += 1;
        }
        text[j] = HEX[usize::from(byte >> 4)];
        text[j + 1] = HEX[usize::from(byte & 0xf)];
        j += 2;
    }
    put_bytes(out, &text);
}

impl Enc<'_> {
    #[inline]
    fn put(&self, row: usize, out: &mut Vec<u8>) -> Result<(), String> {
        let get = |v: Option<i64>| v.ok_or_else(|| "row out of range".to_string());
        match self {
            Enc::Null => {}
            Enc::I64(v) => put_long(out, get(v.get(row).copied())?),
            Enc::I32(v) => put_long(out, get(v.get(row).map(|&x| i64::from(x)))?),
            Enc::Bytes { offsets, data } => put_bytes(out, slice(data, offsets, row)?),
            Enc::Nullable { nulls, null_branch, value_branch, inner } => {
                if nulls.is_some_and(|n| n.is_null(row)) || *value_branch < 0 {
                    put_long(out, *null_branch);
                } else {
                    if *null_branch >= 0 {
                        put_long(out, *value_branch);
                    }
                    inner.put(row, out)?;
                }
            }
            Enc::NonNull { nulls, inner } => {
                if nulls.is_some_and(|n| n.is_null(row)) {
                    return Err("null value, but the Avro type is not nullable".into());
                }
                inner.put(row, out)?;
            }
            Enc::Bool(a) => {
                if row >= a.len() {
                    return Err("row out of range".into());
                }
                out.push(u8::from(a.value(row)));
            }
            Enc::I8(v) => put_long(out, get(v.get(row).map(|&x| i64::from(x)))?),
            Enc::I16(v) => put_long(out, get(v.get(row).map(|&x| i64::from(x)))?),
            Enc::U8(v) => put_long(out, get(v.get(row).map(|&x| i64::from(x)))?),
            Enc::U16(v) => put_long(out, get(v.get(row).map(|&x| i64::from(x)))?),
            Enc::U32(v) => put_long(out, get(v.get(row).map(|&x| i64::from(x)))?),
            Enc::U64(v) => put_decimal(out, i128::from(*v.get(row).ok_or("row out of range")?)),
            Enc::F32(v) => out.extend_from_slice(&v.get(row).ok_or("row out of range")?.to_le_bytes()),
            Enc::F32AsF64(v) => {
                out.extend_from_slice(&f64::from(*v.get(row).ok_or("row out of range")?).to_le_bytes())
            }
            Enc::F64(v) => out.extend_from_slice(&v.get(row).ok_or("row out of range")?.to_le_bytes()),
            Enc::Fixed { size, data } => {
                out.extend_from_slice(data.get(row * size..(row + 1) * size).ok_or("row out of range")?)
            }
            Enc::UuidText(data) => {
                put_uuid(out, data.get(row * 16..(row + 1) * 16).ok_or("row out of range")?)
            }
            Enc::Decimal(v) => put_decimal(out, *v.get(row).ok_or("row out of range")?),
            Enc::EnumText { offsets, data, symbols } => {
                let s = slice(data, offsets, row)?;
                let i = symbols.get(s).ok_or_else(|| {
                    format!("`{}` is not a symbol of the Avro enum", String::from_utf8_lossy(s))
                })?;
                put_long(out, *i);
            }
            Enc::EnumKeys { keys, symbols } => {
                let k = *keys.get(row).ok_or("row out of range")?;
                let i = usize::try_from(k).ok().and_then(|k| symbols.get(k).copied().flatten());
                put_long(
                    out,
                    i.ok_or_else(|| format!("dictionary key {k} is not a symbol of the Avro enum"))?,
                );
            }
            Enc::List { offsets, item } => {
                let r = range(offsets, row)?;
                if !r.is_empty() {
                    put_long(out, r.len() as i64);
                    for i in r {
                        item.put(i, out)?;
                    }
                }
                out.push(0);
            }
            Enc::Map { offsets, key, value } | Enc::KeyValues { offsets, key, value } => {
                let r = range(offsets, row)?;
                if !r.is_empty() {
                    put_long(out, r.len() as i64);
                    for i in r {
                        key.put(i, out)?;
                        value.put(i, out)?;
                    }
                }
                out.push(0);
            }
            Enc::Record(fields) => {
                for f in fields {
                    f.put(row, out)?;
                }
            }
        }
        Ok(())
    }
}
