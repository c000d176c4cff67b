//! `_parquetframe/catalog.json`: every entity saved in the store, so that tools
//! (the CLI, Python) understand the store without the Rust types.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::layout::{CATALOG, META_DIR};
use super::lock::WriterLock;
use crate::entity::Entity;
use crate::error::{Error, StorageError};
use crate::graph::{ColumnInfo, EntityNode, SchemaGraph};
use crate::io::{self, Location, io_error};

/// One column as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogField {
    /// Column name.
    pub name: String,
    /// Arrow data type, as arrow-rs prints it (e.g. `Timestamp(µs, "UTC")`).
    pub data_type: String,
    /// Whether nulls are allowed.
    pub nullable: bool,
}

/// One entity in the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// Entity name.
    pub name: String,
    /// Storage path relative to the root.
    pub path: String,
    /// The primary key: its column, or `(a, b)` for a composite key.
    pub primary_key: String,
    /// The primary key's columns (written since composite keys; catalogs
    /// without them have the one column `primary_key`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_columns: Vec<String>,
    /// `parquet` or `avro`.
    pub format: String,
    /// Columns, in order.
    pub arrow_schema: Vec<CatalogField>,
    /// The entity's Avro schema (JSON, as `Record::avro_schema_json` gives it).
    pub avro_schema: serde_json::Value,
    /// Its foreign keys (`#[relation]`), in field order.
    #[serde(default)]
    pub relations: Vec<CatalogRelation>,
}

/// One relation as the catalog describes it (the graph's own form of a
/// relation, so that the catalog's graph needs no conversion).
pub use crate::graph::RelationSpec as CatalogRelation;

/// The catalog document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Format of this document.
    pub format_version: u32,
    /// Entities by name.
    pub entities: BTreeMap<String, CatalogEntry>,
}

impl CatalogEntry {
    /// The primary key's columns.
    pub fn key_columns(&self) -> Vec<&str> {
        if self.key_columns.is_empty() {
            // A composite key's name is `(a, b)`: read it back when a writer
            // that does not know `key_columns` dropped the list.
            match self.primary_key.strip_prefix('(').and_then(|k| k.strip_suffix(')')) {
                Some(list) => list.split(',').map(str::trim).collect(),
                None => vec![self.primary_key.as_str()],
            }
        } else {
            self.key_columns.iter().map(String::as_str).collect()
        }
    }

    /// The entry describing `T`.
    pub fn of<T: Entity>() -> Self {
        let arrow_schema = T::arrow_schema()
            .fields()
            .iter()
            .map(|f| CatalogField {
                name: f.name().clone(),
                data_type: f.data_type().to_string(),
                nullable: f.is_nullable(),
            })
            .collect();
        Self {
            name: T::ENTITY_NAME.to_owned(),
            path: T::STORAGE_PATH.to_owned(),
            primary_key: T::PRIMARY_KEY.to_owned(),
            key_columns: T::KEY_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
            format: T::FORMAT.as_str().to_owned(),
            arrow_schema,
            avro_schema: T::avro_schema_json(),
            relations: T::RELATIONS.iter().map(CatalogRelation::from).collect(),
        }
    }
}

/// Identifies one written version of the catalog file: it is always
/// replaced by a rename, so a new version is a new inode (size and time
/// alone could repeat within the file system's clock tick).
type Stamp = (u64, u64, Option<std::time::SystemTime>);

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = return None; // no identity to trust: read every time
    Some((inode, meta.len(), meta.modified().ok()))
}

/// Catalogs read, by file, with the version each was read at: a save asks
/// for the catalog twice (its format, its registration), and it rarely changes.
static READ: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<std::path::PathBuf, (Stamp, Catalog)>>,
> = std::sync::LazyLock::new(Default::default);

/// Reads the catalog of the store at `root`, a local directory or a
/// [`Location`] (empty when there is none yet).
pub fn read(root: impl Into<Location>) -> Result<Catalog, Error> {
    let root = root.into();
    let root = &root;
    match root {
        Location::Local(dir) => read_local(dir),
        Location::Object(_) => {
            let catalog = read_object(&root.join(&format!("{META_DIR}/{CATALOG}")))?.0;
            remember(root, catalog.clone());
            Ok(catalog)
        }
    }
}

/// Catalogs in buckets this process read or wrote last, by store URL.
static KNOWN: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, Catalog>>> =
    std::sync::LazyLock::new(Default::default);

/// Keeps `catalog` as the one this process last saw at `root`.
fn remember(root: &Location, catalog: Catalog) {
    if let Ok(mut known) = KNOWN.lock() {
        if known.len() >= 64 {
            known.clear();
        }
        known.insert(root.cache_key().display().to_string(), catalog);
    }
}

/// The catalog as this process last saw it, for questions whose answer
/// never changes once recorded (an entity's format; whether an entry
/// already holds everything a registration would add: entries only
/// widen). In a bucket this spares a request per save; locally it is
/// [`read`].
pub(crate) fn read_known(root: &Location) -> Result<Catalog, Error> {
    if root.object().is_some()
        && let Some(catalog) =
            KNOWN.lock().ok().and_then(|k| k.get(&root.cache_key().display().to_string()).cloned())
    {
        return Ok(catalog);
    }
    read(root)
}

/// The catalog in a bucket and the version read (`None` when there is none yet).
fn read_object(at: &Location) -> Result<(Catalog, Option<object_store::UpdateVersion>), Error> {
    let Some(object) = at.object() else {
        return Ok((Catalog { format_version: 1, ..Catalog::default() }, None));
    };
    match object.read_versioned()? {
        None => Ok((Catalog { format_version: 1, ..Catalog::default() }, None)),
        Some((bytes, version)) => {
            let catalog = serde_json::from_slice(&bytes).map_err(|e| StorageError::Corrupt {
                path: at.name(),
                message: format!("not a catalog: {e}"),
            })?;
            Ok((catalog, Some(version)))
        }
    }
}

fn read_local(root: &Path) -> Result<Catalog, Error> {
    let path = root.join(META_DIR).join(CATALOG);
    let stamp = stamp(&path);
    if let Some(stamp) = stamp
        && let Some(found) =
            READ.lock().ok().and_then(|r| r.get(&path).filter(|(s, _)| *s == stamp).map(|(_, c)| c.clone()))
    {
        return Ok(found);
    }
    let catalog = read_file(&path)?;
    if let (Some(stamp), Ok(mut read)) = (stamp, READ.lock()) {
        if read.len() >= 64 {
            read.clear();
        }
        read.insert(path, (stamp, catalog.clone()));
    }
    Ok(catalog)
}

fn read_file(path: &Path) -> Result<Catalog, Error> {
    let path = path.to_path_buf();
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| StorageError::Corrupt { path, message: format!("not a catalog: {e}") }.into()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(Catalog { format_version: 1, ..Catalog::default() })
        }
        Err(e) => Err(io_error("reading catalog", &path)(e)),
    }
}

/// Records `T` in the catalog (a no-op when it is already there, unchanged);
/// an entity without a declared format keeps the recorded one, or gets
/// `format` when new.
///
/// Registration never narrows an entry: what another (newer or older)
/// program recorded is merged with `T` ([`CatalogEntry::merged`]), so the
/// columns, Avro fields and relations of both stay. Fails when another
/// entity already uses `T`'s storage path (or one naming the same directory,
/// `./users` or `Users` for `users`), or when `T` declares another key or path.
pub fn register<T: Entity>(root: &Location, format: crate::entity::Format) -> Result<(), Error> {
    let mut entry = CatalogEntry::of::<T>();
    let current = read_known(root)?;
    if T::DECLARED_FORMAT.is_none() {
        let recorded = current.entities.get(&entry.name).map(|e| e.format.clone());
        entry.format = recorded.unwrap_or_else(|| format.as_str().to_owned());
    }
    if let Some(recorded) = current.entities.get(&entry.name)
        && recorded.merged(&entry)? == *recorded
    {
        return Ok(());
    }
    let root = match root {
        Location::Local(dir) => dir,
        Location::Object(_) => return register_in_bucket(root, entry),
    };
    let meta = root.join(META_DIR);
    io::create_dir_all(&meta)?;
    let _lock = WriterLock::acquire(&meta.join("catalog.lock"))?;
    let mut catalog = read_local(root)?;
    if !with_entry(&mut catalog, entry)? {
        return Ok(());
    }
    let bytes = serde_json::to_vec_pretty(&catalog)
        .map_err(|e| StorageError::Corrupt { path: meta.join(CATALOG), message: e.to_string() })?;
    let tmp = meta.join(format!(".catalog-{}.tmp", io::unique_suffix()));
    io::write_synced(&tmp, &bytes)?;
    let target = meta.join(CATALOG);
    std::fs::rename(&tmp, &target).map_err(io_error("replacing catalog", &target))?;
    io::sync_dir(&meta)
}

/// Records `entry` in a catalog in a bucket: read with its version, merged,
/// written only if no other writer replaced it meanwhile (a conditional
/// put, `If-Match` on S3); on a race, read again and merge again.
fn register_in_bucket(root: &Location, entry: CatalogEntry) -> Result<(), Error> {
    let at = root.join(&format!("{META_DIR}/{CATALOG}"));
    let Some(object) = at.object() else { return Ok(()) };
    for _ in 0..64 {
        let (mut catalog, version) = read_object(&at)?;
        if !with_entry(&mut catalog, entry.clone())? {
            // Another writer recorded it: this process knows it now.
            remember(root, catalog);
            return Ok(());
        }
        let bytes = serde_json::to_vec_pretty(&catalog)
            .map_err(|e| StorageError::Corrupt { path: at.name(), message: e.to_string() })?;
        if object.put_if_unchanged(bytes::Bytes::from(bytes), version)? {
            remember(root, catalog);
            return Ok(());
        }
    }
    Err(StorageError::Catalog(format!(
        "`{at}`: other writers replaced the catalog 64 times while entity `{}` was being registered",
        entry.name
    ))
    .into())
}

/// `catalog` with `entry` recorded (merged with what it holds); `false`
/// when that changes nothing. An error when another entity uses its path.
fn with_entry(catalog: &mut Catalog, mut entry: CatalogEntry) -> Result<bool, Error> {
    let clash = catalog.entities.values().find(|e| e.name != entry.name && same_path(&e.path, &entry.path));
    if let Some(other) = clash {
        return Err(StorageError::Catalog(format!(
            "entity `{}` cannot use storage path `{}`: entity `{}` is stored at `{}`, the same directory",
            entry.name, entry.path, other.name, other.path
        ))
        .into());
    }
    if let Some(recorded) = catalog.entities.get(&entry.name) {
        entry = recorded.merged(&entry)?;
        if entry == *recorded {
            return Ok(false);
        }
    }
    catalog.format_version = 1;
    catalog.entities.insert(entry.name.clone(), entry);
    Ok(true)
}

/// Whether two storage paths name the same directory: `users`, `users/`,
/// `./users` and `users//` do; so do `Users` and `users`, which are one
/// directory on case-insensitive file systems (macOS, Windows), where two
/// entities would otherwise share one table.
pub(crate) fn same_path(a: &str, b: &str) -> bool {
    let parts = |p: &'_ str| -> Vec<String> {
        p.split(['/', '\\']).filter(|c| !c.is_empty() && *c != ".").map(str::to_lowercase).collect()
    };
    parts(a) == parts(b)
}

impl CatalogEntry {
    /// This recorded entry merged with `declared` (what a program's `T`
    /// says), never narrower than either: `declared`'s columns and Avro
    /// fields in its order, then the recorded ones it lacks, so a program
    /// that dropped or never had a column cannot remove it from the
    /// catalog. A column in both takes the declared type (the table schema
    /// widens or refuses it on write) and stays nullable if either says so.
    /// Relations: the declared ones, then recorded ones on other columns.
    /// The storage path and the primary key must agree.
    pub fn merged(&self, declared: &CatalogEntry) -> Result<CatalogEntry, Error> {
        if !same_path(&self.path, &declared.path) {
            return Err(StorageError::Catalog(format!(
                "entity `{}` is stored at `{}` in this store's catalog, but this program declares `{}`",
                self.name, self.path, declared.path
            ))
            .into());
        }
        if self.primary_key != declared.primary_key {
            return Err(StorageError::Catalog(format!(
                "entity `{}` has primary key `{}` in this store's catalog, but this program declares `{}`",
                self.name, self.primary_key, declared.primary_key
            ))
            .into());
        }
        let mut out = declared.clone();
        out.path.clone_from(&self.path);
        for column in &mut out.arrow_schema {
            if let Some(recorded) = self.arrow_schema.iter().find(|c| c.name == column.name) {
                column.nullable |= recorded.nullable;
            }
        }
        for recorded in &self.arrow_schema {
            if !out.arrow_schema.iter().any(|c| c.name == recorded.name) {
                out.arrow_schema.push(recorded.clone());
            }
        }
        out.avro_schema = merged_avro(&self.avro_schema, &declared.avro_schema);
        for recorded in &self.relations {
            if !out.relations.iter().any(|r| r.column == recorded.column) {
                out.relations.push(recorded.clone());
            }
        }
        Ok(out)
    }
}

/// The declared Avro record with the recorded record's fields it lacks
/// appended (by name).
fn merged_avro(recorded: &serde_json::Value, declared: &serde_json::Value) -> serde_json::Value {
    let mut out = declared.clone();
    let (Some(extra), Some(fields)) = (
        recorded.get("fields").and_then(|f| f.as_array()),
        out.get_mut("fields").and_then(|f| f.as_array_mut()),
    ) else {
        return out;
    };
    for field in extra {
        let name = field.get("name");
        if !fields.iter().any(|f| f.get("name") == name) {
            fields.push(field.clone());
        }
    }
    out
}

/// The graph of a store's catalog: defined here, beside the catalog, since
/// the graph sits on a lower floor than the store.
impl SchemaGraph {
    /// The graph a store's catalog describes (no Rust types needed).
    pub fn from_catalog(catalog: &Catalog) -> SchemaGraph {
        let nodes = catalog.entities.values().map(|e| {
            let columns = e
                .arrow_schema
                .iter()
                .map(|f| ColumnInfo {
                    name: f.name.clone(),
                    data_type: f.data_type.clone(),
                    nullable: f.nullable,
                })
                .collect();
            let node = EntityNode {
                name: e.name.clone(),
                storage_path: e.path.clone(),
                primary_key: e.primary_key.clone(),
                key_columns: e.key_columns().into_iter().map(str::to_owned).collect(),
                columns,
                known: true,
            };
            (node, e.relations.clone())
        });
        SchemaGraph::build(nodes.collect())
    }
}
