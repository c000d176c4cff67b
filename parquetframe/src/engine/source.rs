//! Where a query's rows come from, and how each engine reads them.
//!
//! A source is resolved when the query runs: an entity to the live files of
//! its newest committed snapshot, a path to its files. The resolved
//! [`Input`] knows its size from metadata (for the heuristics) and gives a
//! polars `LazyFrame` per engine: the memory engine's cached `DataFrame`, or
//! a scan of the files (projection and predicates pushed into the Parquet
//! reader, row groups pruned by statistics).

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use polars::prelude::{
    DataFrame, IntoLazy, LazyFrame, PlRefPath, ScanArgsParquet, UnionArgs, col, concat, lit,
};

use super::{Engine, bridge, cache, files::FileSet, polars_error};
use crate::entity::{Entity, Format};
use crate::error::Error;
use crate::registry::Columns;
use crate::storage::Store;
use crate::storage::scan::LiveSet;

/// Column that numbers a file's rows while dead ones are filtered out.
const ROW: &str = "__parquetframe_row";

/// An entity of a store, type-erased.
#[derive(Clone)]
pub(crate) struct EntitySource {
    /// `None`: the default store, opened when the query runs.
    pub store: Option<Store>,
    pub name: &'static str,
    /// The primary-key column (newer files replace rows by it); the cluster's
    /// merge-on-read needs it, the local engines get live rows from `live`.
    #[cfg_attr(not(feature = "distributed"), allow(dead_code))]
    pub key: &'static str,
    pub schema: SchemaRef,
    pub live: Arc<LiveFn>,
    pub read: Arc<ReadFn>,
}

/// The live files of an entity in a store.
pub(crate) type LiveFn = dyn Fn(&Store) -> Result<Arc<LiveSet>, Error> + Send + Sync;
/// Columns of an entity's live rows in a store.
pub(crate) type ReadFn = dyn Fn(&Store, &[&str]) -> Result<Columns, Error> + Send + Sync;

impl EntitySource {
    /// The source of `T` in `store` (`None`: the default store).
    pub fn of<T: Entity>(store: Option<Store>) -> Self {
        Self {
            store,
            name: T::ENTITY_NAME,
            key: T::PRIMARY_KEY,
            schema: T::arrow_schema(),
            live: Arc::new(crate::storage::scan::live_files::<T>),
            read: Arc::new(crate::storage::scan::scan::<T>),
        }
    }

    /// The source of an entity known from `store`'s catalog alone.
    pub fn stored(entity: &crate::storage::StoredEntity, store: Store) -> Self {
        let (live, read) = (entity.clone(), entity.clone());
        Self {
            name: entity.name(),
            key: entity.primary_key(),
            schema: entity.arrow_schema(),
            live: Arc::new(move |s: &Store| live.live_files(s)),
            read: Arc::new(move |s: &Store, columns: &[&str]| read.columns(s, columns)),
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

    /// The memory engine's dictionary of a coded string column (see `codes`).
    pub fn dictionary(&self, column: &str) -> Option<LazyFrame> {
        cache::get(&super::codes::dictionary_key(&self.cache_key, column)).map(|d| d.as_ref().clone().lazy())
    }

    /// Whether the distributed engine's executors can read this input:
    /// an entity's files (Parquet or Avro) or Parquet files, which they
    /// reach by path. `Err` says why not.
    pub fn cluster_readable(&self) -> Result<(), String> {
        match &self.kind {
            Kind::Entity { .. } => Ok(()),
            Kind::Files(f) if f.format == super::FileFormat::Parquet => Ok(()),
            Kind::Files(f) => Err(format!(
                "`{}` is {}, and the distributed engine reads Parquet files and Avro entities only",
                f.path.display(),
                f.format
            )),
            Kind::Frame(_) => Err("an in-memory DataFrame is not on storage the cluster can read".into()),
        }
    }

    /// Whether the memory engine holds this input already.
    pub fn is_cached(&self) -> bool {
        match &self.kind {
            Kind::Frame(_) => true,
            _ => cache::contains(&self.cache_key),
        }
    }

    /// The input as a `LazyFrame` for `engine`; `columns` are the columns the
    /// query reads (`None`: all), for readers polars does not project itself.
    pub fn lazy(
        &self,
        engine: Engine,
        columns: Option<&[String]>,
        settings: &super::Settings,
    ) -> Result<LazyFrame, Error> {
        if let Kind::Frame(df) = &self.kind {
            return Ok(df.as_ref().clone().lazy());
        }
        if engine == Engine::Memory {
            if !settings.explain_only {
                return Ok(self.frame(settings)?.as_ref().clone().lazy());
            }
            // explain() describes the plan without loading anything.
            if let Some(df) = cache::get(&self.cache_key) {
                return Ok(df.as_ref().clone().lazy());
            }
        }
        match &self.kind {
            Kind::Entity { store, source, live } => entity_scan(store, source, live, columns),
            Kind::Files(f) => f.scan(columns),
            Kind::Frame(_) => unreachable_frame(),
        }
    }

    /// The whole input as a cached `DataFrame` (the memory engine).
    fn frame(&self, settings: &super::Settings) -> Result<Arc<DataFrame>, Error> {
        if let Some(df) = cache::get(&self.cache_key) {
            return Ok(df);
        }
        settings.monitor.check(&format!("caching {} in memory", self.label), self.bytes(None))?;
        let lf = match &self.kind {
            Kind::Entity { store, source, live } => entity_scan(store, source, live, None)?,
            Kind::Files(f) => f.scan(None)?,
            Kind::Frame(df) => return Ok(df.clone()),
        };
        let mut df = lf.collect().map_err(|e| polars_error(&format!("reading {}", self.label), e))?;
        // One chunk per row group would make every later join and group-by
        // walk hundreds of chunks; the cached frame is read many times, so
        // it is made contiguous once.
        df.rechunk_mut_par();
        let dictionaries = super::codes::add(&mut df)?;
        let df = Arc::new(df);
        cache::put(self.cache_key.clone(), df.clone(), settings.cache_bytes);
        for (column, dictionary) in dictionaries {
            let key = super::codes::dictionary_key(&self.cache_key, &column);
            cache::put(key, Arc::new(dictionary), settings.cache_bytes);
        }
        Ok(df)
    }
}

fn unreachable_frame() -> Result<LazyFrame, Error> {
    Err(crate::error::QueryError::Engine {
        context: "internal".into(),
        message: "an in-memory frame reached the file scan".into(),
    }
    .into())
}

/// Avro when any live file is (the format of each file is its extension;
/// an entity whose format changed has both), else Parquet.
pub(crate) fn live_format(live: &LiveSet) -> Format {
    let avro = live.files.iter().any(|f| f.path.extension().is_some_and(|e| e == "avro"));
    if avro { Format::Avro } else { Format::Parquet }
}

/// The live rows of an entity as a `LazyFrame`.
fn entity_scan(
    store: &Store,
    source: &EntitySource,
    live: &LiveSet,
    columns: Option<&[String]>,
) -> Result<LazyFrame, Error> {
    let context = || format!("scanning entity `{}`", source.name);
    if live_format(live) == Format::Avro || live.files.is_empty() {
        // polars has no Avro scan: our column reader decodes the projected
        // columns of the live rows in parallel; the frame shares its buffers.
        let names: Vec<&str> = source
            .schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .filter(|n| columns.is_none_or(|c| c.iter().any(|x| x == n)))
            .collect();
        let schema = Arc::new(
            source
                .schema
                .project(&names.iter().filter_map(|n| source.schema.index_of(n).ok()).collect::<Vec<_>>())
                .map_err(|e| Error::Arrow { context: context(), source: e })?,
        );
        let data =
            if live.files.is_empty() { vec![Vec::new(); names.len()] } else { (source.read)(store, &names)? };
        return Ok(bridge::columns_to_frame(&schema, data)?.lazy());
    }
    let names: Vec<polars::prelude::Expr> =
        source.schema.fields().iter().map(|f| col(f.name().as_str())).collect();
    let args = || ScanArgsParquet { allow_missing_columns: true, ..ScanArgsParquet::default() };
    let clean: Vec<PlRefPath> = live
        .files
        .iter()
        .filter(|f| f.dead.is_empty())
        .map(|f| PlRefPath::new(f.path.to_string_lossy().as_ref()))
        .collect();
    let mut parts = Vec::new();
    if !clean.is_empty() {
        let lf = LazyFrame::scan_parquet_files(polars_buffer::Buffer::from_iter(clean), args())
            .map_err(|e| polars_error(&context(), e))?;
        parts.push(lf.select(names.clone()));
    }
    for file in live.files.iter().filter(|f| !f.dead.is_empty()) {
        // Row numbers are polars' index type; a file past its range cannot be masked here.
        let positions: Vec<polars::prelude::IdxSize> = file
            .dead
            .iter()
            .map(|&d| polars::prelude::IdxSize::try_from(d))
            .collect::<Result<_, _>>()
            .map_err(|_| polars_error(&context(), format!("`{}` has too many rows", file.path.display())))?;
        let dead = <polars::prelude::Series as polars::prelude::NamedFrom<_, _>>::new(ROW.into(), positions);
        let lf = LazyFrame::scan_parquet(PlRefPath::new(file.path.to_string_lossy().as_ref()), args())
            .map_err(|e| polars_error(&context(), e))?
            .with_row_index(ROW, None)
            .filter(col(ROW).is_in(lit(dead).implode(false), false).not());
        parts.push(lf.select(names.clone()));
    }
    if parts.len() == 1 {
        return parts.pop().ok_or_else(|| polars_error(&context(), "no parts"));
    }
    concat(parts, UnionArgs { rechunk: false, ..UnionArgs::default() })
        .map_err(|e| polars_error(&context(), e))
}
