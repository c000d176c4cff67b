//! An entity's primary key: one column of a [`Key`] type, or several, a tuple
//! of them (`primary_key = ["l_orderkey", "l_linenumber"]` is `(i64, i32)`).
//!
//! Storage handles every key as one Arrow array: the key column itself, or a
//! struct array of the key columns, so key sets, deletes and lookups treat
//! one column and several alike.

use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StructArray};
use arrow::datatypes::{Field, Fields};

use crate::error::{Error, RelationError, Result};
use crate::record_batch::{bind_error, read_error, value_column};
use crate::types::{ColumnReader, FieldOptions, Key};

/// The type of an entity's primary key: a [`Key`] type for a key of one
/// column, or a tuple of two to four of them for a composite key. The derive
/// picks it from `primary_key`; you do not implement it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a primary key",
    label = "this type cannot be a key",
    note = "a primary key is one key column (integers, String, dates, timestamps, uuid) or a tuple of \
            two to four of them for `primary_key = [\"a\", \"b\"]`"
)]
pub trait PrimaryKey: Clone + Eq + Ord + Hash + Debug + Send + Sync + 'static {
    /// A borrowed key: `&K` for one column, a tuple of references for
    /// several; rows are compared and hashed by key without copying it.
    type Ref<'a>: Copy + Eq + Ord + Hash + Debug + Send + Sync;
    /// The first key column's type: file statistics prune lookups by it.
    type First: Key;
    /// How many columns the key spans.
    const WIDTH: usize;

    /// This key, borrowed.
    fn borrow(&self) -> Self::Ref<'_>;
    /// A borrowed key as an owned one.
    fn to_owned_key(key: Self::Ref<'_>) -> Self;
    /// The first column's value of `key`.
    fn first<'a>(key: Self::Ref<'a>) -> &'a Self::First
    where
        Self: 'a;
    /// `keys` as one array: the key column (named `columns[0]`), or a struct
    /// array of the key columns named `columns`.
    fn array(entity: &'static str, columns: &[&'static str], keys: &[Self::Ref<'_>]) -> Result<ArrayRef>;
    /// Appends the keys of `array` (built like [`array`](Self::array), or
    /// read from a file the same way) to `out`.
    fn read(
        entity: &'static str,
        columns: &[&'static str],
        array: &ArrayRef,
        out: &mut Vec<Self>,
    ) -> Result<()>;
}

/// A borrowed primary key of entity `T` (what [`Entity::key`](super::Entity::key) returns).
pub type KeyRef<'a, T> = <<T as super::Entity>::Key as PrimaryKey>::Ref<'a>;

fn reader<K: Key>(entity: &'static str, column: &str, array: &ArrayRef) -> Result<K::Reader> {
    K::reader(array, &FieldOptions::DEFAULT).map_err(|e| bind_error(entity, e.within(&format!(".{column}"))))
}

fn read_one<K: Key>(entity: &'static str, column: &str, reader: &K::Reader, row: usize) -> Result<K> {
    reader.read(row).map_err(|e| read_error(entity, row, e.within(&format!(".{column}"))))
}

impl<K: Key> PrimaryKey for K {
    type Ref<'a> = &'a K;
    type First = K;
    const WIDTH: usize = 1;

    #[inline]
    fn borrow(&self) -> &K {
        self
    }

    #[inline]
    fn to_owned_key(key: &K) -> K {
        key.clone()
    }

    #[inline]
    fn first<'a>(key: &'a K) -> &'a K
    where
        K: 'a,
    {
        key
    }

    fn array(entity: &'static str, columns: &[&'static str], keys: &[&K]) -> Result<ArrayRef> {
        value_column::<K>(
            entity,
            columns.first().copied().unwrap_or_default(),
            keys.iter().copied(),
            keys.len(),
        )
    }

    fn read(
        entity: &'static str,
        columns: &[&'static str],
        array: &ArrayRef,
        out: &mut Vec<K>,
    ) -> Result<()> {
        let column = columns.first().copied().unwrap_or_default();
        let reader = reader::<K>(entity, column, array)?;
        out.reserve(array.len());
        for row in 0..array.len() {
            out.push(read_one::<K>(entity, column, &reader, row)?);
        }
        Ok(())
    }
}

/// The struct array of key columns `columns` (named `names`).
pub(crate) fn struct_of(names: &[&str], columns: Vec<ArrayRef>) -> Result<ArrayRef> {
    // Nullable: a key column of a file written elsewhere may hold nulls,
    // which key sets treat as a null key rather than failing here.
    let fields: Fields =
        names.iter().zip(&columns).map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
    StructArray::try_new(fields, columns, None).map(|s| Arc::new(s) as ArrayRef).map_err(|source| {
        Error::Arrow { context: format!("building the key ({})", names.join(", ")), source }
    })
}

/// Key columns read in aligned chunks (per column, its chunks) as one key
/// array per chunk: the column itself for one, else a struct array of the
/// columns named `names` (key sets compare such keys by position and type,
/// so a foreign key over several columns probes its target's keys).
pub(crate) fn key_chunks(
    names: &[&str],
    mut columns: Vec<Vec<ArrayRef>>,
    entity: &str,
) -> Result<Vec<ArrayRef>> {
    if columns.len() == 1 {
        return Ok(columns.pop().unwrap_or_default());
    }
    let chunks = columns.first().map_or(0, Vec::len);
    if columns.iter().any(|c| c.len() != chunks) {
        return Err(crate::error::StorageError::Catalog(format!(
            "the columns ({}) of `{entity}` were read in unequal chunks",
            names.join(", ")
        ))
        .into());
    }
    (0..chunks).map(|i| struct_of(names, columns.iter().map(|c| c[i].clone()).collect())).collect()
}

fn columns_of<'a>(
    entity: &'static str,
    names: &[&'static str],
    width: usize,
    array: &'a ArrayRef,
) -> Result<&'a StructArray> {
    array.as_struct_opt().filter(|s| s.num_columns() == width && names.len() == width).ok_or_else(|| {
        RelationError::KeyType {
            entity: entity.to_owned(),
            column: names.join(", "),
            data_type: array.data_type().clone(),
        }
        .into()
    })
}

macro_rules! tuple_keys {
    ($width:literal: $($t:ident $i:tt),+) => {
        impl<$($t: Key),+> PrimaryKey for ($($t,)+) {
            type Ref<'a> = ($(&'a $t,)+);
            type First = A;
            const WIDTH: usize = $width;

            #[inline]
            fn borrow(&self) -> Self::Ref<'_> {
                ($(&self.$i,)+)
            }

            #[inline]
            fn to_owned_key(key: Self::Ref<'_>) -> Self {
                ($(key.$i.clone(),)+)
            }

            #[inline]
            fn first<'a>(key: Self::Ref<'a>) -> &'a A
            where
                Self: 'a,
            {
                key.0
            }

            fn array(entity: &'static str, columns: &[&'static str], keys: &[Self::Ref<'_>]) -> Result<ArrayRef> {
                let names = || columns.iter().copied().chain(std::iter::repeat(""));
                let arrays = vec![$(
                    value_column::<$t>(entity, names().nth($i).unwrap_or_default(), keys.iter().map(|k| k.$i), keys.len())?,
                )+];
                let names: Vec<&str> = names().take($width).collect();
                struct_of(&names, arrays)
            }

            fn read(entity: &'static str, columns: &[&'static str], array: &ArrayRef, out: &mut Vec<Self>) -> Result<()> {
                let parts = columns_of(entity, columns, $width, array)?;
                let readers = ($(reader::<$t>(entity, columns[$i], parts.column($i))?,)+);
                out.reserve(array.len());
                for row in 0..array.len() {
                    out.push(($(read_one::<$t>(entity, columns[$i], &readers.$i, row)?,)+));
                }
                Ok(())
            }
        }
    };
}

tuple_keys!(2: A 0, B 1);
tuple_keys!(3: A 0, B 1, C 2);
tuple_keys!(4: A 0, B 1, C 2, D 3);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_keys_round_trip_through_a_struct_array() {
        let keys = [(1i64, "a".to_owned()), (1, "b".to_owned())];
        let refs: Vec<_> = keys.iter().map(PrimaryKey::borrow).collect();
        let array = <(i64, String)>::array("E", &["id", "name"], &refs).expect("array");
        assert_eq!(array.as_struct().column_names(), vec!["id", "name"]);
        let mut back = Vec::new();
        <(i64, String)>::read("E", &["id", "name"], &array, &mut back).expect("read");
        assert_eq!(back, keys);
        // One column is not a composite key: the error names both columns.
        let single = i64::array("E", &["id"], &[&7]).expect("array");
        let err = <(i64, String)>::read("E", &["id", "name"], &single, &mut back).unwrap_err();
        assert!(err.to_string().contains("id, name"), "{err}");
    }
}
