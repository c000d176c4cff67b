//! Running a plan's ops over datums, into per-column buffers.

use arrow::array::{BooleanBufferBuilder, NullBufferBuilder};

use super::super::binary::{Input, Malformed, decimal_value};
use super::{Kind, Op, Scale, Skip, Spec, Text};

// ---- running ---------------------------------------------------------------

/// A reader column's buffers while decoding.
pub(super) struct Out {
    pub(super) nulls: Option<NullBufferBuilder>,
    pub(super) len: usize,
    pub(super) buf: Buf,
}

pub(super) enum Buf {
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
    pub(super) fn new(spec: &Spec, cap: usize) -> Out {
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

pub(super) fn run(op: &Op, input: &mut Input<'_>, outs: &mut [Out]) -> Result<(), Malformed> {
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
pub(super) fn null_here(outs: &mut [Out], i: usize) {
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
