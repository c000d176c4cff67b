//! # parquetframe
//!
//! Plain Rust structs as persistent, validated, queryable entities over
//! Parquet and Avro files.
//!
//! This release provides:
//! - `#[derive(Entity)]` and `#[derive(Record)]`: a struct's Arrow schema and
//!   fast, columnar conversion to and from Arrow
//!   [`RecordBatch`](arrow::array::RecordBatch)es;
//! - the [`Store`]: entities as Parquet or Avro files in a directory, with
//!   atomic commits, upserts by primary key, deletes, compaction and a catalog;
//!   `User::load_all()`, `user.save()` and friends on the configured default store;
//! - Avro schemas from the struct, Avro container files with every codec
//!   ([`avro`]), and [`Record::read_file`] / [`Record::write_file`] for any
//!   Parquet or Avro file, with Avro schema resolution (see `docs/avro.md`).
//!
//! - relations: `#[relation(Target, inverse = "...")]` on a foreign-key field
//!   generates navigation both ways (`order.user()`, `user.orders()`), the
//!   `on_delete` policy is honoured on deletes, [`Store::validate`] checks
//!   foreign-key integrity column by column, and [`schema_graph`] is the
//!   petgraph graph of every linked entity (checked, ordered, drawn); see
//!   `docs/relations.md`.
//!
//! - queries (feature `query`, on by default): `User::query()` /
//!   `store.query::<User>()` give a typed [`Query`]; [`read`] opens any
//!   Parquet, Avro, CSV, NDJSON or Arrow IPC files as a [`DataFrameProxy`];
//!   both run on an [`Engine`] (polars: memory, lazy, streaming) that
//!   [`EngineHeuristics`] picks and `explain()` justifies; see
//!   `docs/queries.md`.
//!
//! - configuration in layers (defaults, `parquetframe.toml`, `PARQUETFRAME_*`
//!   variables, [`Store::builder`]) with the origin of every value
//!   ([`config::effective`]); progress bars, tracing spans on every
//!   operation and a profile mode ([`ux`]); the `pframe` command-line tool
//!   (feature `cli`), which reads stores from their catalog alone
//!   ([`StoredEntity`]); see `docs/configuration.md` and `docs/cli.md`.
//!
//! - the distributed engine (feature `distributed`): the same plans and
//!   `store.validate()` on an Apache DataFusion Ballista cluster; see
//!   `docs/engines.md`.
//!
//! `ARCHITECTURE.md` describes how the crate is laid out in floors.
//!
//! ```
//! use parquetframe::prelude::*;
//!
//! #[derive(Entity, Debug, Clone, PartialEq)]
//! #[entity(storage_path = "users/", primary_key = "user_id")]
//! pub struct User {
//!     pub user_id: i64,
//!     pub name: String,
//!     pub email: Option<String>,
//!     pub age: i32,
//! }
//!
//! let users = vec![User { user_id: 1, name: "Ada".into(), email: None, age: 36 }];
//! let batch = User::to_record_batch(&users)?;
//! assert_eq!(batch.schema().field(3).name(), "age");
//! assert_eq!(User::from_record_batch(&batch)?, users);
//! # Ok::<(), parquetframe::Error>(())
//! ```
//!
//! ## Supported field types
//!
//! | Rust | Arrow |
//! |---|---|
//! | `bool` | Boolean |
//! | `i8`, `i16`, `i32`, `i64` | Int8 … Int64 |
//! | `u8`, `u16`, `u32`, `u64` | UInt8 … UInt64 |
//! | `f32`, `f64` | Float32, Float64 |
//! | `String` | Utf8 |
//! | `Vec<u8>` | Binary |
//! | `Option<T>` | `T`'s type, nullable |
//! | `Vec<T>`, `Vec<Option<T>>` | List (item field `item`) |
//! | `HashMap<K, V>`, `BTreeMap<K, V>` | Map (`entries`: `key`, `value`) |
//! | `#[derive(Record)] struct` | Struct |
//! | `#[derive(Record)] enum` (unit variants) | Utf8, or Dictionary(Int32, Utf8) with `#[record(dictionary)]` |
//! | `chrono::NaiveDate` | Date32 |
//! | `chrono::NaiveTime` | Time64(µs) |
//! | `chrono::NaiveDateTime` | Timestamp(µs) |
//! | `chrono::DateTime<Utc>` | Timestamp(µs, "UTC") |
//! | `chrono::Duration` | Duration(µs) |
//! | `uuid::Uuid` (feature `uuid`) | FixedSizeBinary(16), extension `arrow.uuid` |
//! | `rust_decimal::Decimal` (feature `decimal`) | Decimal128(P, S) |

#![warn(missing_docs)]

// The floors, from the ground up: a module imports only its own floor or
// lower ones (ARCHITECTURE.md; `tests/floors.rs` checks it).
//  1 the ground
pub mod column;
pub mod error;
pub mod io;
mod threads;
//  2 Avro container files and codecs, untyped
pub mod avro;
//  3 configuration (owns Format and FkCheck)
pub mod config;
//  4 progress, memory monitor, tracing
pub mod ux;
//  5 one trait impl per field type
pub mod types;
//  6 trait Record and the struct <-> Arrow drivers
pub mod record;
pub mod record_batch;
//  7 trait Entity, relations, the entities linked into the program
pub mod entity;
//  8 the schema graph
pub mod graph;
//  9 Parquet and Avro files, typed or untyped
pub mod formats;
// 10 the store
pub mod storage;
// 11 the query plan and its engines
#[cfg(feature = "query")]
pub mod engine;
// 12 foreign-key validation
pub mod validate;
// 13 the facade: active-record methods, this file, the pframe binary
mod active_record;

pub use active_record::ActiveRecord;
pub use column::Col;
#[cfg(feature = "query")]
pub use engine::{
    DataFrameProxy, Engine, EngineHeuristics, EngineRegistry, Explanation, Expr, FileFormat, Interval,
    JoinAlong, JoinKind, Query, ScalarType, col, lit, read, when,
};
pub use entity::{
    Entity, EntityInfo, ForeignKey, ForeignKeyParts, Format, HoldsKeyTo, KeyRef, OnDelete, PrimaryKey,
    Relation,
};
pub use error::{Error, QueryError, RelationError, Result};
pub use graph::{SchemaGraph, schema_graph};
pub use record::Record;
pub use storage::{Store, StoreBuilder, StoreOptions, StoredEntity};
pub use types::{Column, FieldOptions, Key, ListItem};
pub use validate::{FkCheck, ValidationReport};

/// Standalone files of records: the older path of [`formats::record_files`].
#[doc(hidden)]
pub use formats::record_files as files;

/// The struct <-> Arrow drivers: the older path of [`record_batch`] (and
/// [`entity::key_column`]).
#[doc(hidden)]
pub mod convert {
    pub use crate::entity::key_column;
    pub use crate::record_batch::*;
}

/// Every entity and relation linked into the program: the older path of
/// [`entity::linked`] and [`entity::relation`], kept working.
pub mod registry {
    pub use crate::entity::linked::*;
    pub use crate::entity::relation::*;
    pub use crate::storage::erased::Columns;
}

/// The polars crate the query engines use (feature `query`): its
/// `DataFrame` and `LazyFrame` are what queries return.
#[cfg(feature = "query")]
pub use polars;

/// Derives [`Entity`] (and [`Record`]); see the crate documentation.
pub use parquetframe_derive::Entity;
/// Derives [`Record`] for a struct, or a column type for a unit-only enum.
pub use parquetframe_derive::Record;

/// Re-exports used by generated code. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use apache_avro;
    pub use arrow;
    pub use inventory;
    pub use serde_json;

    pub use crate::entity::linked::EntityInfo;
    pub use crate::storage::erased::EntityOps;

    /// What generated code registers for entity `T`: its description (entity
    /// floor) and the store's operations on it (storage floor), built by one
    /// call so that a type error in `T` is reported once.
    pub const fn registration<T: crate::Entity>(rust_type: &'static str) -> (EntityInfo, EntityOps) {
        (EntityInfo::of::<T>(rust_type), EntityOps::of::<T>(rust_type))
    }

    /// Whether `names` holds `name` (a `const fn`, for compile-time relation checks).
    pub const fn contains(names: &[&str], name: &str) -> bool {
        let mut i = 0;
        while i < names.len() {
            let (a, b) = (names[i].as_bytes(), name.as_bytes());
            if a.len() == b.len() {
                let mut j = 0;
                while j < a.len() && a[j] == b[j] {
                    j += 1;
                }
                if j == a.len() {
                    return true;
                }
            }
            i += 1;
        }
        false
    }

    /// The key a foreign key over several columns references (`None` when a
    /// part is null); it fails to compile when the parts do not match `K`.
    #[inline]
    pub fn composite_key<K: crate::PrimaryKey, P: crate::ForeignKeyParts<K>>(parts: P) -> Option<K> {
        parts.key()
    }

    /// The foreign-key column of a relation over several columns: a struct
    /// array of its parts (named `columns`).
    pub fn foreign_key_parts(
        columns: &[&str],
        parts: ::std::vec::Vec<arrow::array::ArrayRef>,
    ) -> crate::Result<arrow::array::ArrayRef> {
        crate::entity::primary_key::struct_of(columns, parts)
    }

    /// Compile-time check that a relation field's type fits the target's key (error on the field).
    pub fn assert_foreign_key<F: crate::ForeignKey<K>, K: crate::Key>() {}

    /// Compile-time check that a field type is a column type (error on the field).
    pub fn assert_column<T: crate::Column>() {}

    /// Compile-time check that a primary key type can be a key (error on the field).
    pub fn assert_key<T: crate::Key>() {}
}

/// Everything an application needs: `use parquetframe::prelude::*;`.
pub mod prelude {
    pub use crate::active_record::ActiveRecord;
    pub use crate::column::Col;
    #[cfg(feature = "query")]
    pub use crate::engine::{
        DataFrameProxy, Engine, Expr, Interval, JoinAlong, JoinKind, Query, ScalarType, col, lit, when,
    };
    pub use crate::entity::{Entity, Format, OnDelete};
    pub use crate::error::{Error, Result};
    pub use crate::record::Record;
    pub use crate::storage::Store;
    pub use crate::types::{Column, Key};
    pub use crate::validate::ValidationReport;
    pub use parquetframe_derive::{Entity, Record};
}

/// The code examples in `docs/` compile as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/storage.md")]
pub struct DocsStorage;

/// The code examples in `docs/relations.md` compile and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/relations.md")]
pub struct DocsRelations;

/// The code examples in `docs/queries.md` compile as doc tests.
#[cfg(all(doctest, feature = "query"))]
#[doc = include_str!("../../docs/queries.md")]
pub struct DocsQueries;

/// The code examples in `docs/entities-and-types.md` compile and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/entities-and-types.md")]
pub struct DocsEntities;

/// The code examples in `docs/avro.md` compile and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/avro.md")]
pub struct DocsAvro;

/// The code examples in `docs/configuration.md` compile and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/configuration.md")]
pub struct DocsConfiguration;

/// The code examples in `docs/object-storage.md` compile (and the one on
/// `memory://` runs) as doc tests.
#[cfg(all(doctest, feature = "query"))]
#[doc = include_str!("../../docs/object-storage.md")]
pub struct DocsObjectStorage;

/// The code examples in `docs/engines.md` compile as doc tests.
#[cfg(all(doctest, feature = "distributed"))]
#[doc = include_str!("../../docs/engines.md")]
pub struct DocsEngines;

/// The walkthrough in `docs/getting-started.md` compiles and runs as a doc test.
#[cfg(all(doctest, feature = "query"))]
#[doc = include_str!("../../docs/getting-started.md")]
pub struct DocsGettingStarted;
