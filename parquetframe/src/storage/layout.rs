//! Where things live under a store root.
//!
//! ```text
//! <root>/_parquetframe/catalog.json   every entity: name, path, key, format, schema
//! <root>/_parquetframe/catalog.lock   serialises catalog updates
//! <root>/<storage_path>/               the entity's Delta Lake table:
//!     _delta_log/<version>.json          commits (and checkpoints)
//!     data/part-*.parquet|avro           immutable data files
//!     deletion_vector_*.bin              deletion vectors too large for the log
//!     _lock                              serialises this machine's writers (a throughput aid)
//! ```

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, StorageError};
use crate::io::Location;

/// The store's own directory.
pub const META_DIR: &str = "_parquetframe";
/// The catalog file name.
pub const CATALOG: &str = "catalog.json";
/// Data directory of an entity.
pub const DATA_DIR: &str = "data";
/// Writer lock file of an entity.
pub const LOCK_FILE: &str = "_lock";
/// The manifests directory of the layout before Delta tables (refused).
pub const OLD_MANIFEST_DIR: &str = "_manifest";

/// A new data file's name relative to the entity directory: the time it was
/// written (so names sort in write order), a unique suffix, the format's extension.
pub fn data_file_name(format: crate::entity::Format) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{DATA_DIR}/part-{nanos:020}-{}.{}", crate::io::unique_suffix(), format.extension())
}

/// The paths of one entity's storage.
#[derive(Debug, Clone)]
pub struct EntityPaths {
    /// `<root>/<storage_path>`: the Delta table.
    pub dir: Location,
    /// `<dir>/data`.
    pub data: Location,
    /// `<dir>/_lock`, for a local table (a bucket has no lock files:
    /// commits rely on conditional put alone).
    pub lock: Option<PathBuf>,
}

impl EntityPaths {
    /// The paths for `storage_path` under `root`, which must stay inside the root.
    pub fn new(root: &Location, storage_path: &str) -> Result<Self, Error> {
        let relative = Path::new(storage_path);
        let inside = relative.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if storage_path.trim().is_empty() || !inside {
            return Err(StorageError::Catalog(format!(
                "storage path `{storage_path}` must be a relative path inside the store root"
            ))
            .into());
        }
        // `./users//` and `users` are one table (a bucket has no `.`).
        let relative: Vec<&str> =
            storage_path.split(['/', '\\']).filter(|c| !c.is_empty() && *c != ".").collect();
        let dir = root.join(&relative.join("/"));
        let lock = dir.local().map(|d| d.join(LOCK_FILE));
        Ok(Self { data: dir.join(DATA_DIR), lock, dir })
    }

    /// An error when the directory holds the layout before Delta tables
    /// (numbered JSON manifests); nothing in it is changed.
    pub fn refuse_old_layout(&self) -> Result<(), Error> {
        if self.dir.local().is_some_and(|d| d.join(OLD_MANIFEST_DIR).is_dir()) {
            return Err(StorageError::Catalog(format!(
                "`{}` is in the old parquetframe layout (a `{OLD_MANIFEST_DIR}/` directory of JSON manifests), \
                 which this version does not read; entities are now Delta Lake tables. Load its rows with \
                 the parquetframe release that wrote it and save them into a store of this one; \
                 nothing here was changed",
                self.dir.display()
            ))
            .into());
        }
        Ok(())
    }
}
