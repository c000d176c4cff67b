//! `HashMap<K, V>` and `BTreeMap<K, V>`: a Map column of `K`'s and `V`'s types.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::sync::Arc;

use arrow::array::NullBufferBuilder;
use arrow::array::{Array, ArrayRef, AsArray, MapArray, StructArray};
use arrow::buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, Field, FieldRef, Fields};

use super::coerce::cast_if_accepted;
use super::{
    BindError, Column, ColumnBuilder, ColumnReader, FieldOptions, Key, ListItem, ReadError, ValueError,
};
use crate::avro::Input;
use crate::avro::binary::put_long;

const KEYS: &str = "{key}";
const VALUES: &str = "{value}";

/// An Avro map, or array of `{key, value}` records: both are blocks of
/// key-value pairs in the binary encoding.
fn avro_encode_entries<'a, K: Column + 'a, V: Column + 'a>(
    len: usize,
    entries: impl Iterator<Item = (&'a K, &'a V)>,
    opts: &FieldOptions,
    out: &mut Vec<u8>,
) -> Result<(), ValueError> {
    if len > 0 {
        put_long(out, len as i64);
        for (k, v) in entries {
            K::avro_encode(k, opts, out).map_err(|e| e.within(KEYS))?;
            V::avro_encode(v, opts, out).map_err(|e| e.within(VALUES))?;
        }
    }
    out.push(0);
    Ok(())
}

/// Reads the blocks [`avro_encode_entries`] writes; a repeated key keeps the last value.
fn avro_decode_entries<K: Column, V: Column>(
    input: &mut Input<'_>,
    opts: &FieldOptions,
    mut insert: impl FnMut(K, V),
) -> Result<(), ReadError> {
    loop {
        let n = input.block_count().map_err(ReadError::invalid)?;
        if n == 0 {
            return Ok(());
        }
        for _ in 0..n {
            let k = K::avro_decode(input, opts).map_err(|e| e.within(KEYS))?;
            let v = V::avro_decode(input, opts).map_err(|e| e.within(VALUES))?;
            insert(k, v);
        }
    }
}

/// The entries field of a map from `K` to `V` (arrow-rs, pyarrow naming).
pub fn entries_field<K: Column, V: Column>(opts: &FieldOptions) -> FieldRef {
    let fields = Fields::from(vec![K::field("key", opts), V::field("value", opts)]);
    Arc::new(Field::new("entries", DataType::Struct(fields), false))
}

/// The Map data type from `K` to `V`, unordered keys.
pub fn map_type<K: Column, V: Column>(opts: &FieldOptions) -> DataType {
    DataType::Map(entries_field::<K, V>(opts), false)
}

/// Avro map when keys are strings, else an array of `{key, value}` records.
fn map_avro_schema<K: Column, V: Column>(
    opts: &FieldOptions,
    names: &mut super::avro_schema::AvroNames,
) -> serde_json::Value {
    let key = K::avro_type(opts, names);
    let value = V::avro_type(opts, names);
    if key == "string" {
        return serde_json::json!({"type": "map", "values": value});
    }
    let name = names.fresh("KeyValue");
    serde_json::json!({"type": "array", "items": {"type": "record", "name": name, "fields": [
        {"name": "key", "type": key},
        super::avro_schema::field("value", value, ""),
    ]}})
}

/// Builder for a map column.
pub struct MapBuilder<K: Column, V: Column> {
    entries: FieldRef,
    entry_fields: Fields,
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
    keys: K::Builder,
    values: V::Builder,
}

impl<K: Column, V: Column> MapBuilder<K, V> {
    fn new(capacity: usize, opts: &FieldOptions) -> Self {
        let mut offsets = Vec::with_capacity(capacity + 1);
        offsets.push(0);
        let key_value = Fields::from(vec![K::field("key", opts), V::field("value", opts)]);
        Self {
            entries: Arc::new(Field::new("entries", DataType::Struct(key_value.clone()), false)),
            entry_fields: key_value,
            offsets,
            nulls: NullBufferBuilder::new(capacity),
            keys: K::builder(capacity, opts),
            values: V::builder(capacity, opts),
        }
    }

    fn append_entries<'a>(
        &mut self,
        entries: impl ExactSizeIterator<Item = (&'a K, &'a V)>,
    ) -> Result<(), ValueError>
    where
        K: 'a,
        V: 'a,
    {
        let added = entries.len();
        for (k, v) in entries {
            self.keys.append(k).map_err(|e| e.within(KEYS))?;
            self.values.append(v).map_err(|e| e.within(VALUES))?;
        }
        let last = self.offsets.last().copied().unwrap_or(0);
        let next = i32::try_from(added).ok().and_then(|a| last.checked_add(a)).ok_or_else(|| {
            ValueError::new("more than 2^31 map entries in one column; write smaller batches")
        })?;
        self.offsets.push(next);
        self.nulls.append_non_null();
        Ok(())
    }

    fn null(&mut self) {
        let last = self.offsets.last().copied().unwrap_or(0);
        self.offsets.push(last);
        self.nulls.append_null();
    }

    fn build(&mut self) -> ArrayRef {
        let offsets = OffsetBuffer::new(ScalarBuffer::from(std::mem::replace(&mut self.offsets, vec![0])));
        let entries =
            StructArray::new(self.entry_fields.clone(), vec![self.keys.finish(), self.values.finish()], None);
        Arc::new(MapArray::new(self.entries.clone(), offsets, entries, self.nulls.finish(), false))
    }
}

/// Reader for a map column: the offsets and the key and value readers.
pub struct MapReader<KR, VR> {
    offsets: OffsetBuffer<i32>,
    nulls: Option<NullBuffer>,
    keys: KR,
    values: VR,
}

impl<KR, VR> MapReader<KR, VR> {
    fn bind<K: Column<Reader = KR>, V: Column<Reader = VR>>(
        array: &ArrayRef,
        opts: &FieldOptions,
    ) -> Result<Self, BindError> {
        let expected = || map_type::<K, V>(opts);
        let array = match array.data_type() {
            DataType::Map(..) => array.clone(),
            _ => cast_if_accepted(array, &expected(), |_| false, "")?,
        };
        let map: &MapArray =
            array.as_map_opt().ok_or_else(|| BindError::mismatch(expected(), array.data_type(), ""))?;
        let entries = map.entries();
        let (Some(keys), Some(values)) = (entries.columns().first(), entries.columns().get(1)) else {
            return Err(BindError::mismatch(expected(), array.data_type(), ""));
        };
        Ok(Self {
            offsets: map.offsets().clone(),
            nulls: map.nulls().cloned(),
            keys: K::reader(keys, opts).map_err(|e| e.within(KEYS))?,
            values: V::reader(values, opts).map_err(|e| e.within(VALUES))?,
        })
    }

    #[inline]
    fn is_null(&self, index: usize) -> bool {
        self.nulls.as_ref().is_some_and(|n| index < n.len() && n.is_null(index))
    }

    #[inline]
    fn read_entries<K, V>(&self, index: usize, mut insert: impl FnMut(K, V)) -> Result<(), ReadError>
    where
        KR: ColumnReader<K>,
        VR: ColumnReader<V>,
    {
        if self.is_null(index) {
            return Err(ReadError::null());
        }
        let (Some(&start), Some(&end)) = (self.offsets.get(index), self.offsets.get(index + 1)) else {
            return Err(ReadError::out_of_bounds(index));
        };
        let (start, end) = (usize::try_from(start).unwrap_or(0), usize::try_from(end).unwrap_or(0));
        for i in start..end {
            let k = self.keys.read(i).map_err(|e| e.within(KEYS))?;
            let v = self.values.read(i).map_err(|e| e.within(VALUES))?;
            insert(k, v);
        }
        Ok(())
    }

    #[inline]
    fn entry_count(&self, index: usize) -> usize {
        match (self.offsets.get(index), self.offsets.get(index + 1)) {
            (Some(&s), Some(&e)) => usize::try_from(e.saturating_sub(s)).unwrap_or(0),
            _ => 0,
        }
    }
}

impl<K: Key, V: Column, S: BuildHasher + Default + Send + Sync + 'static> Column for HashMap<K, V, S> {
    type Builder = MapBuilder<K, V>;
    type Reader = MapReader<K::Reader, V::Reader>;

    fn data_type(opts: &FieldOptions) -> DataType {
        map_type::<K, V>(opts)
    }

    fn avro_type(opts: &FieldOptions, names: &mut super::avro_schema::AvroNames) -> serde_json::Value {
        map_avro_schema::<K, V>(opts, names)
    }

    fn builder(capacity: usize, opts: &FieldOptions) -> Self::Builder {
        MapBuilder::new(capacity, opts)
    }

    fn reader(array: &ArrayRef, opts: &FieldOptions) -> Result<Self::Reader, BindError> {
        MapReader::bind::<K, V>(array, opts)
    }

    fn avro_encode(value: &Self, opts: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
        avro_encode_entries(value.len(), value.iter(), opts, out)
    }

    fn avro_decode(input: &mut Input<'_>, opts: &FieldOptions) -> Result<Self, ReadError> {
        let mut out = HashMap::default();
        avro_decode_entries(input, opts, |k, v| {
            out.insert(k, v);
        })?;
        Ok(out)
    }
}

impl<K: Key, V: Column, S: BuildHasher + Default + Send + Sync + 'static> ListItem for HashMap<K, V, S> {}

impl<K: Key, V: Column, S: BuildHasher> ColumnBuilder<HashMap<K, V, S>> for MapBuilder<K, V> {
    fn append(&mut self, value: &HashMap<K, V, S>) -> Result<(), ValueError> {
        self.append_entries(value.iter())
    }

    fn append_null(&mut self) {
        self.null();
    }

    fn finish(&mut self) -> ArrayRef {
        self.build()
    }
}

impl<K: Key, V: Column, S: BuildHasher + Default> ColumnReader<HashMap<K, V, S>>
    for MapReader<K::Reader, V::Reader>
{
    fn is_null(&self, index: usize) -> bool {
        MapReader::is_null(self, index)
    }

    fn read(&self, index: usize) -> Result<HashMap<K, V, S>, ReadError> {
        let mut out = HashMap::with_capacity_and_hasher(self.entry_count(index), S::default());
        self.read_entries(index, |k, v| {
            out.insert(k, v);
        })?;
        Ok(out)
    }
}

impl<K: Key, V: Column> Column for BTreeMap<K, V> {
    type Builder = MapBuilder<K, V>;
    type Reader = MapReader<K::Reader, V::Reader>;

    fn data_type(opts: &FieldOptions) -> DataType {
        map_type::<K, V>(opts)
    }

    fn avro_type(opts: &FieldOptions, names: &mut super::avro_schema::AvroNames) -> serde_json::Value {
        map_avro_schema::<K, V>(opts, names)
    }

    fn builder(capacity: usize, opts: &FieldOptions) -> Self::Builder {
        MapBuilder::new(capacity, opts)
    }

    fn reader(array: &ArrayRef, opts: &FieldOptions) -> Result<Self::Reader, BindError> {
        MapReader::bind::<K, V>(array, opts)
    }

    fn avro_encode(value: &Self, opts: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
        avro_encode_entries(value.len(), value.iter(), opts, out)
    }

    fn avro_decode(input: &mut Input<'_>, opts: &FieldOptions) -> Result<Self, ReadError> {
        let mut out = BTreeMap::new();
        avro_decode_entries(input, opts, |k, v| {
            out.insert(k, v);
        })?;
        Ok(out)
    }
}

impl<K: Key, V: Column> ListItem for BTreeMap<K, V> {}

impl<K: Key, V: Column> ColumnBuilder<BTreeMap<K, V>> for MapBuilder<K, V> {
    fn append(&mut self, value: &BTreeMap<K, V>) -> Result<(), ValueError> {
        self.append_entries(value.iter())
    }

    fn append_null(&mut self) {
        self.null();
    }

    fn finish(&mut self) -> ArrayRef {
        self.build()
    }
}

impl<K: Key, V: Column> ColumnReader<BTreeMap<K, V>> for MapReader<K::Reader, V::Reader> {
    fn is_null(&self, index: usize) -> bool {
        MapReader::is_null(self, index)
    }

    fn read(&self, index: usize) -> Result<BTreeMap<K, V>, ReadError> {
        let mut out = BTreeMap::new();
        self.read_entries(index, |k, v| {
            out.insert(k, v);
        })?;
        Ok(out)
    }
}
