//! The `Entity` trait: a record with an identity and a place in a store;
//! the relations entities declare, and every entity linked into the program.

pub mod linked;
pub mod primary_key;
pub mod relation;

use arrow::array::ArrayRef;

pub use crate::config::Format;
use crate::error::Result;
use crate::record::Record;
pub use linked::EntityInfo;
pub use primary_key::{KeyRef, PrimaryKey};
pub use relation::{ForeignKey, ForeignKeyParts, HoldsKeyTo, OnDelete, Relation};

/// A persistent record: stored under [`STORAGE_PATH`](Self::STORAGE_PATH) of a
/// store, identified by its primary key.
///
/// Derive it:
///
/// ```
/// use parquetframe::prelude::*;
///
/// #[derive(Entity, Debug, Clone, PartialEq)]
/// #[entity(storage_path = "users/", primary_key = "user_id")]
/// pub struct User {
///     pub user_id: i64,
///     pub name: String,
///     pub age: i32,
/// }
///
/// assert_eq!(<User as Entity>::STORAGE_PATH, "users/");
/// assert_eq!(User::AGE.name(), "age");
/// let u = User { user_id: 7, name: "Ada".into(), age: 36 };
/// assert_eq!(u.key(), &7);
/// ```
///
/// The constants are also reachable as `User::STORAGE_PATH` unless a field's
/// column constant has the same name (a field `storage_path`, say); the
/// fully qualified `<User as Entity>::STORAGE_PATH` always works.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an entity",
    label = "not an entity",
    note = "add #[derive(Entity)] and #[entity(storage_path = \"...\", primary_key = \"...\")] to `{Self}`; \
            a #[relation] target must be an entity"
)]
pub trait Entity: Record {
    /// The primary key's type: the key field's type, or a tuple of the key
    /// fields' types for a composite key (`primary_key = ["a", "b"]`).
    type Key: PrimaryKey;

    /// The entity's name (the struct name unless `#[entity(name = "...")]`).
    const ENTITY_NAME: &'static str;
    /// Where its files live, relative to the store root (e.g. `users/`).
    const STORAGE_PATH: &'static str;
    /// The primary key's name: its column, or `(a, b)` for a composite key
    /// (its columns are [`KEY_COLUMNS`](Self::KEY_COLUMNS)).
    const PRIMARY_KEY: &'static str;
    /// The primary key's columns, in key order: one, or several for a composite key.
    const KEY_COLUMNS: &'static [&'static str];
    /// The declared file format (`#[entity(format = "...")]`), Parquet when
    /// none is declared. Where an undeclared entity is stored is decided by
    /// the store: see [`DECLARED_FORMAT`](Self::DECLARED_FORMAT).
    const FORMAT: Format;
    /// The format written in `#[entity(format = "...")]`, if any. Without
    /// one, an entity keeps the format its store's catalog records for it,
    /// and a store that has none yet uses `store.format` (Parquet by default).
    const DECLARED_FORMAT: Option<Format> = None;
    /// The compression codec from `#[entity(codec = "...")]`; `None` uses the
    /// store's configured codec.
    const CODEC: Option<crate::avro::Codec> = None;
    /// The foreign keys this entity declares with `#[relation(...)]`: those on
    /// fields in field order, then those over several columns (on the struct).
    const RELATIONS: &'static [Relation] = &[];
    /// The struct's field names (generated; the relation checks of other
    /// entities read them at compile time).
    #[doc(hidden)]
    const FIELD_NAMES: &'static [&'static str] = &[];

    /// The foreign-key column of relation `relation` (an index into
    /// [`RELATIONS`](Self::RELATIONS)) over `rows`, as an Arrow array (a
    /// struct array of its columns for a key over several, which compares
    /// with the target's keys from [`key_column`] part by part).
    /// Generated; used to check foreign keys before a save.
    fn foreign_key_column(relation: usize, rows: &[Self]) -> Result<ArrayRef> {
        let _ = rows;
        Err(crate::error::RelationError::UnknownRelation { entity: Self::ENTITY_NAME, index: relation }
            .into())
    }

    /// The primary key of this row, borrowed: `&Key`, or a tuple of
    /// references to the key fields for a composite key.
    fn key(&self) -> KeyRef<'_, Self>;

    /// The primary key of this row, owned (a clone of [`key`](Self::key)).
    fn to_key(&self) -> Self::Key {
        Self::Key::to_owned_key(self.key())
    }
}

/// The primary keys `keys` of entity `T` as one Arrow array: the key column,
/// or a struct array of the key columns for a composite key.
pub fn key_column<T: Entity>(keys: &[KeyRef<'_, T>]) -> Result<ArrayRef> {
    T::Key::array(T::ENTITY_NAME, T::KEY_COLUMNS, keys)
}

/// The primary keys in `array` (built like [`key_column`], or read from a
/// file from the key columns, [`Entity::KEY_COLUMNS`]), appended to `out`.
pub fn read_keys<T: Entity>(array: &ArrayRef, out: &mut Vec<T::Key>) -> Result<()> {
    T::Key::read(T::ENTITY_NAME, T::KEY_COLUMNS, array, out)
}
