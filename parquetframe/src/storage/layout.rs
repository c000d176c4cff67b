//! Where things live under a store root.
//!
//! ```text
//! <root>/_parquetframe/catalog.json   every entity: name, path, key, format, schema
//! <root>/_parquetframe/catalog.lock   serialises catalog updates
//! <root>/<storage_path>/_manifest/<version>.json   commit points (highest wins)
//! <root>/<storage_path>/_lock         serialises writers of the entity
//! <root>/<storage_path>/data/*.parquet|avro       immutable data and delete files
//! ```

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, StorageError};

/// The store's own directory.
pub const META_DIR: &str = "_parquetframe";
/// The catalog file name.
pub const CATALOG: &str = "catalog.json";
/// Manifests directory of an entity.
pub const MANIFEST_DIR: &str = "_manifest";
/// Data directory of an entity.
pub const DATA_DIR: &str = "data";
/// Writer lock file of an entity.
pub const LOCK_FILE: &str = "_lock";

/// A new data file's name (`part-…`, or `del-…` for deletes) relative to the
/// entity directory: the commit sequence, a unique suffix, the format's extension.
pub fn data_file_name(kind: super::manifest::FileKind, seq: u64, format: crate::entity::Format) -> String {
    let prefix = if kind == super::manifest::FileKind::Data { "part" } else { "del" };
    format!("{DATA_DIR}/{prefix}-{seq:012}-{}.{}", crate::io::unique_suffix(), format.extension())
}

/// The paths of one entity's storage.
#[derive(Debug, Clone)]
pub struct EntityPaths {
    /// `<root>/<storage_path>`.
    pub dir: PathBuf,
    /// `<dir>/_manifest`.
    pub manifests: PathBuf,
    /// `<dir>/data`.
    pub data: PathBuf,
    /// `<dir>/_lock`.
    pub lock: PathBuf,
}

impl EntityPaths {
    /// The paths for `storage_path` under `root`, which must stay inside the root.
    pub fn new(root: &Path, storage_path: &str) -> Result<Self, Error> {
        let relative = Path::new(storage_path);
        let inside = relative.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if storage_path.trim().is_empty() || !inside {
            return Err(StorageError::Catalog(format!(
                "storage path `{storage_path}` must be a relative path inside the store root"
            ))
            .into());
        }
        let dir = root.join(relative);
        Ok(Self {
            manifests: dir.join(MANIFEST_DIR),
            data: dir.join(DATA_DIR),
            lock: dir.join(LOCK_FILE),
            dir,
        })
    }
}
