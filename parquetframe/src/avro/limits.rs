//! What a file's claims may cost: bounds that keep reading in proportion to
//! the file's real size, whatever its row counts and block sizes say.
//!
//! - A block's rows must fit its decompressed bytes: every row of the writer
//!   schema takes at least [`min_datum_bytes`] bytes.
//! - Rows of a schema that encodes to nothing (no fields, only `null`s) cost
//!   no bytes, so a file may hold at most [`MAX_ZERO_WIDTH_ROWS`] of them.
//! - A file's blocks may decompress to at most [`inflate_budget`] bytes in
//!   all, each block counted once however often it is read.
//!
//! Array and map items are bounded in [`super::binary::Input`].

use std::collections::HashMap;

use apache_avro::Schema;

use super::codec::MAX_BLOCK_BYTES;
use super::names::{Names, Physical, physical};

/// Rows a file may hold when its writer schema encodes a row in no bytes.
pub const MAX_ZERO_WIDTH_ROWS: usize = 1 << 20;

/// How many times its stored size a file's data may decompress to, beyond
/// [`MAX_BLOCK_BYTES`] (real data compresses 3-20x; all-zero blocks reach
/// ~10,000x, which is how a 1 MiB file would inflate to 32 GiB).
pub const MAX_EXPANSION: u64 = 1024;

/// The bytes a file of `file_len` bytes may decompress to in all.
pub fn inflate_budget(file_len: u64) -> u64 {
    (MAX_BLOCK_BYTES as u64).max(file_len.saturating_mul(MAX_EXPANSION))
}

/// The fewest bytes a datum of `schema` can take in Avro's binary encoding:
/// `null` none, numbers, strings, arrays and maps at least one (a varint),
/// fixed types their size, records the sum of their fields, unions their
/// branch index plus the smallest branch. A lower bound: a named type met
/// again while being measured (recursion) counts as zero.
pub fn min_datum_bytes(schema: &Schema) -> usize {
    let names = Names::of(schema);
    let mut memo = HashMap::new();
    measure(&names, schema, &mut memo)
}

fn measure<'s>(names: &Names<'s>, schema: &'s Schema, memo: &mut HashMap<String, Option<usize>>) -> usize {
    let Ok(node) = names.deref(schema) else { return 0 };
    let name = node.name().map(|n| n.fullname(None));
    if let Some(name) = &name {
        match memo.get(name) {
            Some(Some(known)) => return *known,
            Some(None) => return 0,
            None => {
                memo.insert(name.clone(), None);
            }
        }
    }
    let bytes = match physical(node) {
        Physical::Null => 0,
        Physical::Boolean
        | Physical::Int
        | Physical::Long
        | Physical::Bytes
        | Physical::String
        | Physical::Enum
        | Physical::Array
        | Physical::Map => 1,
        Physical::Float => 4,
        Physical::Double => 8,
        Physical::Fixed(n) => n,
        Physical::Record => match node {
            Schema::Record(r) => {
                r.fields.iter().fold(0usize, |sum, f| sum.saturating_add(measure(names, &f.schema, memo)))
            }
            _ => 0,
        },
        Physical::Union => match node {
            Schema::Union(u) => 1 + u.variants().iter().map(|v| measure(names, v, memo)).min().unwrap_or(0),
            _ => 1,
        },
    };
    if let Some(name) = name {
        memo.insert(name, Some(bytes));
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn min(json: &str) -> usize {
        min_datum_bytes(&Schema::parse_str(json).unwrap())
    }

    #[test]
    fn rows_take_at_least_their_fields_bytes() {
        assert_eq!(min(r#"{"type":"record","name":"E","fields":[]}"#), 0);
        assert_eq!(min(r#"{"type":"record","name":"N","fields":[{"name":"a","type":"null"}]}"#), 0);
        assert_eq!(
            min(r#"{"type":"record","name":"R","fields":[
                {"name":"a","type":"long"},{"name":"b","type":"double"},
                {"name":"c","type":["null","string"]},{"name":"d","type":{"type":"fixed","name":"F","size":16}},
                {"name":"e","type":{"type":"array","items":"long"}}]}"#),
            1 + 8 + 1 + 16 + 1
        );
        // A recursive type: the reference back counts as zero, the union's index as one.
        assert_eq!(
            min(r#"{"type":"record","name":"Node","fields":[
                {"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]}"#),
            2
        );
    }
}
