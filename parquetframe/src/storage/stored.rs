//! Entities known from a store's catalog alone, without their Rust types:
//! what `pframe` and other tools read, query, validate and compact.
//!
//! Reads follow the same snapshots and deletion vectors as typed reads.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};

use arrow::array::RecordBatch;
use rayon::prelude::*;

use super::catalog::{self, CatalogEntry};
use super::commit::{Change, ChangeKind, entity_properties};
use super::erased::Columns;
use super::layout::{self, EntityPaths};
use super::scan::{self, LiveSet, View};
use super::table::schema;
use super::table::snapshot::{FileEntry, Snapshot};
use super::{Compaction, Store};
use crate::entity::Format;
use crate::error::{Error, StorageError};
use crate::formats::{self, Schemas, Target};
use crate::ux::progress::Progress;

/// An entity of a store, described by the store's catalog.
#[derive(Debug, Clone)]
pub struct StoredEntity {
    /// Its catalog entry: name, path, key, format, schemas, relations.
    pub entry: CatalogEntry,
    name: &'static str,
    primary_key: &'static str,
    key_columns: &'static [&'static str],
    format: Format,
    target: Target,
    avro_json: String,
}

impl StoredEntity {
    /// The entity `name` of `store`; an error lists the entities the catalog holds.
    pub fn open(store: &Store, name: &str) -> Result<Self, Error> {
        let catalog = catalog::read(store.location())?;
        match catalog.entities.get(name) {
            Some(entry) => Self::from_entry(entry.clone()),
            None => {
                let known: Vec<&str> = catalog.entities.keys().map(String::as_str).collect();
                Err(StorageError::Catalog(format!(
                    "no entity `{name}` in the catalog of `{}` (entities: {})",
                    store.root().display(),
                    if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                ))
                .into())
            }
        }
    }

    /// Every entity of `store`'s catalog, by name.
    pub fn all(store: &Store) -> Result<Vec<Self>, Error> {
        catalog::read(store.location())?.entities.into_values().map(Self::from_entry).collect()
    }

    /// The entity an entry describes.
    pub fn from_entry(entry: CatalogEntry) -> Result<Self, Error> {
        let bad = |message: String| -> Error {
            StorageError::Catalog(format!("catalog entry of `{}`: {message}", entry.name)).into()
        };
        let format = match entry.format.as_str() {
            "parquet" => Format::Parquet,
            "avro" => Format::Avro,
            other => return Err(bad(format!("unknown format `{other}`"))),
        };
        let avro_json = entry.avro_schema.to_string();
        let avro =
            intern_schema(&avro_json).map_err(|e| bad(format!("its Avro schema does not parse: {e}")))?;
        let arrow = crate::avro::arrow::arrow_schema(avro).map_err(bad)?;
        let name = intern(&entry.name);
        let primary_key = intern(&entry.primary_key);
        let key_columns = intern_columns(&entry.key_columns());
        Ok(Self {
            name,
            primary_key,
            key_columns,
            format,
            target: Target { name, arrow, avro },
            avro_json,
            entry,
        })
    }

    /// The entity's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The primary key: its column, or `(a, b)` for a composite key.
    pub fn primary_key(&self) -> &'static str {
        self.primary_key
    }

    /// The primary key's columns.
    pub fn key_columns(&self) -> &'static [&'static str] {
        self.key_columns
    }

    /// Its Arrow schema (as the catalog's Avro schema maps to Arrow).
    pub fn arrow_schema(&self) -> arrow::datatypes::SchemaRef {
        self.target.arrow.clone()
    }

    /// Its file format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Its directory's paths under `store`.
    pub fn paths(&self, store: &Store) -> Result<EntityPaths, Error> {
        EntityPaths::new(store.location(), &self.entry.path)
    }

    /// Its snapshot as `store` reads it (the newest, or as of the store's time).
    pub fn snapshot(&self, store: &Store) -> Result<Snapshot, Error> {
        store.read_snapshot(&self.entry.path, self.name)
    }

    /// Its commits, oldest first.
    pub fn history(&self, store: &Store) -> Result<Vec<super::Commit>, Error> {
        store.history_at(&self.entry.path)
    }

    pub(crate) fn with_view<R>(&self, read: impl FnOnce(&View<'_>) -> R) -> R {
        read(&View {
            name: self.name,
            storage_path: &self.entry.path,
            target: self.target.clone(),
            key: self.key_columns,
        })
    }

    /// Its live files, rows and estimated decoded size per column.
    pub fn live_files(&self, store: &Store) -> Result<Arc<LiveSet>, Error> {
        self.with_view(|view| scan::live_files_view(store, view))
    }

    /// Columns `columns` of its live rows (per column, the chunks of every row group).
    pub fn columns(&self, store: &Store, columns: &[&str]) -> Result<Columns, Error> {
        self.with_view(|view| scan::scan_view(store, view, columns))
    }

    /// [`columns`](Self::columns), leaving out row groups whose statistics
    /// rule out every row meeting `pruning` (the caller still filters).
    #[cfg_attr(not(feature = "query"), allow(dead_code))]
    pub(crate) fn columns_pruned(
        &self,
        store: &Store,
        columns: &[&str],
        pruning: &crate::formats::pruning::Pruning,
    ) -> Result<Columns, Error> {
        self.with_view(|view| scan::scan_view_pruned(store, view, columns, pruning))
    }

    /// Its live rows' primary keys (chunks of one array: a struct array of
    /// the key columns for a composite key), then columns `columns`.
    pub fn keys_and_columns(&self, store: &Store, columns: &[&str]) -> Result<Columns, Error> {
        self.with_view(|view| scan::scan_keys_view(store, view, columns))
    }

    /// Its live rows as Arrow batches, in storage order.
    pub fn batches(&self, store: &Store) -> Result<Vec<RecordBatch>, Error> {
        store.with_snapshot_at(&self.entry.path, self.name, |paths, m| {
            self.live_batches(paths, m, |_| Progress::hidden())
        })
    }

    /// The live rows of snapshot `m` as batches, row groups read in
    /// parallel; `progress` makes the bar for the live rows' count.
    fn live_batches(
        &self,
        paths: &EntityPaths,
        m: &Snapshot,
        progress: impl FnOnce(u64) -> Progress,
    ) -> Result<Vec<RecordBatch>, Error> {
        self.with_view(|view| {
            let opened = scan::Opened::open(view, paths, m, false)?;
            let progress = progress(opened.units.iter().map(|u| u.live as u64).sum());
            let parts: Vec<Vec<RecordBatch>> = opened
                .units
                .par_iter()
                .filter(|u| u.live > 0)
                .map(|u| {
                    let batches = opened.data(u)?.read_row_group(u.rg, opened.deleted(u))?;
                    progress
                        .inc(u.live as u64, batches.iter().map(|b| b.get_array_memory_size() as u64).sum());
                    Ok(batches)
                })
                .collect::<Result<_, Error>>()?;
            Ok(parts.into_iter().flatten().collect())
        })
    }

    /// Rewrites its live rows into one data file, dropping replaced and
    /// deleted rows and delete files (as [`Store::compact`], without the
    /// type: rows keep the columns their files have, so files written by
    /// different versions of the struct must be compacted from Rust).
    pub fn compact(&self, store: &Store) -> Result<Compaction, Error> {
        let op = crate::ux::trace::Operation::start(tracing::info_span!(
            "compact",
            entity = self.name,
            files_after = tracing::field::Empty,
            rows = tracing::field::Empty,
            duration_ms = tracing::field::Empty
        ));
        let _entered = op.span().enter();
        let done = self.compact_files(store)?;
        op.record("files_after", done.files_after);
        op.record("rows", done.rows);
        Ok(done)
    }

    fn compact_files(&self, store: &Store) -> Result<Compaction, Error> {
        let paths = self.paths(store)?;
        store.writable(self.name)?;
        let unchanged = |m: &Snapshot| Change {
            files: m.files.clone(),
            written: Vec::new(),
            kind: ChangeKind::Compact,
            rows_added: 0,
            rows_removed: 0,
            data_synced: false,
        };
        let full = |_: &EntityPaths, m: &Snapshot, _: usize| Ok(unchanged(m));
        let create = || -> Result<_, Error> {
            Ok((schema::delta_columns(&self.target.arrow, self.name)?, entity_properties(&self.entry)))
        };
        store.transact_at(&paths, self.name, &self.target.arrow, create, full, |paths, current| {
            let before = current.files.len();
            let unchanged =
                Compaction { files_before: before, files_after: before, rows: current.live_rows() };
            if before <= 1
                && current.files.iter().all(|f| f.deleted == 0)
                && !super::compact::holds_legacy_types(paths, current, &self.target)?
            {
                return Ok((None, unchanged));
            }
            // Avro rows are decoded through the catalog's schema: fields it
            // lacks would be skipped, so they are refused instead.
            super::compact::refuse_dropping_columns(paths, &current.files, self.name, &self.target, &[])?;
            let what = format!("compaction of `{}`", self.name);
            let setting = store.resolved()?.config.ux.progress;
            let batches = self.live_batches(paths, current, |live| Progress::new(&what, live, setting))?;
            let arrow = batches.first().map_or_else(|| self.target.arrow.clone(), RecordBatch::schema);
            if let Some(other) = batches.iter().find(|b| b.schema() != arrow) {
                return Err(StorageError::Catalog(format!(
                    "entity `{}`: its files have different columns ({} and {}); they were written by \
                     different versions of the struct: compact from Rust with `store.compact::<{}>()`, \
                     which brings old rows up to date",
                    self.name,
                    column_list(&arrow),
                    column_list(&other.schema()),
                    self.name
                ))
                .into());
            }
            let name = layout::data_file_name(self.format);
            let schemas = Schemas {
                arrow,
                avro: self.target.avro,
                avro_json: self.avro_json.clone(),
                key_column: self.key_columns.first().copied(),
            };
            let path = paths.dir.join(&name);
            let (rows, bytes) = formats::write_table_file_at(
                self.format,
                &path,
                &schemas,
                &store.options().write,
                batches.into_iter().map(Ok),
            )
            .inspect_err(|_| {
                let _ = path.remove();
            })?;
            let next = Change {
                files: vec![FileEntry::new(name, rows, bytes)],
                written: vec![path],
                kind: ChangeKind::Compact,
                rows_added: 0,
                rows_removed: 0,
                data_synced: false,
            };
            Ok((Some(next), Compaction { files_before: before, files_after: 1, rows }))
        })
    }
}

fn column_list(schema: &arrow::datatypes::Schema) -> String {
    schema.fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ")
}

static NAMES: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Default::default);
static SCHEMAS: LazyLock<Mutex<HashMap<String, &'static apache_avro::Schema>>> =
    LazyLock::new(Default::default);

/// One `'static` copy per distinct name: catalog entities share the typed
/// code paths, which name entities by `&'static str`. Bounded by the
/// entities a process ever opens.
fn intern(name: &str) -> &'static str {
    let mut names = NAMES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = names.get(name) {
        return found;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// [`intern`] for a list of key columns.
fn intern_columns(columns: &[&str]) -> &'static [&'static str] {
    static LISTS: LazyLock<Mutex<HashSet<&'static [&'static str]>>> = LazyLock::new(Default::default);
    let columns: Vec<&'static str> = columns.iter().map(|c| intern(c)).collect();
    let mut lists = LISTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = lists.get(columns.as_slice()) {
        return found;
    }
    let leaked: &'static [&'static str] = Box::leak(columns.into_boxed_slice());
    lists.insert(leaked);
    leaked
}

/// One `'static` parse per distinct schema (see [`intern`]).
fn intern_schema(json: &str) -> Result<&'static apache_avro::Schema, apache_avro::Error> {
    let mut schemas = SCHEMAS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = schemas.get(json) {
        return Ok(found);
    }
    let leaked: &'static apache_avro::Schema = Box::leak(Box::new(apache_avro::Schema::parse_str(json)?));
    schemas.insert(json.to_owned(), leaked);
    Ok(leaked)
}
