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
use arrow::array::{ArrayRef, RecordBatch, make_array};
use arrow::datatypes::{FieldRef, Schema as ArrowSchema};

use super::binary::Input;
use super::names::Names;

mod finish;
mod resolve;
mod run;

use finish::finish;
use resolve::{Build, describe, in_field};
pub(crate) use run::trailing_bytes;
use run::{Out, null_here, run};

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

    /// Starts decoding a batch of about `rows` rows (the buffers' initial
    /// size); blocks are then fed one at a time, so only the block being
    /// decoded needs to be in memory.
    pub(crate) fn start(&self, rows: usize) -> Decoding<'_> {
        let outs = self
            .outs
            .iter()
            .enumerate()
            .map(|(i, s)| Out::new(s, if self.columns.contains(&i) { rows } else { 0 }))
            .collect();
        Decoding { plan: self, outs, total: 0 }
    }
}

/// A batch being decoded by a [`Plan`], block by block.
pub(crate) struct Decoding<'p> {
    plan: &'p Plan,
    outs: Vec<Out>,
    total: usize,
}

impl Decoding<'_> {
    /// Decodes the `count` rows of block `index` (its decompressed bytes);
    /// errors give the block and row.
    pub(crate) fn block(&mut self, count: usize, bytes: &[u8], index: usize) -> Result<(), String> {
        let mut input = Input::new(bytes);
        for row in 0..count {
            for (op, name) in &self.plan.fields {
                run(op, &mut input, &mut self.outs)
                    .map_err(|e| format!("block {index}, row {row}, field `{name}`: {e}"))?;
            }
            for &m in &self.plan.missing {
                null_here(&mut self.outs, m);
            }
        }
        if input.remaining() != 0 {
            return Err(trailing_bytes(index, count, input.remaining()));
        }
        self.total += count;
        Ok(())
    }

    /// The decoded rows as one batch.
    pub(crate) fn finish(mut self) -> Result<RecordBatch, String> {
        let plan = self.plan;
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(plan.columns.len());
        let mut fields: Vec<FieldRef> = Vec::with_capacity(plan.columns.len());
        for &c in &plan.columns {
            let (field, data) = finish(&mut self.outs, &plan.outs, c)?;
            fields.push(field);
            columns.push(make_array(data));
        }
        let options = arrow::array::RecordBatchOptions::new().with_row_count(Some(self.total));
        RecordBatch::try_new_with_options(Arc::new(ArrowSchema::new(fields)), columns, &options)
            .map_err(|e| e.to_string())
    }
}
