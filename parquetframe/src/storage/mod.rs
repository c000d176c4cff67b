//! The store: each entity a Delta Lake table under a root directory, with
//! atomic commits, upserts by primary key and deletes as deletion vectors,
//! history, time travel and compaction.
//!
//! One concept per file: opening a store and its options here and in
//! `options.rs`; the Delta table layer (`table/`); reads (`read.rs`) and
//! which rows are live (`live.rs`); writes (`write.rs`) and the commit
//! protocol (`commit.rs`); compaction (`compact.rs`); history and time
//! travel (`history.rs`); the catalog, relations (`related.rs`,
//! `cascade.rs`, `fk_check.rs`) and the type-erased operations validation
//! uses (`erased.rs`). See `docs/storage.md` for the layout and the commit
//! protocol.

mod builder;
pub(crate) mod cascade;
pub mod catalog;
mod commit;
mod compact;
pub mod erased;
mod fk_check;
mod history;
pub(crate) mod keys;
pub mod layout;
mod live;
pub mod lock;
mod options;
mod read;
mod referencing;
pub(crate) mod related;
mod save_set;
pub(crate) mod scan;
mod stored;
pub mod table;
mod write;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use builder::StoreBuilder;
use layout::EntityPaths;
pub use options::{Compaction, StoreOptions, Vacuum};
pub use save_set::SaveSet;
pub use stored::StoredEntity;
pub use table::history::Commit;
pub use table::snapshot::{FileEntry, Snapshot};

use crate::config::{Config, Overrides, Setting};
use crate::entity::Entity;
use crate::error::{Error, StorageError};
/// Data files (now [`crate::formats`]; kept at this path).
pub use crate::formats;
pub use crate::formats::WriteOptions;
/// File-system helpers (now [`crate::io`]; kept at this path).
pub use crate::io;
use crate::io::Location;

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
    /// Where the store is: a local directory or a prefix in a bucket.
    location: Location,
    /// The root as a path (a bucket's URL, for a store in one).
    root: PathBuf,
    options: StoreOptions,
    /// Configuration set in code; the rest comes from the layers when an
    /// operation runs.
    overrides: Arc<Overrides>,
    /// Reads see each entity as of this time; writes are refused.
    as_of: Option<chrono::DateTime<chrono::Utc>>,
}

impl Store {
    /// Opens the store at `root`, creating it when missing; the other
    /// settings come from the configuration (`docs/configuration.md`).
    ///
    /// `root` is a local directory or a URL: `memory://name` (a bucket in
    /// this process's memory), `s3://bucket/prefix` (cargo feature `s3`),
    /// `gs://…` (`gcs`), `az://…` or `abfss://…` (`azure`), `file:///dir`.
    /// See `docs/object-storage.md`.
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
        let location = match root.to_str() {
            Some(text) if io::is_url(text) => {
                let options = crate::config::resolve(&overrides)?.config.store.object_options();
                Location::parse(text, &options)?
            }
            _ => Location::Local(root),
        };
        if let Location::Local(dir) = &location {
            if dir.exists() && !dir.is_dir() {
                return Err(StorageError::RootNotADirectory(dir.clone()).into());
            }
            io::create_dir_all(&dir.join(layout::META_DIR))?;
        }
        Ok(Self { root: location.name(), location, options, overrides, as_of: None })
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

    /// The root directory; for a store in a bucket, its URL as a path
    /// (see [`location`](Self::location)).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the store is: a local directory or a prefix in a bucket.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Whether the store is in a bucket (object storage) rather than a local directory.
    pub fn is_remote(&self) -> bool {
        self.location.object().is_some()
    }

    /// The options in force.
    pub fn options(&self) -> &StoreOptions {
        &self.options
    }

    pub(super) fn paths<T: Entity>(&self) -> Result<EntityPaths, Error> {
        EntityPaths::new(&self.location, T::STORAGE_PATH)
    }

    /// The format `T` is written in here: its declared format, else the one
    /// this store's catalog records for it, else `store.format`.
    pub fn format_of<T: Entity>(&self) -> Result<crate::entity::Format, Error> {
        if let Some(format) = T::DECLARED_FORMAT {
            return Ok(format);
        }
        let recorded = catalog::read_known(&self.location)?
            .entities
            .get(T::ENTITY_NAME)
            .and_then(|e| e.format.parse().ok());
        Ok(recorded.unwrap_or(self.options.format))
    }

    /// The newest committed snapshot of `T`'s table.
    pub fn snapshot<T: Entity>(&self) -> Result<Snapshot, Error> {
        self.snapshot_at(T::STORAGE_PATH, T::ENTITY_NAME, None)
    }

    /// What reads of the entity `name` at `storage_path` see: its newest
    /// snapshot, or for a store [`as_of`](Self::as_of) a time, its newest
    /// version not after that time (empty when the table is younger).
    pub(crate) fn read_snapshot(&self, storage_path: &str, name: &str) -> Result<Snapshot, Error> {
        let Some(at) = self.as_of else { return self.snapshot_at(storage_path, name, None) };
        let paths = EntityPaths::new(&self.location, storage_path)?;
        match table::history::version_at(&paths.dir, at)? {
            Some(version) => self.snapshot_at(storage_path, name, Some(version)),
            None => Ok(Snapshot::empty(name)),
        }
    }

    /// The snapshot of the entity `name` at `storage_path`, at `version`
    /// (the newest when `None`).
    pub(crate) fn snapshot_at(
        &self,
        storage_path: &str,
        name: &str,
        version: Option<u64>,
    ) -> Result<Snapshot, Error> {
        let paths = EntityPaths::new(&self.location, storage_path)?;
        paths.refuse_old_layout()?;
        table::Table::at(&paths.dir)?.snapshot(name, version)
    }
}
