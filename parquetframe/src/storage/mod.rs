//! The store: entities as Parquet files under a root directory, with atomic
//! commits, upserts by primary key, deletes and compaction.
//!
//! See `docs/storage.md` for the layout, the commit protocol and why upserts
//! are merge-on-read.

mod builder;
pub(crate) mod cascade;
pub mod catalog;
pub mod formats;
pub mod io;
pub mod layout;
pub mod lock;
pub mod manifest;
pub mod merge;
pub(crate) mod related;
mod save_set;
pub(crate) mod scan;
mod stored;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, BooleanArray, RecordBatch};
use arrow::compute::filter_record_batch;
use rayon::prelude::*;

use crate::config::{Config, Overrides, Setting};
use crate::entity::Entity;
use crate::error::{Error, StorageError};
use crate::types::{Column, ColumnReader, FieldOptions};
use crate::ux::progress::Progress;
use crate::ux::trace::Operation;
use crate::validate::{FkCheck, ValidationReport};
pub use builder::StoreBuilder;
pub use formats::WriteOptions;
use formats::{DataFile, Schemas, Target};
use layout::EntityPaths;
use lock::WriterLock;
use manifest::{FileEntry, FileKind, Manifest};
use merge::FileKeys;
pub use save_set::SaveSet;
pub use stored::StoredEntity;
use tracing::field::Empty;
use tracing::{debug_span, info_span};

/// How a store writes and maintains files.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Data file settings.
    pub write: WriteOptions,
    /// The format of entities that declare none, when first saved here.
    pub format: crate::entity::Format,
    /// Above this many live files, a commit compacts the newest small files.
    pub compact_max_files: usize,
    /// Manifest versions kept (older snapshots stay readable that long).
    pub keep_manifests: usize,
    /// When foreign keys are checked (`deferred`: only by [`Store::validate`]).
    pub fk_check: FkCheck,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            write: WriteOptions::default(),
            format: crate::entity::Format::Parquet,
            compact_max_files: 16,
            keep_manifests: 10,
            fk_check: FkCheck::Deferred,
        }
    }
}

/// What a compaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compaction {
    /// Live files before.
    pub files_before: usize,
    /// Live files after.
    pub files_after: usize,
    /// Live rows written.
    pub rows: u64,
}

/// A directory of entities. Cheap to clone; holds no open files.
///
/// ```no_run
/// use parquetframe::prelude::*;
///
/// #[derive(Entity, Debug, Clone, PartialEq)]
/// #[entity(storage_path = "users/", primary_key = "user_id")]
/// struct User { user_id: i64, name: String }
///
/// let store = Store::open("data")?;
/// store.save_all(&[User { user_id: 1, name: "Ada".into() }])?;
/// assert_eq!(store.find::<User>(&1)?.map(|u| u.name), Some("Ada".into()));
/// # Ok::<(), parquetframe::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    options: StoreOptions,
    /// Configuration set in code; the rest comes from the layers when an
    /// operation runs.
    overrides: Arc<Overrides>,
}

impl Store {
    /// Opens the store at `root`, creating it when missing; the other
    /// settings come from the configuration (`docs/configuration.md`).
    pub fn open(root: impl AsRef<Path>) -> Result<Self, Error> {
        Self::builder().root(root.as_ref()).open()
    }

    /// Opens the store at `root` with explicit write options (the engine
    /// and UX settings still come from the configuration).
    pub fn open_with(root: impl AsRef<Path>, options: StoreOptions) -> Result<Self, Error> {
        let mut overrides = Overrides::default();
        overrides.set("store.root", root.as_ref());
        Self::create(root.as_ref().to_path_buf(), options, Arc::new(overrides))
    }

    /// The default store: the configured root (`PARQUETFRAME_ROOT`, else `root`
    /// under `[store]` in `parquetframe.toml`, else `./data`).
    pub fn open_default() -> Result<Self, Error> {
        Self::builder().open()
    }

    /// A store configured in code; see [`StoreBuilder`].
    pub fn builder() -> StoreBuilder {
        StoreBuilder::default()
    }

    fn create(root: PathBuf, options: StoreOptions, overrides: Arc<Overrides>) -> Result<Self, Error> {
        if root.exists() && !root.is_dir() {
            return Err(StorageError::RootNotADirectory(root).into());
        }
        io::create_dir_all(&root.join(layout::META_DIR))?;
        Ok(Self { root, options, overrides })
    }

    /// The configuration this store's operations use now: the layers under
    /// the values set in code.
    pub fn config(&self) -> Result<Config, Error> {
        Ok(self.resolved()?.config.clone())
    }

    /// Every configuration key with its value and origin, for this store.
    pub fn effective_config(&self) -> Result<Vec<Setting>, Error> {
        Ok(self.resolved()?.settings())
    }

    pub(crate) fn resolved(&self) -> Result<Arc<crate::config::Resolved>, Error> {
        crate::config::resolve(&self.overrides)
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The options in force.
    pub fn options(&self) -> &StoreOptions {
        &self.options
    }

    fn paths<T: Entity>(&self) -> Result<EntityPaths, Error> {
        EntityPaths::new(&self.root, T::STORAGE_PATH)
    }

    /// The format `T` is written in here: its declared format, else the one
    /// this store's catalog records for it, else `store.format`.
    pub fn format_of<T: Entity>(&self) -> Result<crate::entity::Format, Error> {
        if let Some(format) = T::DECLARED_FORMAT {
            return Ok(format);
        }
        let recorded =
            catalog::read(&self.root)?.entities.get(T::ENTITY_NAME).and_then(|e| e.format.parse().ok());
        Ok(recorded.unwrap_or(self.options.format))
    }

    /// The write options for `T`: the entity's `codec` attribute wins over the store's.
    fn write_options<T: Entity>(&self) -> WriteOptions {
        WriteOptions { codec: T::CODEC.unwrap_or(self.options.write.codec), ..self.options.write }
    }

    /// Writes a new data file of `T` named after `kind` and `seq`; returns its
    /// manifest entry.
    fn write_file<T: Entity>(
        &self,
        paths: &EntityPaths,
        kind: FileKind,
        seq: u64,
        schemas: &Schemas<'_>,
        batches: impl Iterator<Item = Result<RecordBatch, Error>>,
    ) -> Result<FileEntry, Error> {
        let format = self.format_of::<T>()?;
        let name = layout::data_file_name(kind, seq, format);
        let (rows, bytes) =
            formats::write(format, &paths.dir.join(&name), schemas, &self.write_options::<T>(), batches)?;
        Ok(FileEntry { path: name, kind, seq, rows, bytes })
    }

    /// The committed snapshot of `T` (its manifest).
    pub fn snapshot<T: Entity>(&self) -> Result<Manifest, Error> {
        manifest::latest(&self.paths::<T>()?.manifests, T::ENTITY_NAME)
    }

    // ---- reads -------------------------------------------------------------

    /// Runs `read` on the newest snapshot; if a file vanished under it (a
    /// compaction finished meanwhile), once more on the then newest snapshot.
    pub(crate) fn with_snapshot<T: Entity, R>(
        &self,
        read: impl Fn(&EntityPaths, &Manifest) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.with_snapshot_at(T::STORAGE_PATH, T::ENTITY_NAME, read)
    }

    /// [`with_snapshot`](Self::with_snapshot) of the entity `name` at `storage_path`.
    pub(crate) fn with_snapshot_at<R>(
        &self,
        storage_path: &str,
        name: &'static str,
        read: impl Fn(&EntityPaths, &Manifest) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let paths = EntityPaths::new(&self.root, storage_path)?;
        let first = manifest::latest(&paths.manifests, name)?;
        match read(&paths, &first) {
            Err(e) if missing_path(&e).is_some() => {
                let second = manifest::latest(&paths.manifests, name)?;
                if second.version == first.version {
                    let path = missing_path(&e).unwrap_or_default();
                    return Err(
                        StorageError::MissingDataFile { entity: name, path, version: first.version }.into()
                    );
                }
                read(&paths, &second)
            }
            other => other,
        }
    }

    /// Every live row of `T`, in storage order. Files and row groups are read
    /// and converted in parallel.
    pub fn load_all<T: Entity>(&self) -> Result<Vec<T>, Error> {
        let op = Operation::start(info_span!(
            "load_all",
            entity = T::ENTITY_NAME,
            rows = Empty,
            files = Empty,
            bytes = Empty,
            threads = Empty,
            duration_ms = Empty
        ));
        let _entered = op.span().enter();
        let config = self.resolved()?;
        let monitor = crate::ux::memory::MemoryMonitor::from_config(&config.config.engine);
        crate::threads::run(config.config.performance.threads, op.span(), || {
            self.with_snapshot::<T, _>(|paths, m| {
                op.record("threads", rayon::current_num_threads());
                let opened = debug_span!("open").in_scope(|| scan::Opened::new::<T>(paths, m, false))?;
                let what = format!("load_all of `{}`", T::ENTITY_NAME);
                let estimated = opened.estimated_bytes(std::mem::size_of::<T>());
                op.record("files", opened.files.len());
                op.record("bytes", estimated);
                monitor.check(&what, estimated)?;
                let total: usize = opened.units.iter().map(|u| u.live).sum();
                let progress = Progress::new(&what, total as u64, config.config.ux.progress);
                let _read = debug_span!("read").entered();
                // The result is allocated once, at its exact size; row groups are read
                // in waves of one per thread and appended, so beside the result only a
                // few row groups are in memory at any time.
                let mut out = Vec::with_capacity(total);
                let wave = rayon::current_num_threads().max(1);
                for chunk in opened.units.chunks(wave) {
                    let parts: Vec<Vec<T>> =
                        chunk.par_iter().map(|u| read_unit::<T>(&opened, u)).collect::<Result<_, Error>>()?;
                    for part in parts {
                        progress.inc(
                            part.len() as u64,
                            estimated
                                .saturating_mul(part.len() as u64)
                                .checked_div(total as u64)
                                .unwrap_or(0),
                        );
                        out.extend(part);
                    }
                }
                op.record("rows", out.len());
                Ok(out)
            })
        })
    }

    /// The live row with primary key `key`, if any.
    pub fn find<T: Entity>(&self, key: &T::Key) -> Result<Option<T>, Error> {
        let op = Operation::start(info_span!("find", entity = T::ENTITY_NAME, duration_ms = Empty));
        let _entered = op.span().enter();
        self.with_snapshot::<T, _>(|paths, m| {
            let Some((file, data, rg, offset)) = locate::<T>(paths, m, key)? else { return Ok(None) };
            if file.kind == FileKind::Deletes {
                return Ok(None);
            }
            for batch in data.read_row(rg, offset)? {
                let mut rows = T::from_record_batch(&batch).map_err(|e| in_file(data.path(), e))?;
                if let Some(found) = rows.pop() {
                    return Ok(Some(found));
                }
            }
            Ok(None)
        })
    }

    /// The number of live rows of `T`.
    pub fn count<T: Entity>(&self) -> Result<usize, Error> {
        let op =
            Operation::start(info_span!("count", entity = T::ENTITY_NAME, rows = Empty, duration_ms = Empty));
        let _entered = op.span().enter();
        self.with_snapshot::<T, _>(|paths, m| {
            let masks = live_masks::<T>(paths, m)?;
            let live =
                m.files.iter().zip(&masks).filter(|(f, _)| f.kind == FileKind::Data).map(|(f, mask)| {
                    mask.as_ref().map_or(usize::try_from(f.rows).unwrap_or(usize::MAX), |m| {
                        m.iter().filter(|&&l| l).count()
                    })
                });
            let rows: usize = live.sum();
            op.record("rows", rows);
            Ok(rows)
        })
    }

    // ---- writes ------------------------------------------------------------

    /// Saves `rows`: an upsert by primary key (a row replaces the stored row
    /// with the same key; within `rows`, the last one with a key wins). One
    /// atomic commit; only the new rows are written.
    pub fn save_all<T: Entity>(&self, rows: &[T]) -> Result<(), Error> {
        if rows.is_empty() {
            return Ok(());
        }
        let op = Operation::start(info_span!(
            "save_all",
            entity = T::ENTITY_NAME,
            rows = rows.len(),
            files = Empty,
            bytes = Empty,
            duration_ms = Empty
        ));
        let _entered = op.span().enter();
        if self.options.fk_check == FkCheck::OnSave && !T::RELATIONS.is_empty() {
            debug_span!("fk_check").in_scope(|| crate::validate::check_parents(self, rows))?;
        }
        let what = format!("save_all of `{}`", T::ENTITY_NAME);
        let config = self.resolved()?;
        let progress = Progress::new(&what, rows.len() as u64, config.config.ux.progress);
        crate::threads::run(config.config.performance.threads, op.span(), || {
            self.transact::<T, _>(|paths, current| {
                let _write = debug_span!("write").entered();
                let seq = current.next_seq;
                let chunk = self.options.write.row_group_size.max(1);
                // Conversion runs on a second thread, a bounded channel ahead of the
                // encoder, while this thread finds duplicate keys and writes: memory
                // stays at a few row groups whatever the number of rows.
                let entry = std::thread::scope(|scope| {
                    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<RecordBatch, Error>>(2);
                    scope.spawn(move || {
                        for part in rows.chunks(chunk) {
                            if tx.send(T::to_record_batch(part)).is_err() {
                                break; // the writer stopped on an error
                            }
                        }
                    });
                    let last = last_occurrences::<T>(rows);
                    let batches = rx.into_iter().enumerate().map(|(i, batch)| {
                        let batch = batch?;
                        progress.inc(batch.num_rows() as u64, batch.get_array_memory_size() as u64);
                        match &last {
                            None => Ok(batch),
                            Some(flags) => {
                                let start = i * chunk;
                                filter(&batch, flags.get(start..start + batch.num_rows()).unwrap_or(&[]))
                            }
                        }
                    });
                    self.write_file::<T>(paths, FileKind::Data, seq, &entity_schemas::<T>(), batches)
                })?;
                op.record("files", 1);
                op.record("bytes", entry.bytes);
                let mut next = current.clone();
                next.files.push(entry);
                next.next_seq = seq + 1;
                Ok((Some(next), ()))
            })
        })
    }

    /// Rows of several entities to save together, parents before children
    /// (the entity graph's topological order): see [`SaveSet`].
    pub fn save_set(&self) -> SaveSet<'_> {
        SaveSet::new(self)
    }

    /// Saves one row (an upsert).
    pub fn save<T: Entity>(&self, row: &T) -> Result<(), Error> {
        self.save_all(std::slice::from_ref(row))
    }

    /// Deletes the row with primary key `key`. `Ok(false)` when there is none
    /// (nothing is written then). Relations referencing `T` are honoured
    /// (`on_delete`: restrict, cascade, set_null); see [`delete_all`](Self::delete_all).
    pub fn delete<T: Entity>(&self, key: &T::Key) -> Result<bool, Error> {
        Ok(self.delete_all::<T>(std::slice::from_ref(key))? > 0)
    }

    /// Deletes the rows with primary keys `keys`; returns how many were live.
    ///
    /// When entities linked into the program reference `T`, their `on_delete`
    /// policy applies first: `restrict` refuses the whole delete (nothing is
    /// written) while live rows reference the keys, `cascade` deletes the
    /// referencing rows (recursively), `set_null` clears their foreign key.
    /// Referencing rows are updated before the parents are deleted, so an
    /// interruption leaves no orphans behind (each entity commits on its own).
    pub fn delete_all<T: Entity>(&self, keys: &[T::Key]) -> Result<usize, Error> {
        if keys.is_empty() {
            return Ok(0);
        }
        let op = Operation::start(info_span!(
            "delete_all",
            entity = T::ENTITY_NAME,
            keys = keys.len(),
            rows = Empty,
            duration_ms = Empty
        ));
        let _entered = op.span().enter();
        let deleted = cascade::delete::<T>(self, keys)?;
        op.record("rows", deleted);
        Ok(deleted)
    }

    /// Deletes the live rows among `keys`, ignoring relations; returns how many there were.
    pub(crate) fn delete_keys<T: Entity>(&self, keys: &[&T::Key]) -> Result<usize, Error> {
        self.transact::<T, _>(|paths, current| {
            let mut live = Vec::with_capacity(keys.len());
            let mut seen = HashSet::with_capacity(keys.len());
            // A few keys: point lookups; many (a cascade): one pass over the key columns.
            let files = if keys.len() > 16 { all_keys::<T>(paths, current)? } else { Vec::new() };
            let live_set = (keys.len() > 16).then(|| merge::live_keys(&files, &merge::live_rows(&files)));
            for &key in keys {
                let is_live = match &live_set {
                    Some(set) => set.contains(key),
                    None => key_is_live::<T>(paths, current, key)?,
                };
                if seen.insert(key) && is_live {
                    live.push(key);
                }
            }
            if live.is_empty() {
                return Ok((None, 0));
            }
            let seq = current.next_seq;
            let entry = self.write_deletes::<T>(paths, seq, &live)?;
            let mut next = current.clone();
            next.files.push(entry);
            next.next_seq = seq + 1;
            Ok((Some(next), live.len()))
        })
    }

    /// Checks foreign-key integrity: for every relation of every entity linked
    /// into the program, the rows whose key names no live parent (orphans,
    /// with sample keys), null keys in required relations, and duplicate
    /// primary keys. Reads key columns only, in parallel; builds no structs.
    ///
    /// ```no_run
    /// # let store = parquetframe::Store::open("data")?;
    /// let report = store.validate()?;
    /// if !report.is_ok() {
    ///     eprintln!("{report}");
    /// }
    /// # Ok::<(), parquetframe::Error>(())
    /// ```
    ///
    /// With the feature `distributed` and a cluster configured
    /// (`engine.cluster`), key columns larger than
    /// `engine.distributed_threshold_mb` are checked on the cluster instead
    /// (a group-by per entity, an anti-join per relation); the report says
    /// where it ran ([`ValidationReport::ran_on`]).
    pub fn validate(&self) -> Result<ValidationReport, Error> {
        crate::validate::validate(self, crate::validate::Placement::Auto)
    }

    /// [`validate`](Self::validate) from the catalog alone: every relation
    /// the catalog records, without the Rust types being linked (what
    /// `pframe validate` runs). Entities that are in no catalog are unknown.
    pub fn validate_catalog(&self) -> Result<ValidationReport, Error> {
        crate::validate::validate_catalog(self, crate::validate::Placement::Auto)
    }

    /// [`validate`](Self::validate) on the cluster whatever the sizes: an
    /// error says why when no cluster is configured or answers (feature
    /// `distributed`).
    #[cfg(feature = "distributed")]
    pub fn validate_on_cluster(&self) -> Result<ValidationReport, Error> {
        crate::validate::validate(self, crate::validate::Placement::Cluster)
    }

    /// [`validate_catalog`](Self::validate_catalog) on the cluster (see
    /// [`validate_on_cluster`](Self::validate_on_cluster)).
    #[cfg(feature = "distributed")]
    pub fn validate_catalog_on_cluster(&self) -> Result<ValidationReport, Error> {
        crate::validate::validate_catalog(self, crate::validate::Placement::Cluster)
    }

    /// The live rows of `C` whose foreign key `column` equals `key`: what the
    /// generated inverse navigation (`user.orders_in(&store)`) calls.
    ///
    /// The first call builds an index of the column (one scan of the key
    /// column) kept for the process; later calls on the same snapshot look
    /// the key up and read only the row groups holding its rows.
    pub fn referencing<C: Entity, K: crate::types::Key>(
        &self,
        column: &'static str,
        key: &K,
    ) -> Result<Vec<C>, Error> {
        let op = Operation::start(info_span!(
            "referencing",
            entity = C::ENTITY_NAME,
            column,
            rows = Empty,
            duration_ms = Empty
        ));
        let _entered = op.span().enter();
        let rows = related::referencing::<C, K>(self, column, key)?;
        op.record("rows", rows.len());
        Ok(rows)
    }

    /// Rewrites every live row of `T` into one file, dropping replaced and
    /// deleted rows and delete files.
    pub fn compact<T: Entity>(&self) -> Result<Compaction, Error> {
        let op = Operation::start(info_span!(
            "compact",
            entity = T::ENTITY_NAME,
            files_before = Empty,
            files_after = Empty,
            rows = Empty,
            duration_ms = Empty
        ));
        let _entered = op.span().enter();
        let threads = self.resolved()?.config.performance.threads;
        let done = crate::threads::run(threads, op.span(), || self.compact_inner::<T>())?;
        op.record("files_before", done.files_before);
        op.record("files_after", done.files_after);
        op.record("rows", done.rows);
        Ok(done)
    }

    fn compact_inner<T: Entity>(&self) -> Result<Compaction, Error> {
        self.transact::<T, _>(|paths, current| {
            let before = current.files.len();
            if before <= 1 && !current.files.iter().any(|f| f.kind == FileKind::Deletes) {
                return Ok((
                    None,
                    Compaction { files_before: before, files_after: before, rows: current.stored_rows() },
                ));
            }
            let next = self.merge_files::<T>(paths, current, 0)?;
            let report =
                Compaction { files_before: before, files_after: next.files.len(), rows: next.stored_rows() };
            Ok((Some(next), report))
        })
    }

    /// Runs one write under the entity's lock: registers `T` in the catalog,
    /// cleans what interrupted commits left, applies `change` to the newest
    /// manifest, publishes the result, and compacts when there are too many files.
    fn transact<T: Entity, R>(
        &self,
        change: impl FnOnce(&EntityPaths, &Manifest) -> Result<(Option<Manifest>, R), Error>,
    ) -> Result<R, Error> {
        let paths = self.paths::<T>()?;
        io::create_dir_all(&paths.data)?;
        io::create_dir_all(&paths.manifests)?;
        catalog::register::<T>(&self.root, self.options.format)?;
        let merge = |paths: &EntityPaths, m: &Manifest, from: usize| self.merge_files::<T>(paths, m, from);
        self.transact_at(&paths, T::ENTITY_NAME, merge, change)
    }

    /// [`transact`](Self::transact) of the entity `name` at `paths`, already
    /// in the catalog; `merge` compacts files from a position on.
    pub(crate) fn transact_at<R>(
        &self,
        paths: &EntityPaths,
        name: &str,
        merge: impl Fn(&EntityPaths, &Manifest, usize) -> Result<Manifest, Error>,
        change: impl FnOnce(&EntityPaths, &Manifest) -> Result<(Option<Manifest>, R), Error>,
    ) -> Result<R, Error> {
        let _lock = WriterLock::acquire(&paths.lock)?;
        let current = manifest::latest(&paths.manifests, name)?;
        clean_orphans(paths)?;
        let (next, result) = change(paths, &current)?;
        let Some(mut next) = next else { return Ok(result) };
        next.version = current.version + 1;
        if next.files.len() > self.options.compact_max_files {
            let _compact = debug_span!("auto_compact", files = next.files.len()).entered();
            let from = small_suffix(&next);
            let mut merged = merge(paths, &next, from)?;
            if merged.files.len() > self.options.compact_max_files && from > 0 {
                // The small files did not shrink enough: merge everything.
                merged = merge(paths, &next, 0)?;
            }
            next = Manifest { version: next.version, ..merged };
        }
        let _commit = debug_span!("commit", version = next.version).entered();
        if !manifest::publish(&paths.manifests, &next)? {
            return Err(StorageError::Catalog(format!(
                "entity `{name}`: manifest version {} was committed by another writer that ignored the lock",
                next.version
            ))
            .into());
        }
        manifest::prune(&paths.manifests, self.options.keep_manifests)?;
        Ok(result)
    }

    /// Merges the files from position `from` on (all when 0) into one data file
    /// (plus, when older files remain, one delete file).
    fn merge_files<T: Entity>(
        &self,
        paths: &EntityPaths,
        current: &Manifest,
        from: usize,
    ) -> Result<Manifest, Error> {
        let (keep, merge) = current.files.split_at(from.min(current.files.len()));
        let tail = Manifest { files: merge.to_vec(), ..current.clone() };
        let keys = all_keys::<T>(paths, &tail)?;
        let masks = merge::live_rows(&keys);
        let seq = current.next_seq;
        let mut batches: Vec<(PathBuf, Option<Vec<bool>>)> = Vec::new();
        for (file, mask) in merge.iter().zip(masks.iter()) {
            if file.kind == FileKind::Data {
                batches.push((paths.dir.join(&file.path), mask.clone()));
            }
        }
        let what = format!("compaction of `{}`", T::ENTITY_NAME);
        let progress = Progress::new(&what, tail.stored_rows(), self.resolved()?.config.ux.progress);
        let chunks =
            batches.into_iter().flat_map(|(path, mask)| file_batches::<T>(path, mask)).inspect(|b| {
                if let Ok(b) = b {
                    progress.inc(b.num_rows() as u64, b.get_array_memory_size() as u64);
                }
            });
        let mut files = keep.to_vec();
        files.push(self.write_file::<T>(paths, FileKind::Data, seq, &entity_schemas::<T>(), chunks)?);
        let mut next_seq = seq + 1;
        if !keep.is_empty() {
            // Deletes in the merged files must still hide rows in the older files.
            let live = merge::live_keys(&keys, &masks);
            let deleted: Vec<&T::Key> = keys
                .iter()
                .filter(|f| f.kind == FileKind::Deletes)
                .flat_map(|f| f.keys.iter())
                .filter(|k| !live.contains(k))
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            if !deleted.is_empty() {
                files.push(self.write_deletes::<T>(paths, next_seq, &deleted)?);
                next_seq += 1;
            }
        }
        Ok(Manifest { files, next_seq, ..current.clone() })
    }
}

impl Store {
    /// Writes a delete file (the key column only) holding `keys`, with sequence `seq`.
    fn write_deletes<T: Entity>(
        &self,
        paths: &EntityPaths,
        seq: u64,
        keys: &[&T::Key],
    ) -> Result<FileEntry, Error> {
        let field = <T::Key as Column>::field(T::PRIMARY_KEY, &FieldOptions::DEFAULT);
        let schema = formats::parquet::key_schema(field);
        let (avro, avro_json) = key_avro_schema::<T>()?;
        let array = crate::convert::key_column::<T>(keys.iter().copied(), keys.len())?;
        let batch = RecordBatch::try_new(schema.clone(), vec![array])
            .map_err(|source| Error::Arrow { context: "building a delete file".into(), source })?;
        let schemas = Schemas { arrow: schema, avro: &avro, avro_json, key_column: Some(T::PRIMARY_KEY) };
        self.write_file::<T>(paths, FileKind::Deletes, seq, &schemas, std::iter::once(Ok(batch)))
    }
}

/// One row group of a data file, masked and converted.
fn read_unit<T: Entity>(opened: &scan::Opened, unit: &scan::Unit) -> Result<Vec<T>, Error> {
    let data = opened.data(unit)?;
    let mut rows = Vec::with_capacity(unit.live);
    for batch in data.read_row_group(unit.rg, opened.live(unit)?)? {
        rows.extend(T::from_record_batch(&batch).map_err(|e| in_file(data.path(), e))?);
    }
    Ok(rows)
}

/// The batches of one data file's live rows, converted through `T` so that
/// files written by older versions of the struct are brought up to date.
fn file_batches<T: Entity>(path: PathBuf, mask: Option<Vec<bool>>) -> Vec<Result<RecordBatch, Error>> {
    let data = match DataFile::open(&path, &Target::of::<T>()) {
        Ok(d) => d,
        Err(e) => return vec![Err(e)],
    };
    let mut out = Vec::new();
    let mut offset = 0;
    for (rg, rows) in data.row_group_rows().into_iter().enumerate() {
        let live = mask.as_ref().and_then(|m| m.get(offset..offset + rows));
        offset += rows;
        match data.read_row_group(rg, live) {
            Ok(batches) => {
                for batch in batches {
                    out.push(
                        T::from_record_batch(&batch)
                            .and_then(|rows| T::to_record_batch(&rows))
                            .map_err(|e| in_file(&path, e)),
                    );
                }
            }
            Err(e) => out.push(Err(e)),
        }
    }
    out
}

/// Where automatic compaction starts: the newest files whose rows together are
/// fewer than the file before them (size-tiered), at least two files.
fn small_suffix(m: &Manifest) -> usize {
    let n = m.files.len();
    let mut from = n.saturating_sub(1);
    let mut rows = m.files.last().map_or(0, |f| f.rows);
    while from > 0 {
        let prev = &m.files[from - 1];
        if prev.rows > rows && n - from >= 2 {
            break;
        }
        rows += prev.rows;
        from -= 1;
    }
    from
}

fn filter(batch: &RecordBatch, keep: &[bool]) -> Result<RecordBatch, Error> {
    filter_record_batch(batch, &BooleanArray::from(keep.to_vec()))
        .map_err(|source| Error::Arrow { context: "dropping duplicate keys".into(), source })
}

/// `None` when every key in `rows` is unique, else whether each row is the last
/// with its key (the one an upsert keeps).
fn last_occurrences<T: Entity>(rows: &[T]) -> Option<Vec<bool>> {
    // Strictly ascending keys (the usual bulk load) cannot repeat: no set needed,
    // so memory stays flat. Otherwise a set of references, about 16 bytes a row.
    if rows.len() < 2 || rows.windows(2).all(|w| w[0].key() < w[1].key()) {
        return None;
    }
    let mut seen: HashSet<&T::Key> = HashSet::with_capacity(rows.len());
    let mut flags = vec![true; rows.len()];
    let mut duplicates = false;
    for (i, row) in rows.iter().enumerate().rev() {
        if !seen.insert(row.key()) {
            flags[i] = false;
            duplicates = true;
        }
    }
    duplicates.then_some(flags)
}

fn needs_merge(m: &Manifest) -> bool {
    m.files.len() > 1 || m.files.iter().any(|f| f.kind == FileKind::Deletes)
}

fn live_masks<T: Entity>(paths: &EntityPaths, m: &Manifest) -> Result<Vec<Option<Vec<bool>>>, Error> {
    if !needs_merge(m) {
        return Ok(vec![None; m.files.len()]);
    }
    let keys = all_keys::<T>(paths, m)?;
    Ok(merge::live_rows(&keys))
}

fn all_keys<T: Entity>(paths: &EntityPaths, m: &Manifest) -> Result<Vec<FileKeys<T::Key>>, Error> {
    m.files.par_iter().map(|f| read_keys::<T>(&paths.dir.join(&f.path), f.kind, f.seq)).collect()
}

fn key_is_live<T: Entity>(paths: &EntityPaths, m: &Manifest, key: &T::Key) -> Result<bool, Error> {
    Ok(locate::<T>(paths, m, key)?.is_some_and(|(file, ..)| file.kind == FileKind::Data))
}

/// The newest file holding `key`, with the row group and the row within it.
/// Row groups whose key statistics exclude `key` are skipped without reading.
fn locate<'m, T: Entity>(
    paths: &EntityPaths,
    m: &'m Manifest,
    key: &T::Key,
) -> Result<Option<(&'m FileEntry, DataFile, usize, usize)>, Error> {
    let mut files: Vec<&FileEntry> = m.files.iter().collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.seq));
    for file in files {
        let path = paths.dir.join(&file.path);
        let data = DataFile::open_indexed(&path, &Target::of::<T>())?;
        let candidates = data.row_groups_may_contain(T::PRIMARY_KEY, key);
        // Newest row group first: within a file the last row with a key wins.
        for rg in (0..candidates.len()).rev().filter(|&rg| candidates[rg]) {
            let keys = decode_keys::<T>(&path, data.read_column(T::PRIMARY_KEY, Some(rg))?)?;
            if let Some(offset) = keys.iter().rposition(|k| k == key) {
                return Ok(Some((file, data, rg, offset)));
            }
        }
    }
    Ok(None)
}

/// The primary keys of one file (reads the key column only).
fn read_keys<T: Entity>(path: &Path, kind: FileKind, seq: u64) -> Result<FileKeys<T::Key>, Error> {
    let data = DataFile::open(path, &Target::of::<T>())?;
    let keys = decode_keys::<T>(path, data.read_column(T::PRIMARY_KEY, None)?)?;
    Ok(FileKeys { kind, seq, keys })
}

/// `T`'s primary keys out of key-column arrays read from `path`.
fn decode_keys<T: Entity>(path: &Path, arrays: Vec<arrow::array::ArrayRef>) -> Result<Vec<T::Key>, Error> {
    let column = format!(".{}", T::PRIMARY_KEY);
    let mut keys = Vec::with_capacity(arrays.iter().map(|a| a.len()).sum());
    for array in arrays {
        let reader = <T::Key as Column>::reader(&array, &FieldOptions::DEFAULT)
            .map_err(|e| in_file(path, crate::convert::bind_error(T::ENTITY_NAME, e.within(&column))))?;
        for i in 0..array.len() {
            let key = reader.read(i).map_err(|e| {
                in_file(path, crate::convert::read_error(T::ENTITY_NAME, keys.len(), e.within(&column)))
            })?;
            keys.push(key);
        }
    }
    Ok(keys)
}

/// Removes what interrupted commits left: data files no retained manifest
/// lists. Runs under the writer lock, so no commit is in progress.
fn clean_orphans(paths: &EntityPaths) -> Result<(), Error> {
    let mut referenced: HashSet<String> = HashSet::new();
    for v in manifest::versions(&paths.manifests)? {
        match manifest::read(&paths.manifests, v) {
            Ok(m) => referenced.extend(m.files.into_iter().map(|f| f.path)),
            // A manifest we cannot read protects nothing, and deletes nothing either.
            Err(_) => return Ok(()),
        }
    }
    for name in io::list(&paths.data)? {
        let ours = (name.starts_with("part-") || name.starts_with("del-"))
            && (name.ends_with(".parquet") || name.ends_with(".avro"));
        if ours && !referenced.contains(&format!("{}/{name}", layout::DATA_DIR)) {
            io::remove_file(&paths.data.join(&name))?;
        }
    }
    Ok(())
}

/// `e` with the file it came from, unless it already names one.
pub(crate) fn in_file(path: &Path, e: Error) -> Error {
    match e {
        Error::Storage(_) | Error::InFile { .. } | Error::Resolution { .. } => e,
        other => Error::InFile { path: path.to_path_buf(), source: Box::new(other) },
    }
}

/// The path of a file that was not found, if that is what `e` is.
fn missing_path(e: &Error) -> Option<PathBuf> {
    match e {
        Error::Storage(StorageError::Io { path, source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            Some(path.clone())
        }
        _ => None,
    }
}

/// The schemas `T`'s data files are written with.
fn entity_schemas<T: Entity>() -> Schemas<'static> {
    Schemas { key_column: Some(T::PRIMARY_KEY), ..Schemas::of::<T>() }
}

/// The Avro schema of `T`'s delete files: `T`'s record with only the key field.
fn key_avro_schema<T: Entity>() -> Result<(apache_avro::Schema, String), Error> {
    let mut json: serde_json::Value = serde_json::from_value(T::avro_schema_json())
        .map_err(|e| StorageError::Catalog(format!("entity `{}`: Avro schema: {e}", T::ENTITY_NAME)))?;
    if let Some(fields) = json.get_mut("fields").and_then(|f| f.as_array_mut()) {
        fields.retain(|f| f.get("name").and_then(|n| n.as_str()) == Some(T::PRIMARY_KEY));
    }
    let text = json.to_string();
    let schema = apache_avro::Schema::parse_str(&text)
        .map_err(|e| StorageError::Catalog(format!("entity `{}`: key schema: {e}", T::ENTITY_NAME)))?;
    Ok((schema, text))
}
