//! Where a query's rows come from, and how each engine reads them.
//!
//! A source is resolved when the query runs: an entity to the live files of
//! its newest committed snapshot, a path to its files. The resolved
//! [`Input`] knows its size from metadata (for the heuristics); each engine
//! reads it its own way (`polars/scan.rs`, `distributed/scan.rs`).

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use polars::prelude::{DataFrame, IntoLazy, LazyFrame};

use super::{cache, files::FileSet};
use crate::entity::{Entity, Format};
use crate::error::Error;
use crate::formats::pruning::Pruning;
use crate::storage::Store;
use crate::storage::erased::Columns;
use crate::storage::scan::LiveSet;

/// An entity of a store, type-erased.
#[derive(Clone)]
pub(crate) struct EntitySource {
    /// `None`: the default store, opened when the query runs.
    pub store: Option<Store>,
    pub name: &'static str,
    /// The primary key's columns (newer files replace rows by it); the cluster's
    /// merge-on-read needs them, the local engines get live rows from `live`.
    #[cfg_attr(not(feature = "distributed"), allow(dead_code))]
    pub key: &'static [&'static str],
    pub schema: SchemaRef,
    pub live: Arc<LiveFn>,
    pub read: Arc<ReadFn>,
}

/// The live files of an entity in a store.
pub(crate) type LiveFn = dyn Fn(&Store) -> Result<Arc<LiveSet>, Error> + Send + Sync;
/// Columns of an entity's live rows in a store, from the row groups whose
/// statistics allow rows meeting the pruning conditions.
pub(crate) type ReadFn = dyn Fn(&Store, &[&str], &Pruning) -> Result<Columns, Error> + Send + Sync;

impl EntitySource {
    /// The source of `T` in `store` (`None`: the default store).
    pub fn of<T: Entity>(store: Option<Store>) -> Self {
        Self {
            store,
            name: T::ENTITY_NAME,
            key: T::KEY_COLUMNS,
            schema: T::arrow_schema(),
            live: Arc::new(crate::storage::scan::live_files::<T>),
            read: Arc::new(crate::storage::scan::scan_pruned::<T>),
        }
    }

    /// The source of an entity known from `store`'s catalog alone.
    pub fn stored(entity: &crate::storage::StoredEntity, store: Store) -> Self {
        let (live, read) = (entity.clone(), entity.clone());
        Self {
            name: entity.name(),
            key: entity.key_columns(),
            schema: entity.arrow_schema(),
            live: Arc::new(move |s: &Store| live.live_files(s)),
            read: Arc::new(move |s: &Store, columns: &[&str], pruning: &Pruning| {
                read.columns_pruned(s, columns, pruning)
            }),
            store: Some(store),
        }
    }
}

/// A query's input before it runs.
#[derive(Clone)]
pub(crate) enum Source {
    Entity(EntitySource),
    Files(Arc<FileSet>),
    Frame(Arc<DataFrame>),
}

impl Source {
    /// What the source is, for messages: `entity `User``, `files at ..`.
    pub fn describe(&self) -> String {
        match self {
            Source::Entity(e) => format!("FROM entity `{}`", e.name),
            Source::Files(f) => format!("FROM `{}`", f.path.display()),
            Source::Frame(_) => "FROM a DataFrame".to_owned(),
        }
    }

    /// Resolves the source against the current state of the disk.
    pub fn resolve(&self) -> Result<Input, Error> {
        match self {
            Source::Entity(e) => {
                let store = match &e.store {
                    Some(s) => s.clone(),
                    None => Store::open_default()?,
                };
                let live = (e.live)(&store)?;
                Ok(Input {
                    label: format!("entity `{}` ({}, version {})", e.name, live_format(&live), live.version),
                    rows: Some(live.rows),
                    column_bytes: live.column_bytes.clone(),
                    cache_key: format!("entity\0{}\0{}\0{}", store.root().display(), e.name, live.version),
                    reads_whole: live_format(&live) == Format::Avro,
                    kind: Kind::Entity { store, source: e.clone(), live },
                })
            }
            Source::Files(f) => Ok(Input {
                label: format!("`{}` ({}, {} file(s))", f.path.display(), f.format, f.files.len()),
                rows: f.rows,
                column_bytes: f.column_bytes.clone(),
                cache_key: f.cache_key(),
                reads_whole: f.format.reads_whole(),
                kind: Kind::Files(f.clone()),
            }),
            Source::Frame(df) => Ok(Input {
                label: format!("a DataFrame ({} rows)", df.height()),
                rows: Some(df.height() as u64),
                column_bytes: df
                    .columns()
                    .iter()
                    .map(|c| (c.name().to_string(), c.as_materialized_series().estimated_size() as u64))
                    .collect(),
                cache_key: String::new(),
                reads_whole: false,
                kind: Kind::Frame(df.clone()),
            }),
        }
    }
}

// One per query input, short-lived: boxing the entity variant buys nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Kind {
    Entity { store: Store, source: EntitySource, live: Arc<LiveSet> },
    Files(Arc<FileSet>),
    Frame(Arc<DataFrame>),
}

/// A resolved source.
pub(crate) struct Input {
    /// How explain names it.
    pub label: String,
    /// Rows (`None` when a text format does not say).
    pub rows: Option<u64>,
    /// Decoded bytes per column.
    pub column_bytes: Vec<(String, u64)>,
    /// The memory engine's cache key (empty: an in-memory frame).
    pub cache_key: String,
    /// Whether the lazy and streaming engines must still decode it whole
    /// (Avro: polars cannot scan it; only the projected columns are read).
    pub reads_whole: bool,
    pub(crate) kind: Kind,
}

impl Input {
    /// Decoded bytes of `columns` (all when `None`).
    pub fn bytes(&self, columns: Option<&[String]>) -> u64 {
        self.column_bytes
            .iter()
            .filter(|(name, _)| columns.is_none_or(|c| c.iter().any(|x| x == name)))
            .map(|(_, b)| *b)
            .sum()
    }

    /// The entity this input reads, if it is one.
    pub fn entity_name(&self) -> Option<&'static str> {
        match &self.kind {
            Kind::Entity { source, .. } => Some(source.name),
            _ => None,
        }
    }

    /// The memory engine's dictionary of a coded string column (see `codes`).
    pub fn dictionary(&self, column: &str) -> Option<LazyFrame> {
        cache::get(&super::polars::codes::dictionary_key(&self.cache_key, column))
            .map(|d| d.as_ref().clone().lazy())
    }

    /// Whether the distributed engine's executors can read this input:
    /// an entity's files (Parquet or Avro) or Parquet files, which they
    /// reach by path. `Err` says why not.
    pub fn cluster_readable(&self) -> Result<(), String> {
        match &self.kind {
            // The executors open s3:// buckets themselves (Ballista's
            // registry, credentials from their environment); other buckets
            // (memory://, gs://, az://) they cannot reach.
            Kind::Entity { store, .. }
                if store.is_remote() && !store.location().to_string().starts_with("s3://") =>
            {
                Err(format!(
                    "the store `{}` is in a bucket the cluster's executors cannot open (they read local \
                     stores and s3:// buckets); run on memory, lazy or streaming",
                    store.location()
                ))
            }
            Kind::Entity { .. } => Ok(()),
            Kind::Files(f) if f.in_bucket() && !f.path.to_string_lossy().starts_with("s3://") => {
                Err(format!(
                    "`{}` is in a bucket the cluster's executors cannot open (they read local files and s3:// \
                 buckets)",
                    f.path.display()
                ))
            }
            Kind::Files(f) if f.format == super::FileFormat::Parquet => Ok(()),
            Kind::Files(f) => Err(format!(
                "`{}` is {}, and the distributed engine reads Parquet files and Avro entities only",
                f.path.display(),
                f.format
            )),
            Kind::Frame(_) => Err("an in-memory DataFrame is not on storage the cluster can read".into()),
        }
    }

    /// Whether DataFusion in this process reads this input as well as
    /// polars: Parquet files of a local store's entity, or local Parquet
    /// files (not Avro, decoded otherwise; not a bucket, read here with
    /// our own pruning reader; not an in-memory frame).
    pub fn datafusion_reads_well(&self) -> bool {
        match &self.kind {
            Kind::Entity { store, live, .. } => !store.is_remote() && live_format(live) == Format::Parquet,
            Kind::Files(f) => !f.in_bucket() && f.format == super::FileFormat::Parquet,
            Kind::Frame(_) => false,
        }
    }

    /// Whether the memory engine holds this input already.
    pub fn is_cached(&self) -> bool {
        match &self.kind {
            Kind::Frame(_) => true,
            _ => cache::contains(&self.cache_key),
        }
    }
}

/// Avro when any live file is (the format of each file is its extension;
/// an entity whose format changed has both), else Parquet.
pub(crate) fn live_format(live: &LiveSet) -> Format {
    let avro = live.files.iter().any(|f| f.path.extension().is_some_and(|e| e == "avro"));
    if avro { Format::Avro } else { Format::Parquet }
}
