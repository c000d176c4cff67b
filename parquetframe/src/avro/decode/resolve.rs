//! Building a [`Plan`](super::Plan): the schema resolution rules that map a
//! writer schema onto the reader's output columns.

use std::sync::Arc;

use apache_avro::Schema;
use apache_avro::schema::RecordSchema;
use arrow::datatypes::{DataType, Field, TimeUnit};

use super::super::names::{Names, Physical, physical};
use super::{FieldOps, Kind, Op, Scale, Skip, Spec, Text};

/// Nesting deeper than this in a skipped writer type is refused (a recursive type).
const MAX_SKIP_DEPTH: usize = 64;

pub(super) fn in_field(name: &str, e: String) -> String {
    format!("field `{name}`: {e}")
}

pub(super) fn describe(s: &Schema) -> String {
    match s {
        Schema::Record(r) => format!("record `{}`", r.name.fullname(None)),
        Schema::Enum(e) => format!("enum `{}`", e.name.fullname(None)),
        Schema::Fixed(f) => format!("fixed `{}` ({} bytes)", f.name.fullname(None), f.size),
        Schema::Ref { name } => format!("`{}`", name.fullname(None)),
        other => format!("{:?}", apache_avro::schema::SchemaKind::from(other)).to_lowercase(),
    }
}

pub(super) struct Build<'n, 'w, 'r> {
    pub(super) w: &'n Names<'w>,
    pub(super) r: &'n Names<'r>,
    pub(super) outs: Vec<Spec>,
}

impl<'w, 'r> Build<'_, 'w, 'r> {
    fn push(&mut self, field: &Field, kind: Kind) -> usize {
        self.outs.push(Spec { field: Arc::new(field.clone()), kind, used: false });
        self.outs.len() - 1
    }

    /// The output buffers for a reader field (`reader` its Avro type, `field` its Arrow field).
    pub(super) fn out(&mut self, reader: &'r Schema, field: &Field) -> Result<usize, String> {
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
    pub(super) fn record_fields(
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
