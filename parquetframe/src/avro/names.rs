//! Named types of a parsed schema, so `Schema::Ref`s can be followed.

use std::collections::HashMap;

use apache_avro::Schema;
use apache_avro::schema::{InnerDecimalSchema, UuidSchema};

/// Every named type (record, enum, fixed) in a schema by full name.
#[derive(Debug, Default)]
pub(crate) struct Names<'s> {
    by_name: HashMap<String, &'s Schema>,
}

impl<'s> Names<'s> {
    pub(crate) fn of(schema: &'s Schema) -> Self {
        let mut names = Names::default();
        names.collect(schema);
        names
    }

    fn collect(&mut self, schema: &'s Schema) {
        if let (Some(name), false) = (schema.name(), matches!(schema, Schema::Ref { .. })) {
            match self.by_name.entry(name.fullname(None)) {
                std::collections::hash_map::Entry::Occupied(_) => return,
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(schema);
                }
            }
        }
        match schema {
            Schema::Array(a) => self.collect(&a.items),
            Schema::Map(m) => self.collect(&m.types),
            Schema::Union(u) => u.variants().iter().for_each(|v| self.collect(v)),
            Schema::Record(r) => r.fields.iter().for_each(|f| self.collect(&f.schema)),
            _ => {}
        }
    }

    /// `schema`, or the named type it refers to.
    pub(crate) fn deref<'a>(&self, schema: &'a Schema) -> Result<&'a Schema, String>
    where
        's: 'a,
    {
        match schema {
            Schema::Ref { name } => {
                let full = name.fullname(None);
                self.by_name.get(&full).copied().ok_or_else(|| format!("unknown type name `{full}`"))
            }
            other => Ok(other),
        }
    }
}

/// The encoding-level shape of a schema node once logical types are set aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Physical {
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Fixed(usize),
    Enum,
    Array,
    Map,
    Record,
    Union,
}

/// The physical encoding of a (dereferenced) schema node.
pub(crate) fn physical(schema: &Schema) -> Physical {
    match schema {
        Schema::Null => Physical::Null,
        Schema::Boolean => Physical::Boolean,
        Schema::Int | Schema::Date | Schema::TimeMillis => Physical::Int,
        Schema::Long
        | Schema::TimeMicros
        | Schema::TimestampMillis
        | Schema::TimestampMicros
        | Schema::TimestampNanos
        | Schema::LocalTimestampMillis
        | Schema::LocalTimestampMicros
        | Schema::LocalTimestampNanos => Physical::Long,
        Schema::Float => Physical::Float,
        Schema::Double => Physical::Double,
        Schema::Bytes | Schema::BigDecimal => Physical::Bytes,
        Schema::String => Physical::String,
        Schema::Fixed(f) | Schema::Duration(f) => Physical::Fixed(f.size),
        Schema::Decimal(d) => match &d.inner {
            InnerDecimalSchema::Bytes => Physical::Bytes,
            InnerDecimalSchema::Fixed(f) => Physical::Fixed(f.size),
        },
        Schema::Uuid(u) => match u {
            UuidSchema::String => Physical::String,
            UuidSchema::Bytes => Physical::Bytes,
            UuidSchema::Fixed(f) => Physical::Fixed(f.size),
        },
        Schema::Enum(_) => Physical::Enum,
        Schema::Array(_) => Physical::Array,
        Schema::Map(_) => Physical::Map,
        Schema::Record(_) => Physical::Record,
        Schema::Union(_) => Physical::Union,
        // Callers dereference first.
        Schema::Ref { .. } => Physical::Null,
    }
}
