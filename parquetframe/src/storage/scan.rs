//! The live rows of a snapshot, row group by row group: what `load_all`
//! reads whole, and what validation, relation indexes and `on_delete` read
//! projected onto a few columns, in parallel, without building structs.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef};
use rayon::prelude::*;
use roaring::RoaringTreemap;

use super::Store;
use super::erased::Columns;
use super::layout::EntityPaths;
use super::live::deleted_sets;
use super::table::snapshot::Snapshot;
use crate::entity::Entity;
use crate::error::{Error, StorageError};
use crate::formats::claims::Deleted;
use crate::formats::pruning::Pruning;
use crate::formats::{DataFile, Target};

/// One row group of one data file: the unit of parallel reading.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unit {
    /// Index into [`Opened::files`].
    pub file: usize,
    /// Row group (Avro: group of blocks) in the file.
    pub rg: usize,
    /// First row of the row group within the file.
    pub offset: usize,
    /// Rows the file says the row group holds (a claim: nothing is
    /// allocated on it but through [`crate::formats::claims::claimed_vec`]).
    pub rows: usize,
    /// Of those, live ones.
    pub live: usize,
}

/// The data files of a snapshot that hold live rows, opened, with their
/// deleted rows (`None`: every row is live), and their row groups.
pub(crate) struct Opened {
    pub files: Vec<(DataFile, Option<RoaringTreemap>)>,
    pub units: Vec<Unit>,
}

/// The deleted rows of a snapshot's files, from their deletion vectors.
pub(crate) type DeletedSets = Vec<Option<RoaringTreemap>>;

/// What reading an entity's snapshot needs: from its Rust type, or from the
/// catalog alone (`StoredEntity`).
pub(crate) struct View<'a> {
    pub name: &'static str,
    pub storage_path: &'a str,
    pub target: Target,
    /// The primary key's columns.
    pub key: &'a [&'static str],
}

impl View<'static> {
    /// The view of `T`.
    pub fn of<T: Entity>() -> Self {
        View {
            name: T::ENTITY_NAME,
            storage_path: T::STORAGE_PATH,
            target: Target::of::<T>(),
            key: T::KEY_COLUMNS,
        }
    }
}

impl Opened {
    /// Opens the data files of `m` (Parquet files with their page index when
    /// `indexed`, for row selections).
    pub fn new<T: Entity>(paths: &EntityPaths, m: &Snapshot, indexed: bool) -> Result<Self, Error> {
        Self::open(&View::of::<T>(), paths, m, indexed)
    }

    /// [`new`](Self::new) for any view.
    pub fn open(view: &View<'_>, paths: &EntityPaths, m: &Snapshot, indexed: bool) -> Result<Self, Error> {
        let target = &view.target;
        let sets = deleted_sets(paths, m)?;
        let mut units = Vec::new();
        let mut files = Vec::new();
        for (file, deleted) in m.files.iter().zip(sets) {
            if file.live_rows() == 0 {
                continue;
            }
            let path = paths.dir.join(&file.path);
            let data = DataFile::open_at(&path, target, indexed)?;
            let mut offset = 0;
            for (rg, rows) in data.row_group_rows().into_iter().enumerate() {
                let dead = deleted.as_ref().map_or(0, |d| Deleted::new(d, offset as u64).count(0, rows));
                let live = rows.saturating_sub(usize::try_from(dead).unwrap_or(usize::MAX));
                units.push(Unit { file: files.len(), rg, offset, rows, live });
                offset = offset.saturating_add(rows);
            }
            files.push((data, deleted));
        }
        Ok(Self { files, units })
    }

    /// Estimated bytes of the live rows as `row_size`-byte structs plus their
    /// decoded column data (strings, lists), from the files' metadata.
    pub fn estimated_bytes(&self, row_size: usize) -> u64 {
        let mut total = 0u64;
        for (i, (data, _)) in self.files.iter().enumerate() {
            let (rows, live) = self
                .units
                .iter()
                .filter(|u| u.file == i)
                .fold((0u64, 0u64), |(r, l), u| (r + u.rows as u64, l + u.live as u64));
            let decoded = data.decoded_bytes(None);
            let share = decoded.saturating_mul(live).checked_div(rows).unwrap_or(0);
            total = total.saturating_add(share).saturating_add(live.saturating_mul(row_size as u64));
        }
        total
    }

    /// The deleted rows of `unit` (`None`: all live).
    pub fn deleted(&self, unit: &Unit) -> Option<Deleted<'_>> {
        let (_, deleted) = self.files.get(unit.file)?;
        deleted.as_ref().map(|d| Deleted::new(d, unit.offset as u64))
    }

    /// The data file of `unit`.
    pub fn data(&self, unit: &Unit) -> Result<&DataFile, Error> {
        self.files.get(unit.file).map(|(d, _)| d).ok_or_else(|| {
            StorageError::Catalog(format!(
                "internal: unit refers to file {} of {}",
                unit.file,
                self.files.len()
            ))
            .into()
        })
    }

    /// Columns `columns` of the stored rows of `unit` (dead rows included),
    /// per column a list of chunks aligned across columns.
    pub fn read_columns(&self, unit: &Unit, columns: &[&str]) -> Result<Vec<Vec<ArrayRef>>, Error> {
        let data = self.data(unit)?;
        data.prefetch(unit.rg, columns)?;
        let mut out = Vec::with_capacity(columns.len());
        for name in columns {
            out.push(data.read_column(name, Some(unit.rg))?);
        }
        let aligned = out.windows(2).all(|w| w[0].iter().map(|a| a.len()).eq(w[1].iter().map(|a| a.len())));
        if !aligned {
            // Readers chunk differently per column: one chunk per column.
            for chunks in &mut out {
                *chunks = vec![concat(chunks, data)?];
            }
        }
        Ok(out)
    }

    /// [`read_columns`](Self::read_columns) of live rows only.
    pub fn read_live_columns(&self, unit: &Unit, columns: &[&str]) -> Result<Vec<Vec<ArrayRef>>, Error> {
        let mut out = self.read_columns(unit, columns)?;
        let Some(deleted) = self.deleted(unit) else { return Ok(out) };
        let data = self.data(unit)?;
        for chunks in &mut out {
            let mut offset = 0;
            for chunk in chunks.iter_mut() {
                let n = chunk.len();
                if let Some(flags) = deleted.flags(offset, n) {
                    *chunk = arrow::compute::filter(chunk.as_ref(), &flags).map_err(|source| {
                        Error::Arrow { context: format!("filtering `{}`", data.path().display()), source }
                    })?;
                }
                offset += n;
            }
        }
        Ok(out)
    }
}

fn concat(chunks: &[ArrayRef], data: &DataFile) -> Result<ArrayRef, Error> {
    let refs: Vec<&dyn Array> = chunks.iter().map(|a| a.as_ref()).collect();
    arrow::compute::concat(&refs)
        .map_err(|source| Error::Arrow { context: format!("reading `{}`", data.path().display()), source })
}

/// Whether this store's catalog holds `T` (an entity never written here has
/// no rows, even when files of another entity lie at its path); an error
/// when the catalog stores it at another path than the type says.
fn in_catalog(store: &Store, view: &View<'_>) -> Result<bool, Error> {
    match super::catalog::read(store.location())?.entities.get(view.name) {
        None => Ok(false),
        Some(entry) if !super::catalog::same_path(&entry.path, view.storage_path) => {
            Err(StorageError::Catalog(format!(
                "entity `{}` is stored at `{}` in this store's catalog, but the linked type says `{}`",
                view.name, entry.path, view.storage_path
            ))
            .into())
        }
        Some(_) => Ok(true),
    }
}

/// Columns `columns` of the live rows of `T` in `store`: per column, the
/// chunks of every row group in storage order, read in parallel.
///
/// An entity this store has never written (not in its catalog) has no rows
/// here, even when files of another entity lie at its path.
pub(crate) fn scan<T: Entity>(store: &Store, columns: &[&str]) -> Result<Columns, Error> {
    scan_view(store, &View::of::<T>(), columns)
}

/// [`scan`] of the row groups whose statistics allow rows meeting
/// `pruning`: the others may be left out (the caller still filters).
// The query engines' entity sources call it.
#[cfg_attr(not(feature = "query"), allow(dead_code))]
pub(crate) fn scan_pruned<T: Entity>(
    store: &Store,
    columns: &[&str],
    pruning: &Pruning,
) -> Result<Columns, Error> {
    scan_view_pruned(store, &View::of::<T>(), columns, pruning)
}

/// The primary keys of `T`'s live rows (chunks of one array each: the key
/// column, or a struct array of the key columns), then `columns`.
pub(crate) fn scan_keys<T: Entity>(store: &Store, columns: &[&str]) -> Result<Columns, Error> {
    scan_keys_view(store, &View::of::<T>(), columns)
}

/// [`scan_keys`] of any view.
pub(crate) fn scan_keys_view(store: &Store, view: &View<'_>, columns: &[&str]) -> Result<Columns, Error> {
    let all: Vec<&str> = view.key.iter().copied().chain(columns.iter().copied()).collect();
    let mut out = scan_view(store, view, &all)?;
    if view.key.len() == 1 {
        return Ok(out);
    }
    let rest = out.split_off(view.key.len());
    let keys = crate::entity::primary_key::key_chunks(view.key, out, view.name)?;
    Ok(std::iter::once(keys).chain(rest).collect())
}

/// [`scan`] of any view.
pub(crate) fn scan_view(store: &Store, view: &View<'_>, columns: &[&str]) -> Result<Columns, Error> {
    scan_view_pruned(store, view, columns, &Pruning::none())
}

/// [`scan_pruned`] of any view.
pub(crate) fn scan_view_pruned(
    store: &Store,
    view: &View<'_>,
    columns: &[&str],
    pruning: &Pruning,
) -> Result<Columns, Error> {
    if !in_catalog(store, view)? {
        return Ok(vec![Vec::new(); columns.len()]);
    }
    store.with_snapshot_at(view.storage_path, view.name, |paths, m| {
        let opened = Opened::open(view, paths, m, false)?;
        let allowed: Vec<Vec<bool>> =
            opened.files.iter().map(|(data, _)| data.row_groups_allowed(pruning)).collect();
        let kept = |u: &Unit| allowed.get(u.file).and_then(|a| a.get(u.rg)).copied().unwrap_or(true);
        if !pruning.is_empty() {
            let skipped = opened.units.iter().filter(|u| !kept(u)).count();
            tracing::debug!(
                entity = view.name,
                skipped,
                of = opened.units.len(),
                "row groups skipped by statistics"
            );
        }
        let parts: Vec<Vec<Vec<ArrayRef>>> = opened
            .units
            .par_iter()
            .filter(|u| u.live > 0 && kept(u))
            .map(|u| opened.read_live_columns(u, columns))
            .collect::<Result<_, Error>>()?;
        let mut out: Columns = vec![Vec::with_capacity(parts.len()); columns.len()];
        for part in parts {
            for (column, chunks) in out.iter_mut().zip(part) {
                column.extend(chunks.into_iter().filter(|c| !c.is_empty()));
            }
        }
        Ok(out)
    })
}

/// One live data file of a snapshot, for engines that read files themselves.
#[derive(Debug, Clone)]
pub struct LiveFile {
    /// The file.
    pub path: std::path::PathBuf,
    /// Positions of rows its deletion vector marks (replaced or deleted), ascending.
    pub dead: Vec<u64>,
    /// The primary keys of those rows, for engines that cannot filter by
    /// position: within one file a key occurs once, so dropping these keys
    /// drops exactly the dead rows.
    pub dead_keys: Option<ArrayRef>,
}

/// The live files of a committed snapshot and what their metadata says of
/// their size: what the query engines scan and estimate.
#[derive(Debug, Clone)]
pub struct LiveSet {
    /// The table version (0: nothing committed, or not in the catalog).
    pub version: u64,
    /// Data files with live rows, oldest first.
    pub files: Vec<LiveFile>,
    /// Live rows.
    pub rows: u64,
    /// Decoded bytes of the live rows per column, in schema order.
    pub column_bytes: Vec<(String, u64)>,
}

/// Live sets already computed, by entity directory and snapshot. Committed
/// data files never change (new commits write new, uniquely named files), so
/// a snapshot's live set is computed once: later queries of the same
/// snapshot skip its footers and delete masks.
static LIVE_SETS: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, Arc<LiveSet>>>> =
    std::sync::LazyLock::new(Default::default);

/// Snapshots whose live sets are kept; past that the map starts over.
const LIVE_SETS_KEPT: usize = 256;

fn live_set_key(paths: &EntityPaths, m: &Snapshot) -> String {
    let mut key = format!("{}\0{}\0{}", paths.dir.cache_key().display(), m.entity, m.version);
    for f in &m.files {
        key.push('\0');
        key.push_str(&f.path);
        if let Some(dv) = &f.dv {
            key.push_str(&format!("\0{}{:?}{}", dv.path_or_inline_dv, dv.offset, dv.cardinality));
        }
    }
    key
}

/// The live files of `T` in `store` (see [`scan`] for the catalog rule).
// The query engines' entity sources call it.
#[cfg_attr(not(feature = "query"), allow(dead_code))]
pub(crate) fn live_files<T: Entity>(store: &Store) -> Result<Arc<LiveSet>, Error> {
    live_files_view(store, &View::of::<T>())
}

/// [`live_files`] of any view.
pub(crate) fn live_files_view(store: &Store, view: &View<'_>) -> Result<Arc<LiveSet>, Error> {
    let schema = view.target.arrow.clone();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let empty = || LiveSet {
        version: 0,
        files: Vec::new(),
        rows: 0,
        column_bytes: names.iter().map(|n| ((*n).to_owned(), 0)).collect(),
    };
    if !in_catalog(store, view)? {
        return Ok(Arc::new(empty()));
    }
    store.with_snapshot_at(view.storage_path, view.name, |paths, m| {
        let key = live_set_key(paths, m);
        let cached = LIVE_SETS.lock().ok().and_then(|sets| sets.get(&key).cloned());
        if let Some(set) = cached {
            return Ok(set);
        }
        let opened = Opened::open(view, paths, m, false)?;
        let mut set = empty();
        set.version = m.version;
        for (i, (data, deleted)) in opened.files.iter().enumerate() {
            // The engines read files by their column types: a file from before
            // the Delta types would mix two types in one column (polars
            // refuses it; the cluster would misread times of day).
            let legacy = data.legacy_columns(&schema);
            if !legacy.is_empty() {
                return Err(StorageError::Catalog(format!(
                    "entity `{}`: `{}` holds column(s) {} in the types used before the table stored them as \
                     Delta Lake types; compact the entity once (`store.compact`, `pframe compact {}`) before \
                     querying it (loads and lookups read it as it is)",
                    view.name,
                    data.path().display(),
                    legacy.join(", "),
                    view.name
                ))
                .into());
            }
            let stored: u64 = opened.units.iter().filter(|u| u.file == i).map(|u| u.rows as u64).sum();
            let dead: Vec<u64> =
                deleted.as_ref().map(|d| d.iter().take_while(|&r| r < stored).collect()).unwrap_or_default();
            let live = stored.saturating_sub(dead.len() as u64);
            for (name, bytes) in &mut set.column_bytes {
                let all = data.decoded_bytes(Some(&[name.as_str()]));
                *bytes += all.saturating_mul(live).checked_div(stored).unwrap_or(0);
            }
            set.rows += live;
            let dead_keys = if dead.is_empty() { None } else { Some(dead_keys(data, view.key, &dead)?) };
            set.files.push(LiveFile { path: data.path().to_path_buf(), dead, dead_keys });
        }
        let set = Arc::new(set);
        if let Ok(mut sets) = LIVE_SETS.lock() {
            if sets.len() >= LIVE_SETS_KEPT {
                sets.clear();
            }
            sets.insert(key, set.clone());
        }
        Ok(set)
    })
}

/// The keys at positions `dead` of `data`'s key columns `key` (a struct
/// array of them for a composite key).
fn dead_keys(data: &DataFile, key: &[&str], dead: &[u64]) -> Result<ArrayRef, Error> {
    let error = |source| Error::Arrow { context: format!("reading `{}`", data.path().display()), source };
    let indices = arrow::array::UInt64Array::from(dead.to_vec());
    let mut columns = Vec::with_capacity(key.len());
    for column in key {
        let chunks = data.read_column(column, None)?;
        let refs: Vec<&dyn Array> = chunks.iter().map(|a| a.as_ref()).collect();
        let all = arrow::compute::concat(&refs).map_err(error)?;
        columns.push(arrow::compute::take(all.as_ref(), &indices, None).map_err(error)?);
    }
    match columns.len() {
        1 => Ok(columns.remove(0)),
        _ => crate::entity::primary_key::struct_of(key, columns),
    }
}
