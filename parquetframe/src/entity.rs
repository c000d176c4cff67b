//! The `Entity` trait: a record with an identity and a place in a store.

use std::fmt;
use std::str::FromStr;

use arrow::array::ArrayRef;

use crate::error::Result;
use crate::record::Record;
use crate::registry::Relation;
use crate::storage::Store;
use crate::types::Key;

/// The file format an entity is stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Apache Parquet (the default).
    #[default]
    Parquet,
    /// Apache Avro object container files.
    Avro,
}

impl Format {
    /// The lower-case name used in attributes and configuration.
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Avro => "avro",
        }
    }

    /// The file extension of data files in this format.
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Avro => "avro",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "parquet" => Ok(Format::Parquet),
            "avro" => Ok(Format::Avro),
            other => Err(format!("unknown format `{other}`: expected `parquet` or `avro`")),
        }
    }
}

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
    /// The primary key's type.
    type Key: Key;

    /// The entity's name (the struct name unless `#[entity(name = "...")]`).
    const ENTITY_NAME: &'static str;
    /// Where its files live, relative to the store root (e.g. `users/`).
    const STORAGE_PATH: &'static str;
    /// The primary key's column name.
    const PRIMARY_KEY: &'static str;
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
    /// The foreign keys this entity declares with `#[relation(...)]`, in field order.
    const RELATIONS: &'static [Relation] = &[];
    /// The struct's field names (generated; the relation checks of other
    /// entities read them at compile time).
    #[doc(hidden)]
    const FIELD_NAMES: &'static [&'static str] = &[];

    /// The foreign-key column of relation `relation` (an index into
    /// [`RELATIONS`](Self::RELATIONS)) over `rows`, as an Arrow array.
    /// Generated; used to check foreign keys before a save.
    fn foreign_key_column(relation: usize, rows: &[Self]) -> Result<ArrayRef> {
        let _ = rows;
        Err(crate::error::RelationError::UnknownRelation { entity: Self::ENTITY_NAME, index: relation }
            .into())
    }

    /// The primary key of this row.
    fn key(&self) -> &Self::Key;

    /// Every live row, from the default store ([`Store::open_default`]).
    fn load_all() -> Result<Vec<Self>> {
        Store::open_default()?.load_all::<Self>()
    }

    /// Upserts `rows` into the default store.
    fn save_all(rows: &[Self]) -> Result<()> {
        Store::open_default()?.save_all(rows)
    }

    /// Upserts this row into the default store.
    fn save(&self) -> Result<()> {
        Store::open_default()?.save(self)
    }

    /// The row with `key` in the default store, if any.
    fn find(key: &Self::Key) -> Result<Option<Self>> {
        Store::open_default()?.find::<Self>(key)
    }

    /// Deletes the row with `key` from the default store; `false` when there was none.
    fn delete(key: &Self::Key) -> Result<bool> {
        Store::open_default()?.delete::<Self>(key)
    }

    /// Deletes the rows with `keys` from the default store; returns how many were live.
    fn delete_all(keys: &[Self::Key]) -> Result<usize> {
        Store::open_default()?.delete_all::<Self>(keys)
    }

    /// The number of live rows in the default store.
    fn count() -> Result<usize> {
        Store::open_default()?.count::<Self>()
    }

    /// A typed query over the live rows on the default store (opened when
    /// the query runs). Feature `query`.
    #[cfg(feature = "query")]
    fn query() -> crate::engine::Query<Self> {
        crate::engine::Query::new(None)
    }
}
