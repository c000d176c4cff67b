//! `Vec<T>` (and `Vec<Option<T>>`): a List column of `T`'s type.

use std::sync::Arc;

use arrow::array::NullBufferBuilder;
use arrow::array::{Array, ArrayRef, AsArray, ListArray};
use arrow::buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, FieldRef};

use super::coerce::cast_if_accepted;
use super::{BindError, Column, ColumnBuilder, ColumnReader, FieldOptions, ListItem, ReadError, ValueError};
use crate::avro::Input;
use crate::avro::binary::put_long;

/// The item field name arrow-rs, pyarrow and polars use.
pub const ITEM: &str = "item";

/// Path segment for list items in error messages.
const ITEMS: &str = "[]";

/// The item field of a list of `T`.
pub fn item_field<T: Column>(opts: &FieldOptions) -> FieldRef {
    Arc::new(T::field(ITEM, opts))
}

/// Builder for a `Vec<T>` column: offsets, validity and the items' builder.
pub struct ListBuilder<T: Column> {
    item_field: FieldRef,
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
    items: T::Builder,
}

impl<T: Column> ListBuilder<T> {
    #[inline]
    fn push_offset(&mut self, added: usize) -> Result<(), ValueError> {
        let last = self.offsets.last().copied().unwrap_or(0);
        let next = i32::try_from(added).ok().and_then(|a| last.checked_add(a)).ok_or_else(|| {
            ValueError::new("more than 2^31 list items in one column; write smaller batches")
        })?;
        self.offsets.push(next);
        Ok(())
    }
}

impl<T: ListItem> Column for Vec<T> {
    type Builder = ListBuilder<T>;
    type Reader = ListReader<T::Reader>;

    fn data_type(opts: &FieldOptions) -> DataType {
        DataType::List(item_field::<T>(opts))
    }

    fn avro_type(opts: &FieldOptions, names: &mut super::avro_schema::AvroNames) -> serde_json::Value {
        serde_json::json!({"type": "array", "items": T::avro_type(opts, names)})
    }

    fn builder(capacity: usize, opts: &FieldOptions) -> Self::Builder {
        let mut offsets = Vec::with_capacity(capacity + 1);
        offsets.push(0);
        ListBuilder {
            item_field: item_field::<T>(opts),
            offsets,
            nulls: NullBufferBuilder::new(capacity),
            items: T::builder(capacity, opts),
        }
    }

    fn reader(array: &ArrayRef, opts: &FieldOptions) -> Result<Self::Reader, BindError> {
        ListReader::bind(array, opts, |values| T::reader(values, opts), || Self::data_type(opts))
    }

    /// One block holding every item, then the empty block.
    fn avro_encode(value: &Vec<T>, opts: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
        if !value.is_empty() {
            put_long(out, value.len() as i64);
            for item in value {
                T::avro_encode(item, opts, out).map_err(|e| e.within(ITEMS))?;
            }
        }
        out.push(0);
        Ok(())
    }

    fn avro_decode(input: &mut Input<'_>, opts: &FieldOptions) -> Result<Vec<T>, ReadError> {
        let mut items = Vec::new();
        loop {
            let n = input.block_count().map_err(|e| ReadError::invalid(e).within(ITEMS))?;
            if n == 0 {
                return Ok(items);
            }
            items.reserve(n.min(input.remaining()));
            for _ in 0..n {
                items.push(T::avro_decode(input, opts).map_err(|e| e.within(ITEMS))?);
            }
        }
    }
}

impl<T: ListItem> ListItem for Vec<T> {}

impl<T: Column> ColumnBuilder<Vec<T>> for ListBuilder<T> {
    #[inline]
    fn append(&mut self, value: &Vec<T>) -> Result<(), ValueError> {
        for item in value {
            self.items.append(item).map_err(|e| e.within(ITEMS))?;
        }
        self.push_offset(value.len())?;
        self.nulls.append_non_null();
        Ok(())
    }

    #[inline]
    fn append_null(&mut self) {
        // An empty slot: cannot overflow the offsets.
        let last = self.offsets.last().copied().unwrap_or(0);
        self.offsets.push(last);
        self.nulls.append_null();
    }

    fn finish(&mut self) -> ArrayRef {
        let offsets = std::mem::replace(&mut self.offsets, vec![0]);
        // Offsets start at 0 and never decrease, so they are valid by construction.
        let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
        let values = self.items.finish();
        Arc::new(ListArray::new(self.item_field.clone(), offsets, values, self.nulls.finish()))
    }
}

/// Offsets of a bound list column, whatever its physical layout.
pub enum Offsets {
    /// `List`.
    Small(OffsetBuffer<i32>),
    /// `LargeList`.
    Large(OffsetBuffer<i64>),
    /// `FixedSizeList(n)`.
    Fixed(usize),
}

impl Offsets {
    /// The item range of slot `index`.
    #[inline]
    pub fn range(&self, index: usize) -> Option<std::ops::Range<usize>> {
        match self {
            Offsets::Small(o) => {
                let (s, e) = (*o.get(index)?, *o.get(index + 1)?);
                Some(usize::try_from(s).ok()?..usize::try_from(e).ok()?)
            }
            Offsets::Large(o) => {
                let (s, e) = (*o.get(index)?, *o.get(index + 1)?);
                Some(usize::try_from(s).ok()?..usize::try_from(e).ok()?)
            }
            Offsets::Fixed(n) => Some(index.checked_mul(*n)?..(index + 1).checked_mul(*n)?),
        }
    }
}

/// Reader for a list column of List, LargeList or FixedSizeList layout.
pub struct ListReader<R> {
    offsets: Offsets,
    nulls: Option<NullBuffer>,
    items: R,
}

impl<R> ListReader<R> {
    /// Binds to a list array of any layout, binding the items with `bind_items`.
    pub fn bind(
        array: &ArrayRef,
        _opts: &FieldOptions,
        bind_items: impl FnOnce(&ArrayRef) -> Result<R, BindError>,
        expected: impl Fn() -> DataType,
    ) -> Result<Self, BindError> {
        const ACCEPTS: &str = "LargeList, FixedSizeList";
        let mismatch = || BindError::mismatch(expected(), array.data_type(), ACCEPTS);
        let (offsets, nulls, values) = match array.data_type() {
            DataType::List(_) => {
                let a = array.as_list::<i32>();
                (Offsets::Small(a.offsets().clone()), a.nulls().cloned(), a.values().clone())
            }
            DataType::LargeList(_) => {
                let a = array.as_list::<i64>();
                (Offsets::Large(a.offsets().clone()), a.nulls().cloned(), a.values().clone())
            }
            DataType::FixedSizeList(_, n) => {
                let a = array.as_fixed_size_list();
                let n = usize::try_from(*n).map_err(|_| mismatch())?;
                (Offsets::Fixed(n), a.nulls().cloned(), a.values().clone())
            }
            DataType::Null => {
                let cast = cast_if_accepted(array, &expected(), |_| false, ACCEPTS)?;
                return Self::bind(&cast, _opts, bind_items, expected);
            }
            _ => return Err(mismatch()),
        };
        let items = bind_items(&values).map_err(|e| e.within(ITEMS))?;
        Ok(Self { offsets, nulls, items })
    }

    /// Whether slot `index` is null.
    #[inline]
    pub fn is_null(&self, index: usize) -> bool {
        self.nulls.as_ref().is_some_and(|n| index < n.len() && n.is_null(index))
    }

    /// The item range of slot `index`, or a null error.
    #[inline]
    pub fn items_of(&self, index: usize) -> Result<std::ops::Range<usize>, ReadError> {
        if self.is_null(index) {
            return Err(ReadError::null());
        }
        self.offsets.range(index).ok_or_else(|| ReadError::out_of_bounds(index))
    }

    /// The items' reader.
    pub fn items(&self) -> &R {
        &self.items
    }
}

impl<T, R: ColumnReader<T>> ColumnReader<Vec<T>> for ListReader<R> {
    #[inline]
    fn is_null(&self, index: usize) -> bool {
        ListReader::is_null(self, index)
    }

    #[inline]
    fn read(&self, index: usize) -> Result<Vec<T>, ReadError> {
        let range = self.items_of(index)?;
        let mut out = Vec::with_capacity(range.len());
        for i in range {
            out.push(self.items.read(i).map_err(|e| e.within(ITEMS))?);
        }
        Ok(out)
    }
}
