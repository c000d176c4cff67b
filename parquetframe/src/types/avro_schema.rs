//! Avro schemas from the same type traits as the Arrow schema: each
//! [`Column`](super::Column) type says its Avro type, so there is one source of
//! truth for both formats.
//!
//! | Rust | Avro |
//! |---|---|
//! | `bool` | boolean |
//! | `i8`, `i16`, `i32`, `u8`, `u16` | int |
//! | `i64`, `u32` | long |
//! | `u64` | bytes, logical type decimal(20, 0): every u64 fits, none overflows a long |
//! | `f32`, `f64` | float, double |
//! | `String`, `Vec<u8>` | string, bytes |
//! | `Option<T>` | `["null", T]`, field default null |
//! | `Vec<T>` | array |
//! | `HashMap<String, V>`, `BTreeMap<String, V>` | map |
//! | maps with other key types | array of `{key, value}` records |
//! | records | record (a type used twice is defined once, then named) |
//! | unit enums | enum |
//! | `NaiveDate` | int, date |
//! | `NaiveTime` | long, time-micros |
//! | `NaiveDateTime` | long, local-timestamp-micros |
//! | `DateTime<Utc>` | long, timestamp-micros |
//! | `chrono::Duration` | long (microseconds), attribute `"parquetframe.unit": "duration-micros"` |
//! | `Uuid` | string, uuid |
//! | `Decimal` | bytes, decimal(P, S) |

use std::collections::HashSet;

use serde_json::{Value, json};

/// Named Avro types already defined in the schema being built: a record or
/// enum that appears again is referred to by name (Avro forbids redefining it).
#[derive(Debug, Default)]
pub struct AvroNames {
    defined: HashSet<String>,
    /// The namespace of the record being defined (inherited by plain names).
    enclosing: String,
}

impl AvroNames {
    /// Marks `name` defined; `false` when it already was (emit a reference then).
    pub fn define(&mut self, name: &str) -> bool {
        self.defined.insert(name.to_owned())
    }

    /// A name not used yet, from `base` (`base`, `base_2`, …).
    pub fn fresh(&mut self, base: &str) -> String {
        let mut name = base.to_owned();
        let mut n = 1;
        while !self.defined.insert(name.clone()) {
            n += 1;
            name = format!("{base}_{n}");
        }
        name
    }
}

/// `["null", inner]`, without nesting unions (Avro forbids a union in a union).
pub fn nullable(inner: Value) -> Value {
    match inner {
        Value::Array(mut branches) => {
            if !branches.iter().any(|b| b == "null") {
                branches.insert(0, json!("null"));
            }
            Value::Array(branches)
        }
        other => json!(["null", other]),
    }
}

/// Whether a field of this Avro type defaults to null (a union starting with null).
pub fn is_nullable(schema: &Value) -> bool {
    matches!(schema, Value::Array(b) if b.first().is_some_and(|f| f == "null"))
}

/// Whether `name` is a valid Avro name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One field of a record schema.
pub fn field(name: &str, schema: Value, doc: &str) -> Value {
    let mut f = serde_json::Map::new();
    f.insert("name".into(), json!(name));
    if !doc.is_empty() {
        f.insert("doc".into(), json!(doc));
    }
    let default_null = is_nullable(&schema);
    f.insert("type".into(), schema);
    if default_null {
        f.insert("default".into(), Value::Null);
    }
    Value::Object(f)
}

/// `field` with `"aliases"` (former names) when there are any.
pub fn with_aliases(mut field: Value, aliases: &[&str]) -> Value {
    if let (false, Value::Object(f)) = (aliases.is_empty(), &mut field) {
        f.insert("aliases".into(), json!(aliases));
    }
    field
}

/// A record schema, or a reference when `name` is already defined.
pub fn record(
    names: &mut AvroNames,
    name: &str,
    doc: &str,
    fields: impl FnOnce(&mut AvroNames) -> Vec<Value>,
) -> Value {
    if !names.define(name) {
        return json!(name);
    }
    let mut r = serde_json::Map::new();
    r.insert("type".into(), json!("record"));
    r.insert("name".into(), json!(name));
    keep_null_namespace(names, name, &mut r);
    if !doc.is_empty() {
        r.insert("doc".into(), json!(doc));
    }
    let namespace = name.rsplit_once('.').map_or("", |(ns, _)| ns).to_owned();
    let outer = std::mem::replace(&mut names.enclosing, namespace);
    let fields = fields(names);
    names.enclosing = outer;
    r.insert("fields".into(), Value::Array(fields));
    Value::Object(r)
}

/// An enum schema, or a reference when `name` is already defined.
pub fn enumeration(names: &mut AvroNames, name: &str, doc: &str, symbols: &[&str]) -> Value {
    if !names.define(name) {
        return json!(name);
    }
    let mut e = serde_json::Map::new();
    e.insert("type".into(), json!("enum"));
    e.insert("name".into(), json!(name));
    keep_null_namespace(names, name, &mut e);
    if !doc.is_empty() {
        e.insert("doc".into(), json!(doc));
    }
    e.insert("symbols".into(), json!(symbols));
    Value::Object(e)
}

/// A plain name inside a namespaced record would inherit that namespace; our
/// references use the plain name, so pin it to the null namespace.
fn keep_null_namespace(names: &AvroNames, name: &str, object: &mut serde_json::Map<String, Value>) {
    if !name.contains('.') && !names.enclosing.is_empty() {
        object.insert("namespace".into(), json!(""));
    }
}

/// The Parsing Canonical Form of a schema generated here (Avro specification,
/// "Parsing Canonical Form for Schemas"): primitives in simple form, only
/// `name`, `type`, `fields`, `symbols`, `items`, `values`, `size`, in that
/// order, no whitespace. Names are already full names.
pub fn canonical_form(schema: &Value) -> String {
    let mut out = String::new();
    write_canonical(schema, &mut out);
    out
}

const PRIMITIVES: [&str; 8] = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"];

fn write_canonical(schema: &Value, out: &mut String) {
    match schema {
        Value::Array(branches) => {
            out.push('[');
            for (i, b) in branches.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(b, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            let kind = o.get("type").and_then(Value::as_str).unwrap_or_default();
            if PRIMITIVES.contains(&kind) {
                out.push_str(&json!(kind).to_string());
                return;
            }
            out.push('{');
            let mut first = true;
            let mut key = |out: &mut String, k: &str| {
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&json!(k).to_string());
                out.push(':');
            };
            if let Some(name) = o.get("name") {
                key(out, "name");
                out.push_str(&name.to_string());
            }
            if let Some(t) = o.get("type") {
                key(out, "type");
                write_canonical(t, out);
            }
            if let Some(Value::Array(fields)) = o.get("fields") {
                key(out, "fields");
                out.push('[');
                for (i, f) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str("{\"name\":");
                    out.push_str(&f.get("name").cloned().unwrap_or(Value::Null).to_string());
                    out.push_str(",\"type\":");
                    write_canonical(f.get("type").unwrap_or(&Value::Null), out);
                    out.push('}');
                }
                out.push(']');
            }
            for k in ["symbols", "items", "values", "size"] {
                if let Some(v) = o.get(k) {
                    key(out, k);
                    match k {
                        "items" | "values" => write_canonical(v, out),
                        _ => out.push_str(&v.to_string()),
                    }
                }
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The 64-bit Rabin fingerprint (CRC-64-AVRO) of `canonical`, as Avro's
/// single-object encoding and other implementations compute it.
pub fn fingerprint(canonical: &str) -> u64 {
    use apache_avro::rabin::Rabin;
    use digest::Digest;
    let bytes = Rabin::digest(canonical.as_bytes());
    u64::from_le_bytes(bytes.as_slice().get(..8).and_then(|b| b.try_into().ok()).unwrap_or_default())
}

/// Parses a generated schema with apache-avro.
pub fn parse(entity: &str, schema: &Value) -> Result<apache_avro::Schema, crate::Error> {
    apache_avro::Schema::parse(schema).map_err(|e| {
        crate::error::StorageError::Catalog(format!("the Avro schema of `{entity}` does not parse: {e}"))
            .into()
    })
}

/// Parses the generated Avro schema `json` of record `record`, for the
/// derive's cached `avro_schema()`.
pub fn parse_generated(record: &str, json: &Value) -> apache_avro::Schema {
    match apache_avro::Schema::parse(json) {
        Ok(schema) => schema,
        // The derive checks every name at compile time, so this is our bug.
        Err(e) => panic!(
            "parquetframe bug: the generated Avro schema of `{record}` does not parse: {e}; schema: {json}"
        ),
    }
}
