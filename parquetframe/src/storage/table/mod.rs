//! An entity's storage as a Delta Lake table, through deltalake-core: the
//! log (`_delta_log/`), snapshots, commits with put-if-absent, checkpoints.
//!
//! One concept per file: deletion vectors (`dv.rs`), the Delta schema
//! (`schema.rs`), a snapshot and its files (`snapshot.rs`), the commit
//! history (`history.rs`), vacuum (`vacuum.rs`) and the durable local object
//! store (`local_fs.rs`). A table lives in a local directory or under a
//! prefix of a bucket ([`Location`]); deltalake-core's futures run on the
//! runtime of [`crate::io`].

pub(crate) mod dv;
pub mod history;
mod local_fs;
pub(crate) mod schema;
pub mod snapshot;
mod vacuum;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::io::Location;
use crate::io::runtime;

use deltalake_core::DeltaTableBuilder;
use deltalake_core::kernel::Action;
use deltalake_core::kernel::transaction::{CommitBuilder, CommitData, TransactionError};
use deltalake_core::logstore::{CommitOrBytes, LogStoreRef};
use deltalake_core::protocol::{DeltaOperation, SaveMode};
use deltalake_core::table::state::DeltaTableState;
use snapshot::{FileEntry, Snapshot};

use crate::error::{Error, StorageError};

/// The log directory of a Delta table.
pub const LOG_DIR: &str = "_delta_log";

/// The newest log state read of each table, by directory.
static STATES: std::sync::LazyLock<std::sync::Mutex<HashMap<PathBuf, DeltaTableState>>> =
    std::sync::LazyLock::new(Default::default);

/// The tables opened, by directory: a log store is made once.
static TABLES: std::sync::LazyLock<std::sync::Mutex<HashMap<PathBuf, Table>>> =
    std::sync::LazyLock::new(Default::default);

/// Tables whose state is kept; past that the map starts over.
const STATES_KEPT: usize = 64;

/// A Delta table in a local directory or under a prefix of a bucket.
#[derive(Clone)]
pub(crate) struct Table {
    /// Where the table is.
    location: Location,
    /// The location's key in this process's caches (an absolute path or a URL).
    dir: PathBuf,
    log_store: LogStoreRef,
}

/// Snapshots this process committed or read last, by directory: valid while
/// the log has no newer commit (one file lookup), so a writer's next
/// operation needs no log replay.
static SNAPSHOTS: std::sync::LazyLock<std::sync::Mutex<HashMap<PathBuf, Snapshot>>> =
    std::sync::LazyLock::new(Default::default);

/// Tables whose checkpoint is being written by a background thread.
static CHECKPOINTING: std::sync::LazyLock<std::sync::Mutex<std::collections::HashSet<PathBuf>>> =
    std::sync::LazyLock::new(Default::default);

/// Waits until no checkpoint of this process is being written (at most `limit`).
#[doc(hidden)]
pub fn wait_for_checkpoints(limit: std::time::Duration) -> bool {
    let start = std::time::Instant::now();
    while CHECKPOINTING.lock().is_ok_and(|running| !running.is_empty()) {
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    true
}

/// A checkpoint every this many versions (Delta's `delta.checkpointInterval`):
/// delta-rs's default. A checkpoint costs tens of milliseconds of CPU
/// (deltalake-core replays the log and writes the Parquet file); every 10
/// versions, as Spark does, that is most of the CPU of a stream of one-row
/// saves. Readers replay at most this many small JSON commits; this
/// process's own writers replay none (they keep the snapshot they commit).
const CHECKPOINT_INTERVAL: u64 = 100;

/// Writer features this crate implements (tables needing others are read, never written).
const WRITER_FEATURES: [&str; 4] = ["deletionVectors", "timestampNtz", "appendOnly", "invariants"];

/// Table properties this crate sets (beside the entity's own, see `create`).
const PROPERTIES: [(&str, &str); 2] = [
    ("delta.enableDeletionVectors", "true"),
    // Other writers honour it too (see CHECKPOINT_INTERVAL).
    ("delta.checkpointInterval", "100"),
];

/// An error of deltalake-core on the table in `dir` (a path, or a bucket's
/// URL: there a failure is most often a request's, not a corrupt log).
fn delta_error(dir: &Path, op: &'static str, e: impl std::fmt::Display) -> Error {
    let dir = dir.display().to_string();
    if crate::io::is_url(&dir) {
        return StorageError::Object { op, url: format!("{dir}/{LOG_DIR}"), message: e.to_string() }.into();
    }
    StorageError::Corrupt { path: Path::new(&dir).join(LOG_DIR), message: format!("{op}: {e}") }.into()
}

impl Table {
    /// The table at `location` (which need not exist yet). Log stores are
    /// made once per table and process.
    pub(crate) fn at(location: &Location) -> Result<Self, Error> {
        let key = location.cache_key();
        if let Some(table) = TABLES.lock().ok().and_then(|t| t.get(&key).cloned()) {
            return Ok(table);
        }
        let table = match location {
            Location::Local(_) => Self::open(key)?,
            Location::Object(object) => {
                let url = object.directory_url()?;
                let root = object.store();
                let prefixed: deltalake_core::logstore::ObjectStoreRef =
                    std::sync::Arc::new(object_store::prefix::PrefixStore::new(root.clone(), object.path()));
                let options = deltalake_core::logstore::StorageConfig::default();
                let log_store = deltalake_core::logstore::default_logstore(prefixed, root, &url, &options);
                Self { location: location.clone(), dir: key, log_store }
            }
        };
        if let Ok(mut tables) = TABLES.lock() {
            if tables.len() >= STATES_KEPT {
                tables.clear();
            }
            tables.insert(table.dir.clone(), table.clone());
        }
        Ok(table)
    }

    fn open(absolute: PathBuf) -> Result<Self, Error> {
        let dir = absolute.as_path();
        let url = url::Url::from_directory_path(&absolute).map_err(|()| {
            StorageError::Catalog(format!("`{}` cannot be a table location", absolute.display()))
        })?;
        let store = local_fs::SyncedLocalFs::new(Path::new("/"))?;
        let log_store = DeltaTableBuilder::from_url(url.clone())
            .and_then(|b| b.with_storage_backend(store, url).build_storage())
            .map_err(|e| delta_error(dir, "opening the table", e))?;
        Ok(Self { location: Location::Local(absolute.clone()), dir: absolute, log_store })
    }

    /// The log entry of `version`.
    fn log_entry(&self, version: u64) -> Location {
        self.location.join(&format!("{LOG_DIR}/{version:020}.json"))
    }

    /// Whether a version has been committed.
    pub(crate) fn exists(&self) -> Result<bool, Error> {
        // A table in a bucket this process has read or written exists (tables
        // are never removed): no request on the hot path of a warm process.
        // Local lookups are cheap, and tests remove tables by hand.
        if self.location.object().is_some() && SNAPSHOTS.lock().is_ok_and(|s| s.contains_key(&self.dir)) {
            return Ok(true);
        }
        let log = self.location.join(LOG_DIR);
        // Two lookups on the hot path; a listing only for logs whose first
        // commit was cleaned up by another writer.
        Ok(self.log_entry(0).exists()?
            || log.join("_last_checkpoint").exists()?
            || log.list()?.iter().any(|n| n.ends_with(".json") || n.ends_with(".parquet")))
    }

    /// The snapshot at `version` (the newest when `None`) of the entity `entity`.
    pub(crate) fn snapshot(&self, entity: &str, version: Option<u64>) -> Result<Snapshot, Error> {
        if !self.exists()? {
            return match version {
                None | Some(0) => Ok(Snapshot::empty(entity)),
                Some(v) => Err(StorageError::Catalog(format!(
                    "entity `{entity}` has no version {v}: its table `{}` does not exist yet",
                    self.location
                ))
                .into()),
            };
        }
        if version.is_none()
            && let Some(mut cached) = SNAPSHOTS.lock().ok().and_then(|s| s.get(&self.dir).cloned())
            && !self.log_entry(cached.version + 1).exists()?
        {
            cached.entity = entity.to_owned();
            return Ok(cached);
        }
        let log_store = self.log_store.clone();
        // The newest state is kept per table and brought up to date
        // incrementally (a listing of the log when nothing changed); a
        // pinned version is read as it is.
        let cached = match version {
            None => STATES.lock().ok().and_then(|states| states.get(&self.dir).cloned()),
            Some(_) => None,
        };
        let state = runtime::block_on(async move {
            match cached {
                Some(mut state) => state.update(log_store.as_ref(), None).await.map(|()| state),
                None => DeltaTableState::try_new(log_store.as_ref(), version).await,
            }
        })
        .map_err(|e| delta_error(&self.location.name(), "reading the log", e))?
        .map_err(|e| delta_error(&self.location.name(), "reading the log", e))?;
        if version.is_none()
            && let Ok(mut states) = STATES.lock()
        {
            if states.len() >= STATES_KEPT && !states.contains_key(&self.dir) {
                states.clear();
            }
            states.insert(self.dir.clone(), state.clone());
        }
        let snapshot = self.snapshot_of(entity, state)?;
        if version.is_none() {
            remember(&self.dir, &snapshot);
        }
        Ok(snapshot)
    }

    fn snapshot_of(&self, entity: &str, state: DeltaTableState) -> Result<Snapshot, Error> {
        let mut files: Vec<FileEntry> = state
            .log_data()
            .iter()
            .map(|f| {
                let dv = f.deletion_vector_descriptor();
                let rows = match f.num_records() {
                    Some(n) => n as u64,
                    None => self.count_rows(&f.path())?,
                };
                Ok(FileEntry {
                    path: f.path().into_owned(),
                    rows,
                    deleted: dv.as_ref().map_or(0, |d| u64::try_from(d.cardinality).unwrap_or(0)),
                    bytes: u64::try_from(f.size()).unwrap_or(0),
                    modification_time: f.modification_time(),
                    dv,
                    stats: f.stats(),
                })
            })
            .collect::<Result<_, Error>>()?;
        files.sort_by(|a, b| a.modification_time.cmp(&b.modification_time).then_with(|| a.path.cmp(&b.path)));
        let protocol = state.protocol();
        let missing: Vec<String> = match protocol.writer_features() {
            Some(features) => features
                .iter()
                .map(|f| f.to_string())
                .filter(|f| !WRITER_FEATURES.contains(&f.as_str()))
                .collect(),
            None if protocol.min_writer_version() > 2 => {
                vec![format!("writer version {}", protocol.min_writer_version())]
            }
            None => Vec::new(),
        };
        let unwritable = (!missing.is_empty()).then(|| {
            format!(
                "the Delta table `{}` needs writer features this crate does not implement: {}; it can be read, not written",
                self.location,
                missing.join(", ")
            )
        });
        let table = snapshot::TableMeta {
            metadata: state.metadata().clone(),
            schema: state.schema().as_ref().clone(),
        };
        Ok(Snapshot {
            entity: entity.to_owned(),
            version: state.version(),
            files,
            exists: true,
            unwritable,
            table: Some(std::sync::Arc::new(table)),
        })
    }

    /// Rows of a file added without statistics (by another writer).
    fn count_rows(&self, path: &str) -> Result<u64, Error> {
        let file = crate::formats::parquet::DataFile::open_table_file(self.location.join(path), false)?;
        Ok(file.row_group_rows().iter().map(|&n| n as u64).sum())
    }

    /// Creates the table (version 0) with `columns` and `properties`, unless
    /// another writer created it first.
    pub(crate) fn create(
        &self,
        entity: &str,
        columns: Vec<deltalake_core::kernel::StructField>,
        properties: HashMap<String, String>,
    ) -> Result<(), Error> {
        let mut configuration: HashMap<String, Option<String>> =
            PROPERTIES.iter().map(|(k, v)| ((*k).to_owned(), Some((*v).to_owned()))).collect();
        configuration.extend(properties.into_iter().map(|(k, v)| (k, Some(v))));
        // Reader 3 / writer 7 with exactly the features these tables use (the
        // default protocol would drag in the legacy writer features).
        let protocol: deltalake_core::kernel::Protocol = serde_json::from_value(serde_json::json!({
            "minReaderVersion": 3,
            "minWriterVersion": 7,
            "readerFeatures": ["deletionVectors", "timestampNtz"],
            "writerFeatures": ["deletionVectors", "timestampNtz"],
        }))
        .map_err(|e| delta_error(&self.location.name(), "creating the table's protocol", e))?;
        let configuration: HashMap<String, String> =
            configuration.into_iter().filter_map(|(k, v)| Some((k, v?))).collect();
        let schema = deltalake_core::kernel::StructType::try_new(columns)
            .map_err(|e| delta_error(&self.location.name(), "building the table schema", e))?;
        let metadata = deltalake_core::kernel::new_metadata(&schema, Vec::<String>::new(), configuration)
            .map_err(|e| delta_error(&self.location.name(), "building the table metadata", e))?;
        let metadata = serde_json::to_value(&metadata)
            .ok()
            .and_then(|mut m| {
                m["name"] = serde_json::Value::String(entity.to_owned());
                serde_json::from_value::<deltalake_core::kernel::Metadata>(m).ok()
            })
            .unwrap_or(metadata);
        let location = match &self.location {
            Location::Local(_) => url::Url::from_directory_path(&self.dir)
                .map_err(|()| delta_error(&self.location.name(), "creating", "not an absolute path"))?,
            Location::Object(object) => object.directory_url()?,
        };
        let operation = DeltaOperation::Create {
            mode: SaveMode::ErrorIfExists,
            location,
            protocol: protocol.clone(),
            metadata: metadata.clone(),
        };
        let actions = vec![Action::Protocol(protocol), Action::Metadata(metadata)];
        let log_store = self.log_store.clone();
        // Version 0 is published with put-if-absent like every commit: of two
        // writers creating the table, one wins and the other finds it made.
        let created = runtime::block_on(async move {
            CommitBuilder::default().with_actions(actions).build(None, log_store, operation).await.map(|_| ())
        })
        .map_err(|e| delta_error(&self.location.name(), "creating", e))?;
        match created {
            Ok(()) => Ok(()),
            Err(_) if self.exists()? => Ok(()),
            Err(e) => Err(delta_error(&self.location.name(), "creating the table", e)),
        }
    }

    /// Removes the files no version within `retention_hours` needs (see
    /// `vacuum.rs`); returns their paths relative to the table directory.
    pub(crate) fn vacuum(&self, entity: &str, retention_hours: u64) -> Result<Vec<String>, Error> {
        if !self.exists()? {
            return Ok(Vec::new());
        }
        let newest = self.snapshot(entity, None)?;
        vacuum::sweep(&self.location, &newest, retention_hours)
    }

    /// Commits `actions` as the version after `base`, whose files become
    /// `next_files`; with `evolved`, the table's metadata (a wider schema)
    /// changes in the same version. `Ok(None)` when another writer committed that version
    /// first: nothing was changed, and the caller re-plans from the newer
    /// snapshot.
    ///
    /// The entry is written directly with put-if-absent rather than through
    /// deltalake-core's transaction (which lists the log, checks conflicts and
    /// rebuilds the state after each commit): a commit here is valid only on
    /// the exact version it was planned on, so there is nothing to resolve,
    /// and the snapshot after it is known.
    pub(crate) fn commit(
        &self,
        base: &Snapshot,
        evolved: Option<std::sync::Arc<snapshot::TableMeta>>,
        actions: Vec<Action>,
        operation: DeltaOperation,
        metrics: HashMap<String, serde_json::Value>,
        next_files: &[FileEntry],
    ) -> Result<Option<u64>, Error> {
        if !base.exists {
            return Err(StorageError::Catalog(format!(
                "entity `{}`: committing before the table exists",
                base.entity
            ))
            .into());
        }
        if let Some(reason) = &base.unwritable {
            return Err(StorageError::Catalog(format!("entity `{}`: {reason}", base.entity)).into());
        }
        let version = base.version + 1;
        // A commit that changes the schema carries the new metadata action.
        let mut actions = actions;
        let table = match evolved {
            Some(meta) => {
                actions.insert(0, Action::Metadata(meta.metadata.clone()));
                Some(meta)
            }
            None => base.table.clone(),
        };
        let bytes = CommitData::new(actions, operation, metrics, Vec::new())
            .get_bytes()
            .map_err(|e| delta_error(&self.location.name(), "serializing a commit", e))?;
        let log_store = self.log_store.clone();
        let entry = bytes.clone();
        let written = runtime::block_on(async move {
            log_store.write_commit_entry(version, CommitOrBytes::LogBytes(entry), Default::default()).await
        })
        .map_err(|e| delta_error(&self.location.name(), "committing", e))?;
        match written {
            Ok(()) => {}
            // An object store retries a put that timed out or failed with a
            // 5xx; when the first attempt landed, the retry finds the entry
            // there. Whose it is, the bytes tell (each commit's `commitInfo`
            // carries its own timestamp and metrics).
            Err(TransactionError::VersionAlreadyExists(_))
                if self.location.object().is_some() && self.log_entry(version).holds(&bytes)? =>
            {
                tracing::debug!(table = %self.location, version, "a retried commit found its own entry");
            }
            Err(TransactionError::VersionAlreadyExists(_)) => return Ok(None),
            // A put whose answer was lost may have landed: the entry says.
            Err(e) => match self.location.object() {
                Some(_) if self.log_entry(version).holds(&bytes).unwrap_or(false) => {
                    tracing::debug!(table = %self.location, version, "a failed commit request had landed");
                }
                _ => return Err(delta_error(&self.location.name(), "committing", e)),
            },
        }
        let after = Snapshot {
            entity: base.entity.clone(),
            version,
            files: next_files.to_vec(),
            exists: true,
            unwritable: None,
            table,
        };
        remember(&self.dir, &after);
        if version.is_multiple_of(CHECKPOINT_INTERVAL) {
            // Processes too short-lived for a background checkpoint to finish
            // (one commit per CLI run) would otherwise never leave one: once
            // the newest is two intervals behind, this commit waits for it.
            let behind = version.saturating_sub(self.last_checkpoint().unwrap_or(0));
            let running = CHECKPOINTING.lock().is_ok_and(|r| r.contains(&self.dir));
            if behind >= 2 * CHECKPOINT_INTERVAL && !running {
                if let Err(e) = self.checkpoint(version) {
                    tracing::warn!(table = %self.location, version, error = %e, "committed; writing its checkpoint failed");
                }
            } else {
                self.checkpoint_in_background(version);
            }
        }
        Ok(Some(version))
    }

    /// The version of the newest checkpoint `_last_checkpoint` names, if any.
    fn last_checkpoint(&self) -> Option<u64> {
        let text = self.location.join(LOG_DIR).join("_last_checkpoint").read_if_exists().ok()??;
        serde_json::from_slice::<serde_json::Value>(&text).ok()?.get("version")?.as_u64()
    }

    /// Writes the checkpoint of `version` on a thread of its own: the commit
    /// stands without it (readers replay the JSON since the previous one),
    /// so the writer does not wait for it (tens of milliseconds). One
    /// checkpoint per table at a time; a process that exits first leaves
    /// it to the next one due. The checkpoint and `_last_checkpoint`
    /// are each written whole (temporary file, rename), so an interrupted
    /// one is absent, never torn.
    fn checkpoint_in_background(&self, version: u64) {
        if !CHECKPOINTING.lock().is_ok_and(|mut running| running.insert(self.dir.clone())) {
            return;
        }
        let table = self.clone();
        let spawned = std::thread::Builder::new().name("parquetframe-checkpoint".into()).spawn(move || {
            if let Err(e) = table.checkpoint(version) {
                tracing::warn!(table = %table.location, version, error = %e, "committed; writing its checkpoint failed");
            }
            if let Ok(mut running) = CHECKPOINTING.lock() {
                running.remove(&table.dir);
            }
        });
        if spawned.is_err()
            && let Ok(mut running) = CHECKPOINTING.lock()
        {
            running.remove(&self.dir);
        }
    }

    /// Writes the checkpoint of `version`.
    pub(crate) fn checkpoint(&self, version: u64) -> Result<(), Error> {
        let _span = tracing::debug_span!("checkpoint", version).entered();
        let log_store = self.log_store.clone();
        runtime::block_on(async move {
            let mut table = deltalake_core::DeltaTable::new(log_store);
            table.load_version(version).await?;
            deltalake_core::checkpoints::create_checkpoint(&table, None).await
        })
        .map_err(|e| delta_error(&self.location.name(), "checkpoint", e))?
        .map_err(|e| delta_error(&self.location.name(), "checkpoint", e))
    }
}

/// Keeps `snapshot` as the newest known of the table in `dir`.
fn remember(dir: &Path, snapshot: &Snapshot) {
    if let Ok(mut snapshots) = SNAPSHOTS.lock() {
        if snapshots.len() >= STATES_KEPT && !snapshots.contains_key(dir) {
            snapshots.clear();
        }
        if snapshots.get(dir).is_none_or(|s| s.version <= snapshot.version) {
            snapshots.insert(dir.to_path_buf(), snapshot.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_then_commit_a_file_with_a_deletion_vector() {
        let dir = tempfile::tempdir().unwrap();
        let table = Table::at(&Location::Local(dir.path().join("t"))).unwrap();
        let schema = arrow::datatypes::Schema::new(vec![
            arrow::datatypes::Field::new("id", arrow::datatypes::DataType::Int64, false),
            arrow::datatypes::Field::new("n", arrow::datatypes::DataType::UInt32, true),
        ]);
        table.create("T", schema::delta_columns(&schema, "T").unwrap(), HashMap::new()).unwrap();
        let log = std::fs::read_to_string(dir.path().join("t/_delta_log/00000000000000000000.json")).unwrap();
        assert!(!log.contains("invariants"), "{log}");
        let empty = table.snapshot("T", None).unwrap();
        assert!(empty.exists() && empty.files.is_empty());
        let file = FileEntry::new("data/a.parquet".into(), 10, 100);
        let dv: roaring::RoaringTreemap = [1u64, 3].into_iter().collect();
        let with_dv = file.with_dv(dv::inline(&dv).unwrap(), 2);
        let v = table.commit(
            &empty,
            None,
            vec![Action::Add(with_dv.add())],
            DeltaOperation::Delete { predicate: None },
            HashMap::new(),
            std::slice::from_ref(&with_dv),
        );
        assert_eq!(v.unwrap(), Some(1));
        let now = table.snapshot("T", None).unwrap();
        // What the log says (read by the kernel) is what the commit remembered.
        let read = table.snapshot("T", Some(1)).unwrap();
        assert_eq!((read.version, &read.files), (now.version, &now.files));
        assert_eq!(now.files.len(), 1);
        assert_eq!((now.files[0].rows, now.files[0].deleted), (10, 2));
        assert_eq!(now.files[0].deleted_rows(&Location::Local(dir.path().join("t"))).unwrap(), dv);
        // A commit planned on the old snapshot loses to the one above.
        let lost = table.commit(
            &empty,
            None,
            vec![Action::Add(file.add())],
            DeltaOperation::Delete { predicate: None },
            HashMap::new(),
            std::slice::from_ref(&file),
        );
        assert_eq!(lost.unwrap(), None);
    }
}
