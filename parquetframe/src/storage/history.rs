//! History and time travel: the versions of an entity's table, and a
//! read-only view of the store as of a time.

use chrono::{DateTime, Utc};

use super::Store;
use super::table::history::{self, Commit};
use super::table::snapshot::Snapshot;
use crate::entity::Entity;
use crate::error::{Error, StorageError};

impl Store {
    /// The commits of `T`'s table, oldest first: version, time, operation,
    /// rows added and removed.
    pub fn history<T: Entity>(&self) -> Result<Vec<Commit>, Error> {
        self.history_at(T::STORAGE_PATH)
    }

    /// [`history`](Self::history) of the entity at `storage_path`.
    pub fn history_at(&self, storage_path: &str) -> Result<Vec<Commit>, Error> {
        let paths = super::layout::EntityPaths::new(&self.location, storage_path)?;
        paths.refuse_old_layout()?;
        history::versions(&paths.dir)?.into_iter().map(|v| history::read(&paths.dir, v)).collect()
    }

    /// The newest version of `T`'s table (`None` before its first write).
    pub fn version<T: Entity>(&self) -> Result<Option<u64>, Error> {
        let snapshot = self.read_snapshot(T::STORAGE_PATH, T::ENTITY_NAME)?;
        Ok(snapshot.exists().then_some(snapshot.version))
    }

    /// `T`'s table at `version`.
    pub fn snapshot_version<T: Entity>(&self, version: u64) -> Result<Snapshot, Error> {
        self.snapshot_at(T::STORAGE_PATH, T::ENTITY_NAME, Some(version))
    }

    /// The live rows of `T` at table version `version`.
    pub fn load_version<T: Entity>(&self, version: u64) -> Result<Vec<T>, Error> {
        let snapshot = self.snapshot_version::<T>(version)?;
        self.load_snapshot::<T>(&snapshot)
    }

    /// A read-only view of this store as of `at`: its `load_all`, `find`,
    /// `count`, queries and validation read each entity at its newest
    /// version committed at or before `at` (no rows when its table is
    /// younger). Writes through it are an error.
    pub fn as_of(&self, at: DateTime<Utc>) -> Store {
        Store { as_of: Some(at), ..self.clone() }
    }

    /// The time this view reads as of, if it is one (see [`as_of`](Self::as_of)).
    pub fn as_of_time(&self) -> Option<DateTime<Utc>> {
        self.as_of
    }

    /// Writes a checkpoint of the newest version of `T`'s table now (one is
    /// also written, in the background, after every 100th commit): readers
    /// then start from it instead of replaying the JSON commits since the
    /// previous one. Returns the version checkpointed (`None`: no table yet).
    pub fn checkpoint<T: Entity>(&self) -> Result<Option<u64>, Error> {
        self.writable(T::ENTITY_NAME)?;
        let paths = super::layout::EntityPaths::new(&self.location, T::STORAGE_PATH)?;
        paths.refuse_old_layout()?;
        let table = super::table::Table::at(&paths.dir)?;
        let newest = table.snapshot(T::ENTITY_NAME, None)?;
        if !newest.exists() {
            return Ok(None);
        }
        table.checkpoint(newest.version)?;
        Ok(Some(newest.version))
    }

    /// Removes the files of `T`'s table that no version within the
    /// retention (`store.retention_hours`, default 7 days) lists: replaced
    /// data files, stale deletion-vector files, files of writes that never
    /// committed. A reader holding a version younger than the retention
    /// never finds its files gone.
    pub fn vacuum<T: Entity>(&self) -> Result<super::Vacuum, Error> {
        self.vacuum_at(T::STORAGE_PATH, T::ENTITY_NAME, self.options.retention_hours)
    }

    /// [`vacuum`](Self::vacuum) of the entity `name` at `storage_path` with
    /// a retention of `retention_hours`.
    pub fn vacuum_at(
        &self,
        storage_path: &str,
        name: &str,
        retention_hours: u64,
    ) -> Result<super::Vacuum, Error> {
        self.writable(name)?;
        let paths = super::layout::EntityPaths::new(&self.location, storage_path)?;
        paths.refuse_old_layout()?;
        let op = crate::ux::trace::Operation::start(tracing::info_span!(
            "vacuum",
            entity = name,
            files = tracing::field::Empty,
            duration_ms = tracing::field::Empty
        ));
        let _entered = op.span().enter();
        // The lock is not needed for safety (files a writer has not committed
        // yet are younger than the orphan grace); it keeps local writers and
        // vacuums from interleaving when it is on.
        let _lock = match &paths.lock {
            Some(lock) if self.options.writer_lock => Some(super::lock::WriterLock::acquire(lock)?),
            _ => None,
        };
        let files_removed = super::table::Table::at(&paths.dir)?.vacuum(name, retention_hours)?;
        op.record("files", files_removed.len());
        Ok(super::Vacuum { files_removed, retention_hours })
    }

    /// An error when this store is a view [`as_of`](Self::as_of) a time.
    pub(crate) fn writable(&self, entity: &str) -> Result<(), Error> {
        match self.as_of {
            None => Ok(()),
            Some(at) => Err(StorageError::Catalog(format!(
                "entity `{entity}`: this store is a read-only view as of {at}; write through the store it came from"
            ))
            .into()),
        }
    }
}
