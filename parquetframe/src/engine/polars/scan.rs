//! How the polars engines read an input: the memory engine's cached
//! `DataFrame` (dictionary codes added once), or a scan of the files with
//! projection and predicates pushed into the Parquet reader and row groups
//! pruned by statistics; rows that newer files replaced are masked by their
//! positions. Avro has no polars scan: its projected columns are decoded by
//! the store's reader and handed over without copies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use polars::prelude::{
    DataFrame, IntoLazy, LazyFrame, PlRefPath, ScanArgsParquet, UnionArgs, col, concat, lit,
};

use crate::engine::source::{EntitySource, Input, Kind, live_format};
use crate::engine::{Engine, Settings, bridge, cache, polars_error};
use crate::entity::Format;
use crate::error::Error;
use crate::formats::pruning::Pruning;
use crate::formats::table_types;
use crate::storage::Store;
use crate::storage::scan::LiveSet;

/// Column that numbers a file's rows while dead ones are filtered out.
const ROW: &str = "__parquetframe_row";

/// The inputs of one run as polars plans, each made once. Every read of
/// the same files (or cached frame) in one plan, a subquery and its outer
/// query or a self-join, is the same polars node: polars' common subplan
/// elimination tells scans apart by the address of the file metadata each
/// read (frames by the frame's address), so two reads of one file are never
/// one read unless they are one scan.
#[derive(Default)]
pub(crate) struct Scans(Mutex<HashMap<ScanKey, LazyFrame>>);

#[derive(PartialEq, Eq, Hash)]
enum ScanKey {
    /// An entity (its name: two entity types may share files) and its live
    /// Parquet files with their dead rows' positions.
    Live(&'static str, Vec<(PlRefPath, Vec<u64>)>),
    /// A frame of the memory engine's cache.
    Cached(String),
}

impl Scans {
    fn get_or(
        &self,
        key: ScanKey,
        make: impl FnOnce() -> Result<LazyFrame, Error>,
    ) -> Result<LazyFrame, Error> {
        if let Some(lf) = self.0.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(lf.clone());
        }
        let lf = make()?;
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(key, lf.clone());
        Ok(lf)
    }
}

impl Input {
    /// The input as a `LazyFrame` for `engine`; `columns` are the columns the
    /// query reads (`None`: all), for readers polars does not project itself.
    /// `pruning` lets readers that fetch files themselves skip row groups
    /// (polars prunes the files it scans by the plan's own filters).
    pub fn lazy(
        &self,
        engine: Engine,
        columns: Option<&[String]>,
        pruning: &Pruning,
        settings: &Settings,
    ) -> Result<LazyFrame, Error> {
        if let Kind::Frame(df) = &self.kind {
            return Ok(df.as_ref().clone().lazy());
        }
        if engine == Engine::Memory {
            let key = ScanKey::Cached(self.cache_key.clone());
            if !settings.explain_only {
                return settings.scans.get_or(key, || Ok(self.frame(settings)?.as_ref().clone().lazy()));
            }
            // explain() describes the plan without loading anything.
            if let Some(df) = cache::get(&self.cache_key) {
                return settings.scans.get_or(key, || Ok(df.as_ref().clone().lazy()));
            }
        }
        match &self.kind {
            Kind::Entity { store, source, live } => {
                entity_scan(store, source, live, columns, pruning, &settings.scans)
            }
            Kind::Files(f) => f.scan(columns),
            Kind::Frame(_) => unreachable_frame(),
        }
    }

    /// The whole input as a cached `DataFrame` (the memory engine).
    fn frame(&self, settings: &Settings) -> Result<Arc<DataFrame>, Error> {
        if let Some(df) = cache::get(&self.cache_key) {
            return Ok(df);
        }
        settings.monitor.check(&format!("caching {} in memory", self.label), self.bytes(None))?;
        let lf = match &self.kind {
            Kind::Entity { store, source, live } => {
                entity_scan(store, source, live, None, &Pruning::none(), &settings.scans)?
            }
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

/// Column `field` of an entity's files in the entity's type: the files hold
/// unsigned integers, times and durations in Delta Lake's types
/// (`formats::table_types`); polars casts them back (a time of day is
/// stored as nanoseconds, polars' own unit).
fn restored(field: &arrow::datatypes::Field) -> Result<polars::prelude::Expr, Error> {
    let name = field.name().as_str();
    if table_types::table_type(field.data_type()) == *field.data_type() {
        return Ok(col(name));
    }
    Ok(col(name).strict_cast(bridge::polars_type(field.data_type())?).alias(name))
}

/// The live rows of an entity as a `LazyFrame`.
fn entity_scan(
    store: &Store,
    source: &EntitySource,
    live: &LiveSet,
    columns: Option<&[String]>,
    pruning: &Pruning,
    scans: &Scans,
) -> Result<LazyFrame, Error> {
    let context = || format!("scanning entity `{}`", source.name);
    if live_format(live) == Format::Avro || live.files.is_empty() || store.is_remote() {
        // polars has no Avro scan, and polars' cloud reader does not reach
        // this process's buckets (`memory://`) nor share their clients: our
        // column reader decodes the projected columns of the live rows in
        // parallel (a bucket's files fetched whole, once each); the frame
        // shares its buffers.
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
        let data = if live.files.is_empty() {
            vec![Vec::new(); names.len()]
        } else {
            (source.read)(store, &names, pruning)?
        };
        return Ok(bridge::columns_to_frame(&schema, data)?.lazy());
    }
    let key =
        ScanKey::Live(source.name, live.files.iter().map(|f| (path(&f.path), f.dead.clone())).collect());
    scans.get_or(key, || live_scan(source, live, &context))
}

fn path(file: &std::path::Path) -> PlRefPath {
    PlRefPath::new(file.to_string_lossy().as_ref())
}

/// An entity's live rows in Parquet files as one polars scan.
fn live_scan(
    source: &EntitySource,
    live: &LiveSet,
    context: &dyn Fn() -> String,
) -> Result<LazyFrame, Error> {
    let names: Vec<polars::prelude::Expr> =
        source.schema.fields().iter().map(|f| restored(f)).collect::<Result<_, _>>()?;
    let args = || ScanArgsParquet { allow_missing_columns: true, ..ScanArgsParquet::default() };
    let clean: Vec<PlRefPath> =
        live.files.iter().filter(|f| f.dead.is_empty()).map(|f| path(&f.path)).collect();
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
        let lf = LazyFrame::scan_parquet(path(&file.path), args())
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
