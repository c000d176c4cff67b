//! Avro datums to Arrow arrays, with schema resolution.
//!
//! A [`Plan`] pairs the file's writer schema with the reader's (an entity's
//! Avro schema and its Arrow schema). Building it applies the specification's
//! resolution rules once: fields are matched by name or reader alias in any
//! order, writer-only fields become skips, int/long/float widen, bytes and
//! string convert, unions are matched branch by branch, enum symbols by name,
//! and timestamp units are converted. Running it decodes each datum straight
//! into column buffers: no intermediate value tree, no per-value allocation.
//!
//! Reader fields the writer lacks are left out of the batch, so the usual
//! reading rules of the entity decide: `Option` fields become `None`,
//! `#[field(default)]` fields their default, any other is a missing-column error.

use std::sync::Arc;

use apache_avro::Schema;
use apache_avro::schema::RecordSchema;
use arrow::array::{Array, ArrayData, ArrayRef, BooleanBufferBuilder, RecordBatch, make_array};
use arrow::array::{NullBufferBuilder, StringArray};
use arrow::buffer::Buffer;
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Schema as ArrowSchema, TimeUnit};

use super::binary::{Input, Malformed, decimal_value};
use super::names::{Names, Physical, physical};

/// Nesting deeper than this in a skipped writer type is refused (a recursive type).
const MAX_SKIP_DEPTH: usize = 64;

/// How one decoded writer schema maps onto a reader's columns.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    fields: Vec<(Op, Box<str>)>,
    /// Reader fields the writer lacks: null each row (those with a null default).
    missing: Vec<usize>,
    outs: Vec<Spec>,
    columns: Vec<usize>,
}

/// A reader output column (or nested child) before any data.
#[derive(Debug, Clone)]
struct Spec {
    field: FieldRef,
    kind: Kind,
    used: bool,
}

#[derive(Debug, Clone)]
enum Kind {
    Null,
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
    Bytes { utf8: bool },
    Fixed(usize),
    Decimal { scale: i8 },
    Dict(Arc<[String]>),
    List(usize),
    Map { key: usize, value: usize },
    Struct(Vec<usize>),
}

/// A step of decoding, shaped like the writer schema.
#[derive(Debug, Clone)]
enum Op {
    Skip(Skip),
    Null(usize),
    Bool(usize),
    /// An int or long (same varint), scaled to the reader's unit.
    Long(usize, Scale),
    Float(usize),
    Double(usize),
    Bytes(usize, Text),
    Fixed(usize, usize, Text),
    /// Writer enum index → reader dictionary key.
    EnumKey(usize, Vec<Result<i32, Box<str>>>),
    /// Writer enum index → symbol text.
    EnumText(usize, Vec<Result<Box<str>, Box<str>>>),
    Array(usize, Box<Op>),
    Map(usize, usize, Box<Op>),
    Record {
        out: Option<usize>,
        fields: Vec<(Op, Box<str>)>,
        missing: Vec<usize>,
    },
    Union(Vec<Op>),
    /// A writer branch the reader cannot take: an error only if data uses it.
    Fail(Box<str>),
}

/// Decoding steps of a record's fields, with the field names for errors.
type FieldOps = Vec<(Op, Box<str>)>;

#[derive(Debug, Clone, Copy)]
enum Scale {
    One,
    Mul(i64),
    Div(i64),
}

#[derive(Debug, Clone, Copy)]
enum Text {
    Utf8,
    Raw,
    Uuid,
    Decimal(i128),
    U64,
}

#[derive(Debug, Clone)]
enum Skip {
    Varint,
    Bytes,
    Fixed(usize),
    Array(Box<Skip>),
    Map(Box<Skip>),
    Record(Vec<Skip>),
    Union(Vec<Skip>),
}

impl Plan {
    /// Resolves `writer` (a file's schema) against the reader: `reader` is the
    /// entity's Avro schema and `arrow` its Arrow schema (same fields, same
    /// order). With `only`, the reader is projected to that one column.
    pub(crate) fn new(
        writer: &Schema,
        reader: &Schema,
        arrow: &ArrowSchema,
        only: Option<&str>,
    ) -> Result<Plan, String> {
        let wnames = Names::of(writer);
        let rnames = Names::of(reader);
        let mut b = Build { w: &wnames, r: &rnames, outs: Vec::new() };
        let Schema::Record(rrec) = rnames.deref(reader)? else {
            return Err("the reader schema is not a record".into());
        };
        let Schema::Record(wrec) = wnames.deref(writer)? else {
            return Err(format!("the file's schema is {}, not a record", describe(writer)));
        };
        let mut readers = Vec::new();
        for afield in arrow.fields() {
            if only.is_some_and(|o| o != afield.name()) {
                continue;
            }
            let Some(rfield) = rrec.fields.iter().find(|f| &f.name == afield.name()) else {
                return Err(format!("reader column `{}` has no Avro field", afield.name()));
            };
            let out = b.out(&rfield.schema, afield).map_err(|e| in_field(afield.name(), e))?;
            readers.push((rfield, out));
        }
        let (fields, missing) = b.record_fields(wrec, &readers)?;
        let columns = readers.iter().map(|(_, o)| *o).filter(|&o| b.outs[o].used).collect();
        Ok(Plan { fields, missing, outs: b.outs, columns })
    }

    /// Decodes `blocks` (row count, decompressed bytes) into one batch.
    /// `rows` sizes the buffers; errors give the block and row.
    pub(crate) fn decode<'a>(
        &self,
        rows: usize,
        blocks: impl IntoIterator<Item = Result<(usize, &'a [u8], usize), String>>,
    ) -> Result<RecordBatch, String> {
        let mut outs: Vec<Out> = self
            .outs
            .iter()
            .enumerate()
            .map(|(i, s)| Out::new(s, if self.columns.contains(&i) { rows } else { 0 }))
            .collect();
        let mut total = 0usize;
        for block in blocks {
            let (count, bytes, index) = block?;
            let mut input = Input::new(bytes);
            for row in 0..count {
                for (op, name) in &self.fields {
                    run(op, &mut input, &mut outs)
                        .map_err(|e| format!("block {index}, row {row}, field `{name}`: {e}"))?;
                }
                for &m in &self.missing {
                    null_here(&mut outs, m);
                }
            }
            if input.remaining() != 0 {
                return Err(trailing_bytes(index, count, input.remaining()));
            }
            total += count;
        }
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.columns.len());
        let mut fields: Vec<FieldRef> = Vec::with_capacity(self.columns.len());
        for &c in &self.columns {
            let (field, data) = finish(&mut outs, &self.outs, c)?;
            fields.push(field);
            columns.push(make_array(data));
        }
        let options = arrow::array::RecordBatchOptions::new().with_row_count(Some(total));
        RecordBatch::try_new_with_options(Arc::new(ArrowSchema::new(fields)), columns, &options)
            .map_err(|e| e.to_string())
    }
}

fn in_field(name: &str, e: String) -> String {
    format!("field `{name}`: {e}")
}

fn describe(s: &Schema) -> String {
    match s {
        Schema::Record(r) => format!("record `{}`", r.name.fullname(None)),
        Schema::Enum(e) => format!("enum `{}`", e.name.fullname(None)),
        Schema::Fixed(f) => format!("fixed `{}` ({} bytes)", f.name.fullname(None), f.size),
        Schema::Ref { name } => format!("`{}`", name.fullname(None)),
        other => format!("{:?}", apache_avro::schema::SchemaKind::from(other)).to_lowercase(),
    }
}

struct Build<'n, 'w, 'r> {
    w: &'n Names<'w>,
    r: &'n Names<'r>,
    outs: Vec<Spec>,
}

impl<'w, 'r> Build<'_, 'w, 'r> {
    fn push(&mut self, field: &Field, kind: Kind) -> usize {
        self.outs.push(Spec { field: Arc::new(field.clone()), kind, used: false });
        self.outs.len() - 1
    }

    /// The output buffers for a reader field (`reader` its Avro type, `field` its Arrow field).
    fn out(&mut self, reader: &'r Schema, field: &Field) -> Result<usize, String> {
        let reader = non_null(self.r.deref(reader)?);
        let reader = self.r.deref(reader)?;
        let kind = match field.data_type() {
            DataType::Null => Kind::Null,
            DataType::Boolean => Kind::Bool,
            DataType::Int8 => Kind::I8,
            DataType::Int16 => Kind::I16,
            DataType::Int32 | DataType::Date32 => Kind::I32,
            DataType::Int64 | DataType::Time64(_) | DataType::Timestamp(..) | DataType::Duration(_) => {
                Kind::I64
            }
            DataType::UInt8 => Kind::U8,
            DataType::UInt16 => Kind::U16,
            DataType::UInt32 => Kind::U32,
            DataType::UInt64 => Kind::U64,
            DataType::Float32 => Kind::F32,
            DataType::Float64 => Kind::F64,
            DataType::Utf8 => Kind::Bytes { utf8: true },
            DataType::Binary => Kind::Bytes { utf8: false },
            DataType::FixedSizeBinary(n) => Kind::Fixed(usize::try_from(*n).unwrap_or(0)),
            DataType::Decimal128(_, s) => Kind::Decimal { scale: *s },
            DataType::Dictionary(k, v) if **k == DataType::Int32 && **v == DataType::Utf8 => {
                let Schema::Enum(e) = reader else {
                    return Err("a dictionary column needs an Avro enum".into());
                };
                Kind::Dict(e.symbols.clone().into())
            }
            DataType::List(item) => {
                let Schema::Array(a) = reader else { return Err("a list column needs an Avro array".into()) };
                Kind::List(self.out(&a.items, item)?)
            }
            DataType::Map(entries, _) => {
                let DataType::Struct(kv) = entries.data_type() else {
                    return Err("map entries are not a struct".into());
                };
                let (Some(kf), Some(vf)) = (kv.first(), kv.get(1)) else {
                    return Err("map entries need a key and a value".into());
                };
                let (key, value) = match reader {
                    Schema::Map(m) => {
                        let key = self.push(kf, Kind::Bytes { utf8: true });
                        (key, self.out(&m.types, vf)?)
                    }
                    Schema::Array(a) => match self.r.deref(&a.items)? {
                        Schema::Record(rec) if rec.fields.len() == 2 => {
                            (self.out(&rec.fields[0].schema, kf)?, self.out(&rec.fields[1].schema, vf)?)
                        }
                        _ => return Err("a map column needs an Avro map or key/value records".into()),
                    },
                    _ => return Err("a map column needs an Avro map".into()),
                };
                Kind::Map { key, value }
            }
            DataType::Struct(children) => {
                let Schema::Record(rec) = reader else {
                    return Err("a struct column needs an Avro record".into());
                };
                let mut outs = Vec::with_capacity(children.len());
                for child in children {
                    let Some(rf) = rec.fields.iter().find(|f| &f.name == child.name()) else {
                        return Err(format!("struct field `{}` has no Avro field", child.name()));
                    };
                    outs.push(self.out(&rf.schema, child).map_err(|e| in_field(child.name(), e))?);
                }
                Kind::Struct(outs)
            }
            other => return Err(format!("Arrow type {other} cannot be read from Avro")),
        };
        Ok(self.push(field, kind))
    }

    /// Writer record fields against reader fields (`readers`: Avro field and its output).
    fn record_fields(
        &mut self,
        writer: &'w RecordSchema,
        readers: &[(&'r apache_avro::schema::RecordField, usize)],
    ) -> Result<(FieldOps, Vec<usize>), String> {
        let mut ops = Vec::with_capacity(writer.fields.len());
        let mut matched = vec![false; readers.len()];
        for wf in &writer.fields {
            let hit = readers.iter().position(|(rf, _)| rf.name == wf.name || rf.aliases.contains(&wf.name));
            let op = match hit {
                Some(i) => {
                    matched[i] = true;
                    let out = readers[i].1;
                    self.resolve(&wf.schema, out, &readers[i].0.schema).map_err(|e| in_field(&wf.name, e))?
                }
                None => Op::Skip(self.skip(&wf.schema, 0)?),
            };
            ops.push((op, wf.name.as_str().into()));
        }
        // A reader field the writer lacks takes its default: null for a field
        // declared `["null", T]` with default null (an `Option`). Others are
        // left out, and the entity's reading rules decide (e.g. `#[field(default)]`).
        let mut missing = Vec::new();
        for ((rf, out), hit) in readers.iter().zip(matched) {
            if !hit {
                if rf.default == Some(serde_json::Value::Null) && self.outs[*out].field.is_nullable() {
                    self.outs[*out].used = true;
                }
                missing.push(*out);
            }
        }
        Ok((ops, missing))
    }

    /// How to decode a `writer` datum into output `out` (whose Avro type is `reader`).
    fn resolve(&mut self, writer: &'w Schema, out: usize, reader: &'r Schema) -> Result<Op, String> {
        let writer = self.w.deref(writer)?;
        if let Schema::Union(u) = writer {
            let branches = u
                .variants()
                .iter()
                .map(|v| self.resolve(v, out, reader).unwrap_or_else(|e| Op::Fail(e.into())))
                .collect();
            return Ok(Op::Union(branches));
        }
        let nullable = self.outs[out].field.is_nullable();
        if let Schema::Null = writer {
            return Ok(if nullable {
                Op::Null(out)
            } else {
                Op::Fail("null for a non-nullable field".into())
            });
        }
        let reader = self.r.deref(non_null(self.r.deref(reader)?))?;
        let kind = self.outs[out].kind.clone();
        let dt = self.outs[out].field.data_type().clone();
        let mismatch = || format!("the file's {} cannot be read as {dt}", describe(writer));
        let op = match (physical(writer), kind) {
            (Physical::Boolean, Kind::Bool) => Op::Bool(out),
            (
                Physical::Int | Physical::Long,
                Kind::I8
                | Kind::I16
                | Kind::I32
                | Kind::I64
                | Kind::U8
                | Kind::U16
                | Kind::U32
                | Kind::U64
                | Kind::F32
                | Kind::F64,
            ) => Op::Long(out, scale(writer, &dt)?),
            (Physical::Float, Kind::F32 | Kind::F64) => Op::Float(out),
            (Physical::Double, Kind::F64) => Op::Double(out),
            (Physical::Bytes | Physical::String, Kind::Bytes { utf8 }) => {
                Op::Bytes(out, if utf8 { Text::Utf8 } else { Text::Raw })
            }
            (Physical::String, Kind::Fixed(16)) => Op::Bytes(out, Text::Uuid),
            (Physical::Bytes, Kind::Fixed(_)) => Op::Bytes(out, Text::Raw),
            (Physical::Fixed(w), Kind::Fixed(n)) if w == n => Op::Fixed(out, n, Text::Raw),
            (Physical::Bytes, Kind::Decimal { scale }) => Op::Bytes(out, decimal(writer, scale)?),
            (Physical::Fixed(n), Kind::Decimal { scale }) => Op::Fixed(out, n, decimal(writer, scale)?),
            (Physical::Bytes, Kind::U64) => Op::Bytes(out, Text::U64),
            (Physical::Fixed(n), Kind::U64) => Op::Fixed(out, n, Text::U64),
            (Physical::Enum, Kind::Dict(symbols)) => {
                let Schema::Enum(we) = writer else { return Err(mismatch()) };
                let default = match reader {
                    Schema::Enum(re) => re.default.clone(),
                    _ => None,
                };
                let map = we
                    .symbols
                    .iter()
                    .map(|s| {
                        let pick = |s: &str| symbols.iter().position(|r| r == s);
                        pick(s)
                            .or_else(|| default.as_deref().and_then(pick))
                            .and_then(|i| i32::try_from(i).ok())
                            .ok_or_else(|| format!("enum symbol `{s}` is not a reader symbol").into())
                    })
                    .collect();
                Op::EnumKey(out, map)
            }
            (Physical::Enum, Kind::Bytes { utf8: true }) => {
                let Schema::Enum(we) = writer else { return Err(mismatch()) };
                let map = we
                    .symbols
                    .iter()
                    .map(|s| match reader {
                        Schema::Enum(re) if !re.symbols.contains(s) => match &re.default {
                            Some(d) => Ok(d.as_str().into()),
                            None => Err(format!("enum symbol `{s}` is not a reader symbol").into()),
                        },
                        _ => Ok(s.as_str().into()),
                    })
                    .collect();
                Op::EnumText(out, map)
            }
            (Physical::Array, Kind::List(item)) => {
                let (Schema::Array(wa), Schema::Array(ra)) = (writer, reader) else { return Err(mismatch()) };
                Op::Array(out, Box::new(self.resolve(&wa.items, item, &ra.items)?))
            }
            (Physical::Map, Kind::Map { key, value }) => {
                let (Schema::Map(wm), Schema::Map(rm)) = (writer, reader) else { return Err(mismatch()) };
                self.outs[key].used = true;
                Op::Map(out, key, Box::new(self.resolve(&wm.types, value, &rm.types)?))
            }
            (Physical::Array, Kind::Map { key, value }) => {
                // Maps with non-string keys: an array of {key, value} records.
                let (Schema::Array(wa), Schema::Array(ra)) = (writer, reader) else { return Err(mismatch()) };
                let (Schema::Record(wr), Schema::Record(rr)) =
                    (self.w.deref(&wa.items)?, self.r.deref(&ra.items)?)
                else {
                    return Err(mismatch());
                };
                let (Some(rk), Some(rv)) = (rr.fields.first(), rr.fields.get(1)) else {
                    return Err(mismatch());
                };
                let (fields, missing) = self.record_fields(wr, &[(rk, key), (rv, value)])?;
                if !missing.is_empty() {
                    return Err("the file's map entries lack a key or a value".into());
                }
                Op::Array(out, Box::new(Op::Record { out: None, fields, missing }))
            }
            (Physical::Record, Kind::Struct(children)) => {
                let (Schema::Record(wr), Schema::Record(rr)) = (writer, reader) else {
                    return Err(mismatch());
                };
                let mut readers = Vec::with_capacity(children.len());
                for child in children {
                    let name = self.outs[child].field.name().clone();
                    let Some(rf) = rr.fields.iter().find(|f| f.name == name) else { return Err(mismatch()) };
                    readers.push((rf, child));
                }
                let (fields, missing) = self.record_fields(wr, &readers)?;
                Op::Record { out: Some(out), fields, missing }
            }
            _ => return Err(mismatch()),
        };
        self.outs[out].used = true;
        Ok(op)
    }

    /// How to step over a writer datum nobody reads.
    fn skip(&self, writer: &'w Schema, depth: usize) -> Result<Skip, String> {
        if depth > MAX_SKIP_DEPTH {
            return Err(format!("writer type nests deeper than {MAX_SKIP_DEPTH} levels (a recursive type)"));
        }
        let writer = self.w.deref(writer)?;
        Ok(match (physical(writer), writer) {
            (Physical::Null, _) => Skip::Fixed(0),
            (Physical::Boolean, _) => Skip::Fixed(1),
            (Physical::Int | Physical::Long | Physical::Enum, _) => Skip::Varint,
            (Physical::Float, _) => Skip::Fixed(4),
            (Physical::Double, _) => Skip::Fixed(8),
            (Physical::Bytes | Physical::String, _) => Skip::Bytes,
            (Physical::Fixed(n), _) => Skip::Fixed(n),
            (_, Schema::Array(a)) => Skip::Array(Box::new(self.skip(&a.items, depth + 1)?)),
            (_, Schema::Map(m)) => Skip::Map(Box::new(self.skip(&m.types, depth + 1)?)),
            (_, Schema::Record(r)) => Skip::Record(
                r.fields.iter().map(|f| self.skip(&f.schema, depth + 1)).collect::<Result<_, _>>()?,
            ),
            (_, Schema::Union(u)) => {
                Skip::Union(u.variants().iter().map(|v| self.skip(v, depth + 1)).collect::<Result<_, _>>()?)
            }
            _ => return Err(format!("cannot skip {}", describe(writer))),
        })
    }
}

/// The non-null branch of a `["null", T]` reader union.
fn non_null(s: &Schema) -> &Schema {
    match s {
        Schema::Union(u) => {
            let mut others = u.variants().iter().filter(|v| !matches!(v, Schema::Null));
            match (others.next(), others.next()) {
                (Some(one), None) => one,
                _ => s,
            }
        }
        other => other,
    }
}

/// The factor from the writer's time unit to the reader column's.
fn scale(writer: &Schema, target: &DataType) -> Result<Scale, String> {
    let from = match writer {
        Schema::TimestampMillis | Schema::LocalTimestampMillis | Schema::TimeMillis => {
            Some(TimeUnit::Millisecond)
        }
        Schema::TimestampMicros | Schema::LocalTimestampMicros | Schema::TimeMicros => {
            Some(TimeUnit::Microsecond)
        }
        Schema::TimestampNanos | Schema::LocalTimestampNanos => Some(TimeUnit::Nanosecond),
        _ => None,
    };
    let to = match target {
        DataType::Timestamp(u, _) | DataType::Time64(u) | DataType::Duration(u) => Some(*u),
        _ => None,
    };
    let (Some(from), Some(to)) = (from, to) else { return Ok(Scale::One) };
    let per_second = |u: TimeUnit| match u {
        TimeUnit::Second => 1i64,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    };
    let (f, t) = (per_second(from), per_second(to));
    Ok(if f == t {
        Scale::One
    } else if t > f {
        Scale::Mul(t / f)
    } else {
        Scale::Div(f / t)
    })
}

/// Decimal bytes rescaled from the writer's scale to the reader's.
fn decimal(writer: &Schema, scale: i8) -> Result<Text, String> {
    let from = match writer {
        Schema::Decimal(d) => d.scale,
        _ => 0,
    };
    let to = usize::try_from(scale).map_err(|_| format!("negative decimal scale {scale}"))?;
    if from > to {
        return Err(format!("the file's decimals have scale {from}, more than the reader's {to}"));
    }
    let factor = u32::try_from(to - from).ok().and_then(|e| 10i128.checked_pow(e));
    factor.map(Text::Decimal).ok_or_else(|| format!("decimal scale {to} is too large"))
}

// ---- running ---------------------------------------------------------------

/// A reader column's buffers while decoding.
struct Out {
    nulls: Option<NullBufferBuilder>,
    len: usize,
    buf: Buf,
}

enum Buf {
    Null,
    Bool(BooleanBufferBuilder),
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    U64(Vec<u64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Bytes { offsets: Vec<i32>, data: Vec<u8> },
    Fixed { size: usize, data: Vec<u8> },
    Decimal(Vec<i128>),
    Dict(Vec<i32>),
    Offsets(Vec<i32>),
    Struct(Vec<usize>),
}

impl Out {
    fn new(spec: &Spec, cap: usize) -> Out {
        let buf = match &spec.kind {
            Kind::Null => Buf::Null,
            Kind::Bool => Buf::Bool(BooleanBufferBuilder::new(cap)),
            Kind::I8 => Buf::I8(Vec::with_capacity(cap)),
            Kind::I16 => Buf::I16(Vec::with_capacity(cap)),
            Kind::I32 => Buf::I32(Vec::with_capacity(cap)),
            Kind::I64 => Buf::I64(Vec::with_capacity(cap)),
            Kind::U8 => Buf::U8(Vec::with_capacity(cap)),
            Kind::U16 => Buf::U16(Vec::with_capacity(cap)),
            Kind::U32 => Buf::U32(Vec::with_capacity(cap)),
            Kind::U64 => Buf::U64(Vec::with_capacity(cap)),
            Kind::F32 => Buf::F32(Vec::with_capacity(cap)),
            Kind::F64 => Buf::F64(Vec::with_capacity(cap)),
            Kind::Bytes { .. } => Buf::Bytes { offsets: offsets(cap), data: Vec::with_capacity(cap * 8) },
            Kind::Fixed(size) => Buf::Fixed { size: *size, data: Vec::with_capacity(cap * size) },
            Kind::Decimal { .. } => Buf::Decimal(Vec::with_capacity(cap)),
            Kind::Dict(_) => Buf::Dict(Vec::with_capacity(cap)),
            Kind::List(_) | Kind::Map { .. } => Buf::Offsets(offsets(cap)),
            Kind::Struct(kids) => Buf::Struct(kids.clone()),
        };
        let nulls = spec.field.is_nullable().then(|| NullBufferBuilder::new(cap));
        Out { nulls, len: 0, buf }
    }

    #[inline]
    fn valid(&mut self) {
        if let Some(n) = &mut self.nulls {
            n.append_non_null();
        }
        self.len += 1;
    }
}

fn offsets(cap: usize) -> Vec<i32> {
    let mut v = Vec::with_capacity(cap + 1);
    v.push(0);
    v
}

fn next_offset(offsets: &[i32], add: usize) -> Result<i32, String> {
    let last = offsets.last().copied().unwrap_or(0);
    i32::try_from(add)
        .ok()
        .and_then(|a| last.checked_add(a))
        .ok_or_else(|| "more than 2 GiB in one batch column".into())
}

fn out_of_range(v: impl std::fmt::Display, ty: &str) -> String {
    format!("value {v} does not fit {ty}")
}

#[inline]
fn push_long(out: &mut Out, v: i64) -> Result<(), String> {
    match &mut out.buf {
        Buf::I64(b) => b.push(v),
        Buf::I32(b) => b.push(i32::try_from(v).map_err(|_| out_of_range(v, "Int32"))?),
        Buf::I16(b) => b.push(i16::try_from(v).map_err(|_| out_of_range(v, "Int16"))?),
        Buf::I8(b) => b.push(i8::try_from(v).map_err(|_| out_of_range(v, "Int8"))?),
        Buf::U8(b) => b.push(u8::try_from(v).map_err(|_| out_of_range(v, "UInt8"))?),
        Buf::U16(b) => b.push(u16::try_from(v).map_err(|_| out_of_range(v, "UInt16"))?),
        Buf::U32(b) => b.push(u32::try_from(v).map_err(|_| out_of_range(v, "UInt32"))?),
        Buf::U64(b) => b.push(u64::try_from(v).map_err(|_| out_of_range(v, "UInt64"))?),
        Buf::F32(b) => b.push(v as f32),
        Buf::F64(b) => b.push(v as f64),
        _ => return Err("integer for a non-numeric column".into()),
    }
    out.valid();
    Ok(())
}

fn run(op: &Op, input: &mut Input<'_>, outs: &mut [Out]) -> Result<(), Malformed> {
    match op {
        Op::Long(o, s) => {
            let v = input.long()?;
            let v = match s {
                Scale::One => v,
                Scale::Mul(m) => v.checked_mul(*m).ok_or_else(|| out_of_range(v, "a 64-bit time"))?,
                Scale::Div(d) => v.div_euclid(*d),
            };
            push_long(&mut outs[*o], v)
        }
        Op::Bytes(o, text) => {
            let b = input.bytes()?;
            push_bytes(&mut outs[*o], b, *text)
        }
        Op::Union(branches) => {
            let i = input.long()?;
            let op = usize::try_from(i).ok().and_then(|i| branches.get(i));
            let op = op.ok_or_else(|| format!("union branch {i} of {}", branches.len()))?;
            run(op, input, outs)
        }
        Op::Null(o) => {
            if outs[*o].nulls.is_none() && !matches!(outs[*o].buf, Buf::Null) {
                return Err("null for a non-nullable field".into());
            }
            null_here(outs, *o);
            Ok(())
        }
        Op::Bool(o) => {
            let v = input.boolean()?;
            let out = &mut outs[*o];
            if let Buf::Bool(b) = &mut out.buf {
                b.append(v);
            }
            out.valid();
            Ok(())
        }
        Op::Float(o) => {
            let v = input.float()?;
            let out = &mut outs[*o];
            match &mut out.buf {
                Buf::F32(b) => b.push(v),
                Buf::F64(b) => b.push(f64::from(v)),
                _ => return Err("float for a non-float column".into()),
            }
            out.valid();
            Ok(())
        }
        Op::Double(o) => {
            let v = input.double()?;
            let out = &mut outs[*o];
            match &mut out.buf {
                Buf::F64(b) => b.push(v),
                _ => return Err("double for a non-double column".into()),
            }
            out.valid();
            Ok(())
        }
        Op::Fixed(o, n, text) => {
            let b = input.take(*n)?;
            push_bytes(&mut outs[*o], b, *text)
        }
        Op::EnumKey(o, map) => {
            let i = input.long()?;
            let key = usize::try_from(i).ok().and_then(|i| map.get(i));
            let key = key.ok_or_else(|| format!("enum index {i} of {} symbols", map.len()))?;
            let key = key.as_ref().map_err(|e| e.to_string())?;
            let out = &mut outs[*o];
            if let Buf::Dict(b) = &mut out.buf {
                b.push(*key);
            }
            out.valid();
            Ok(())
        }
        Op::EnumText(o, map) => {
            let i = input.long()?;
            let s = usize::try_from(i).ok().and_then(|i| map.get(i));
            let s = s.ok_or_else(|| format!("enum index {i} of {} symbols", map.len()))?;
            let s = s.as_ref().map_err(|e| e.to_string())?;
            push_bytes(&mut outs[*o], s.as_bytes(), Text::Raw)
        }
        Op::Array(o, item) => {
            let mut n = 0usize;
            loop {
                let count = input.block_count()?;
                if count == 0 {
                    break;
                }
                for _ in 0..count {
                    run(item, input, outs)?;
                }
                n += count;
            }
            end_offsets(&mut outs[*o], n)
        }
        Op::Map(o, key, value) => {
            let mut n = 0usize;
            loop {
                let count = input.block_count()?;
                if count == 0 {
                    break;
                }
                for _ in 0..count {
                    let k = input.bytes()?;
                    push_bytes(&mut outs[*key], k, Text::Utf8)?;
                    run(value, input, outs)?;
                }
                n += count;
            }
            end_offsets(&mut outs[*o], n)
        }
        Op::Record { out, fields, missing } => {
            for (op, name) in fields {
                run(op, input, outs).map_err(|e| format!("`{name}`: {e}"))?;
            }
            for &m in missing {
                null_here(outs, m);
            }
            if let Some(o) = out {
                outs[*o].valid();
            }
            Ok(())
        }
        Op::Skip(s) => skip(s, input),
        Op::Fail(msg) => Err(msg.to_string()),
    }
}

/// A null in column `i`; under a null struct, placeholders in its children
/// (nulls where they allow them, default values where not).
fn null_here(outs: &mut [Out], i: usize) {
    let out = &mut outs[i];
    let mut children = Vec::new();
    match &mut out.buf {
        Buf::Null => {}
        Buf::Struct(kids) => children.clone_from(kids),
        Buf::Bool(b) => b.append(false),
        Buf::I8(b) => b.push(0),
        Buf::I16(b) => b.push(0),
        Buf::I32(b) => b.push(0),
        Buf::I64(b) => b.push(0),
        Buf::U8(b) => b.push(0),
        Buf::U16(b) => b.push(0),
        Buf::U32(b) => b.push(0),
        Buf::U64(b) => b.push(0),
        Buf::F32(b) => b.push(0.0),
        Buf::F64(b) => b.push(0.0),
        Buf::Bytes { offsets, .. } | Buf::Offsets(offsets) => {
            let last = offsets.last().copied().unwrap_or(0);
            offsets.push(last);
        }
        Buf::Fixed { size, data } => data.resize(data.len() + *size, 0),
        Buf::Decimal(b) => b.push(0),
        Buf::Dict(b) => b.push(0),
    }
    if let Some(n) = &mut out.nulls {
        n.append_null();
    }
    out.len += 1;
    for c in children {
        null_here(outs, c);
    }
}

fn end_offsets(out: &mut Out, n: usize) -> Result<(), String> {
    if let Buf::Offsets(offsets) = &mut out.buf {
        let next = next_offset(offsets, n)?;
        offsets.push(next);
    }
    out.valid();
    Ok(())
}

#[inline]
fn push_bytes(out: &mut Out, b: &[u8], text: Text) -> Result<(), String> {
    match (&mut out.buf, text) {
        (Buf::Bytes { offsets, data }, Text::Utf8 | Text::Raw) => {
            if matches!(text, Text::Utf8) && std::str::from_utf8(b).is_err() {
                return Err("string is not valid UTF-8".into());
            }
            let next = next_offset(offsets, b.len())?;
            data.extend_from_slice(b);
            offsets.push(next);
        }
        (Buf::Fixed { size, data }, Text::Raw) => {
            if b.len() != *size {
                return Err(format!("{} bytes for a {size}-byte column", b.len()));
            }
            data.extend_from_slice(b);
        }
        (Buf::Fixed { size: 16, data }, Text::Uuid) => {
            let text = std::str::from_utf8(b).map_err(|_| "uuid is not valid UTF-8".to_string())?;
            data.extend_from_slice(&parse_uuid(text)?);
        }
        (Buf::Decimal(v), Text::Decimal(factor)) => {
            let unscaled = decimal_value(b)?;
            v.push(unscaled.checked_mul(factor).ok_or_else(|| "decimal overflows 38 digits".to_string())?);
        }
        (Buf::U64(v), Text::U64) => {
            let n = decimal_value(b)?;
            v.push(u64::try_from(n).map_err(|_| out_of_range(n, "UInt64"))?);
        }
        _ => return Err("bytes for a column of another type".into()),
    }
    out.valid();
    Ok(())
}

/// The message for data left in block `index` after its `rows` rows.
pub(crate) fn trailing_bytes(index: usize, rows: usize, left: usize) -> String {
    format!("block {index} declares {rows} rows, but {left} bytes remain after them")
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hyphens optional) to 16 bytes.
fn parse_uuid(text: &str) -> Result<[u8; 16], String> {
    let bad = || format!("`{text}` is not a UUID");
    let mut out = [0u8; 16];
    let mut digits = text.bytes().filter(|&c| c != b'-');
    for byte in &mut out {
        let hi = digits.next().and_then(hex).ok_or_else(bad)?;
        let lo = digits.next().and_then(hex).ok_or_else(bad)?;
        *byte = hi << 4 | lo;
    }
    if digits.next().is_some() || !(text.len() == 32 || text.len() == 36) {
        return Err(bad());
    }
    Ok(out)
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

fn skip(s: &Skip, input: &mut Input<'_>) -> Result<(), Malformed> {
    match s {
        Skip::Varint => input.long().map(drop),
        Skip::Bytes => input.bytes().map(drop),
        Skip::Fixed(n) => input.take(*n).map(drop),
        Skip::Array(item) => skip_blocks(input, |input| skip(item, input)),
        Skip::Map(value) => skip_blocks(input, |input| {
            input.bytes()?;
            skip(value, input)
        }),
        Skip::Record(fields) => fields.iter().try_for_each(|f| skip(f, input)),
        Skip::Union(branches) => {
            let i = input.long()?;
            let b = usize::try_from(i).ok().and_then(|i| branches.get(i));
            skip(b.ok_or_else(|| format!("union branch {i} of {}", branches.len()))?, input)
        }
    }
}

fn skip_blocks(
    input: &mut Input<'_>,
    mut item: impl FnMut(&mut Input<'_>) -> Result<(), Malformed>,
) -> Result<(), Malformed> {
    loop {
        match input.skip_sized_block()? {
            None => {}
            Some(0) => return Ok(()),
            Some(n) => {
                for _ in 0..n {
                    item(input)?;
                }
            }
        }
    }
}

// ---- finishing -------------------------------------------------------------

fn finish(outs: &mut [Out], specs: &[Spec], i: usize) -> Result<(FieldRef, ArrayData), String> {
    let spec = &specs[i];
    let len = outs[i].len;
    let nulls = outs[i].nulls.as_mut().and_then(NullBufferBuilder::finish);
    let mut dt = spec.field.data_type().clone();
    let mut children = Vec::new();
    let buffers: Vec<Buffer> = match std::mem::replace(&mut outs[i].buf, Buf::Null) {
        Buf::Null => Vec::new(),
        Buf::Bool(mut b) => vec![b.finish().into_inner()],
        Buf::I8(v) => vec![Buffer::from_vec(v)],
        Buf::I16(v) => vec![Buffer::from_vec(v)],
        Buf::I32(v) => vec![Buffer::from_vec(v)],
        Buf::I64(v) => vec![Buffer::from_vec(v)],
        Buf::U8(v) => vec![Buffer::from_vec(v)],
        Buf::U16(v) => vec![Buffer::from_vec(v)],
        Buf::U32(v) => vec![Buffer::from_vec(v)],
        Buf::U64(v) => vec![Buffer::from_vec(v)],
        Buf::F32(v) => vec![Buffer::from_vec(v)],
        Buf::F64(v) => vec![Buffer::from_vec(v)],
        Buf::Bytes { offsets, data } => vec![Buffer::from_vec(offsets), Buffer::from_vec(data)],
        Buf::Fixed { data, .. } => vec![Buffer::from_vec(data)],
        Buf::Decimal(v) => vec![Buffer::from_vec(v)],
        Buf::Dict(keys) => {
            if let Kind::Dict(symbols) = &spec.kind {
                children.push(StringArray::from_iter_values(symbols.iter()).into_data());
            }
            vec![Buffer::from_vec(keys)]
        }
        Buf::Offsets(offsets) => {
            match (&spec.kind, &mut dt) {
                (Kind::List(item), DataType::List(f)) => {
                    let (field, data) = finish(outs, specs, *item)?;
                    *f = field;
                    children.push(data);
                }
                (Kind::Map { key, value }, DataType::Map(entries, _)) => {
                    let (kf, k) = finish(outs, specs, *key)?;
                    let (vf, v) = finish(outs, specs, *value)?;
                    let len = k.len();
                    let fields = Fields::from(vec![kf, vf]);
                    let data = ArrayData::builder(DataType::Struct(fields.clone()))
                        .len(len)
                        .child_data(vec![k, v])
                        .build()
                        .map_err(|e| e.to_string())?;
                    *entries = Arc::new(Field::new(entries.name(), DataType::Struct(fields), false));
                    children.push(data);
                }
                _ => return Err("internal: offsets without a list or map".into()),
            }
            vec![Buffer::from_vec(offsets)]
        }
        Buf::Struct(kids) => {
            let mut fields = Vec::with_capacity(kids.len());
            for k in kids {
                if specs[k].used {
                    let (f, data) = finish(outs, specs, k)?;
                    fields.push(f);
                    children.push(data);
                }
            }
            dt = DataType::Struct(Fields::from(fields));
            Vec::new()
        }
    };
    let data = ArrayData::builder(dt.clone())
        .len(len)
        .nulls(nulls)
        .buffers(buffers)
        .child_data(children)
        .build()
        .map_err(|e| format!("column `{}`: {e}", spec.field.name()))?;
    let field = Field::new(spec.field.name(), dt, spec.field.is_nullable())
        .with_metadata(spec.field.metadata().clone());
    Ok((Arc::new(field), data))
}
