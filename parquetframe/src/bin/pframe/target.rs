//! What a path names: a data file or directory of files, an entity directory
//! of a store, or a store root.

use std::path::{Path, PathBuf};

use parquetframe::storage::layout::{CATALOG, META_DIR};
use parquetframe::storage::table::LOG_DIR;
use parquetframe::{DataFrameProxy, Error, Result, Store, StoredEntity};

/// A resolved path.
pub enum Target {
    /// Files read as they are.
    Files(PathBuf),
    /// One entity of a store: its live rows only.
    Entity(Store, Box<StoredEntity>),
    /// A whole store.
    Store(Store),
}

fn is_store(dir: &Path) -> bool {
    match dir.to_str().filter(|d| parquetframe::io::is_url(d)) {
        Some(_) => open_store(dir)
            .and_then(|s| s.location().join(&format!("{META_DIR}/{CATALOG}")).exists())
            .unwrap_or(false),
        None => dir.join(META_DIR).join(CATALOG).is_file(),
    }
}

/// Resolves `path`: in a bucket (`s3://…`), a store's root or one of its
/// entities' directories.
pub fn resolve(path: &Path) -> Result<Target> {
    if let Some(url) = path.to_str().filter(|p| parquetframe::io::is_url(p)) {
        return resolve_url(url.trim_end_matches('/'));
    }
    if path.is_dir() && is_store(path) {
        return Ok(Target::Store(open_store(path)?));
    }
    if path.is_dir()
        && (path.join(LOG_DIR).is_dir()
            || path.join(parquetframe::storage::layout::OLD_MANIFEST_DIR).is_dir())
    {
        let absolute = std::fs::canonicalize(path).map_err(parquetframe::io::io_error("resolving", path))?;
        if let Some(root) = absolute.ancestors().skip(1).find(|d| is_store(d)) {
            let store = open_store(root)?;
            let relative =
                absolute.strip_prefix(root).unwrap_or(&absolute).to_string_lossy().replace('\\', "/");
            for entity in StoredEntity::all(&store)? {
                if entity.entry.path.trim_end_matches('/') == relative.trim_end_matches('/') {
                    return Ok(Target::Entity(store, Box::new(entity)));
                }
            }
            return Err(catalog_error(format!(
                "`{}` looks like an entity directory, but the catalog of `{}` has no entity stored at `{relative}`",
                path.display(),
                root.display()
            )));
        }
    }
    Ok(Target::Files(path.to_path_buf()))
}

/// A store at `url`, or an entity of a store at a prefix of it.
fn resolve_url(url: &str) -> Result<Target> {
    if is_store(Path::new(url)) {
        return Ok(Target::Store(open_store(Path::new(url))?));
    }
    let mut root = url;
    while let Some((parent, _)) =
        root.rsplit_once('/').filter(|(p, _)| !p.ends_with('/') && p.contains("://"))
    {
        root = parent;
        if is_store(Path::new(root)) {
            let store = open_store(Path::new(root))?;
            let relative = url[root.len()..].trim_matches('/');
            for entity in StoredEntity::all(&store)? {
                if entity.entry.path.trim_end_matches('/') == relative {
                    return Ok(Target::Entity(store, Box::new(entity)));
                }
            }
            return Err(catalog_error(format!(
                "`{url}`: the store at `{root}` has no entity stored at `{relative}`"
            )));
        }
    }
    Err(catalog_error(format!(
        "`{url}` is not a parquetframe store, nor an entity of one (no {META_DIR}/{CATALOG})"
    )))
}

/// The entities `names` of `store`, or all of them when `names` is empty.
pub fn entities(store: &Store, names: &[String]) -> Result<Vec<StoredEntity>> {
    if names.is_empty() {
        StoredEntity::all(store)
    } else {
        names.iter().map(|n| StoredEntity::open(store, n)).collect()
    }
}

/// The store at `root`, or the configured default store.
pub fn store(root: Option<PathBuf>) -> Result<Store> {
    let root = match root {
        Some(root) => root,
        None => parquetframe::config::load()?.store.root_path(),
    };
    if !is_store(&root) {
        return Err(catalog_error(format!(
            "`{}` is not a parquetframe store (no {META_DIR}/{CATALOG}); pass --root DIR",
            root.display()
        )));
    }
    open_store(&root)
}

fn open_store(root: &Path) -> Result<Store> {
    Store::open(root)
}

fn catalog_error(message: String) -> Error {
    parquetframe::error::StorageError::Catalog(message).into()
}

impl Target {
    /// The rows of this target as a query.
    pub fn proxy(&self) -> Result<DataFrameProxy> {
        match self {
            Target::Files(path) => parquetframe::read(path),
            Target::Entity(store, entity) => Ok(entity.query(store)),
            Target::Store(store) => {
                let names: Vec<String> = StoredEntity::all(store)?
                    .iter()
                    .map(|e| e.entry.path.trim_end_matches('/').to_owned())
                    .collect();
                Err(catalog_error(format!(
                    "`{}` is a store with several entities; name one directory, e.g. `{}`",
                    store.root().display(),
                    names.first().map_or_else(
                        || store.root().join("<entity>").display().to_string(),
                        |n| store.root().join(n).display().to_string()
                    )
                )))
            }
        }
    }
}
