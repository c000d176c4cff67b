//! Finishing column buffers into Arrow arrays.

use std::sync::Arc;

use arrow::array::{Array, ArrayData, NullBufferBuilder, StringArray};
use arrow::buffer::Buffer;
use arrow::datatypes::{DataType, Field, FieldRef, Fields};

use super::run::{Buf, Out};
use super::{Kind, Spec};

// ---- finishing -------------------------------------------------------------

pub(super) fn finish(outs: &mut [Out], specs: &[Spec], i: usize) -> Result<(FieldRef, ArrayData), String> {
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
