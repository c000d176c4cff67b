//! Where a store, a table or a file lives: a local path, or an object in a
//! bucket of an object store (`memory://`, `s3://`, `gs://`, `az://`).
//!
//! The store's layers above name every file by a [`Location`] and do their
//! I/O through it, so a table in a bucket and one on disk run the same
//! code. Local locations keep the file system's own guarantees (synced
//! writes, hard-link put-if-absent); object locations rely on the object
//! store's conditional put, and are the only thing that knows about it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};

use super::buckets::Bucket;
use super::runtime::block_on;
use crate::error::{Error, StorageError};

/// A local path or an object in a bucket.
#[derive(Clone)]
pub enum Location {
    /// A path on this machine's file system.
    Local(PathBuf),
    /// An object (or a prefix, for a directory) in a bucket.
    Object(ObjectLocation),
}

/// An object, or a prefix of objects, in a bucket.
#[derive(Clone)]
pub struct ObjectLocation {
    bucket: Arc<Bucket>,
    /// The key, `/`-separated, without a leading or trailing `/` (empty: the bucket's root).
    key: String,
}

/// What [`Location::put_new`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutNew {
    /// The object was written.
    Created,
    /// An object of that name existed (another writer made it): nothing was written.
    Exists,
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Self {
        Location::Local(path.to_path_buf())
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Self {
        Location::Local(path)
    }
}

impl From<&Location> for Location {
    fn from(location: &Location) -> Self {
        location.clone()
    }
}

impl PartialEq for Location {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Location::Local(a), Location::Local(b)) => a == b,
            (Location::Object(a), Location::Object(b)) => a.bucket.url() == b.bucket.url() && a.key == b.key,
            _ => false,
        }
    }
}

impl Eq for Location {}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Local(path) => write!(f, "{}", path.display()),
            Location::Object(o) if o.key.is_empty() => write!(f, "{}", o.bucket.url()),
            Location::Object(o) => write!(f, "{}/{}", o.bucket.url(), o.key),
        }
    }
}

/// Whether `text` is a URL of an object store this crate opens (rather than a local path).
pub fn is_url(text: &str) -> bool {
    text.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-')
    })
}

impl Location {
    /// The location `text` names: a URL (`memory://`, `s3://`, `gs://`,
    /// `az://`, `abfss://`, `file://`) or a local path. `options` are the
    /// object store's own keys (e.g. `aws_endpoint`), over the variables of
    /// the environment.
    pub fn parse(text: &str, options: &[(String, String)]) -> Result<Location, Error> {
        if !is_url(text) {
            return Ok(Location::Local(PathBuf::from(text)));
        }
        let url = url::Url::parse(text)
            .map_err(|e| StorageError::Catalog(format!("`{text}` is not a valid store URL: {e}")))?;
        if url.scheme() == "file" {
            return url.to_file_path().map(Location::Local).map_err(|()| {
                StorageError::Catalog(format!("`{text}` does not name a local directory")).into()
            });
        }
        let bucket = Bucket::open(&url, options)?;
        let key = url.path().trim_matches('/').to_owned();
        let key = percent_decoded(&key);
        Ok(Location::Object(ObjectLocation { bucket, key }))
    }

    /// `self/relative` (`relative` may hold `/`).
    pub fn join(&self, relative: &str) -> Location {
        match self {
            Location::Local(path) => Location::Local(path.join(relative)),
            Location::Object(o) => {
                let relative = relative.trim_matches('/');
                let key = match (o.key.is_empty(), relative.is_empty()) {
                    (_, true) => o.key.clone(),
                    (true, false) => relative.to_owned(),
                    (false, false) => format!("{}/{relative}", o.key),
                };
                Location::Object(ObjectLocation { bucket: o.bucket.clone(), key })
            }
        }
    }

    /// The location as text, for messages (the path or the URL).
    pub fn display(&self) -> &Self {
        self
    }

    /// Whether `self` is `prefix` or lies under it.
    pub fn starts_with(&self, prefix: &Location) -> bool {
        match (self, prefix) {
            (Location::Local(a), Location::Local(b)) => a.starts_with(b),
            (Location::Object(a), Location::Object(b)) => {
                a.bucket.url() == b.bucket.url()
                    && (b.key.is_empty()
                        || a.key == b.key
                        || a.key.strip_prefix(&b.key).is_some_and(|rest| rest.starts_with('/')))
            }
            _ => false,
        }
    }

    /// The local path, for a location on this machine.
    pub fn local(&self) -> Option<&Path> {
        match self {
            Location::Local(path) => Some(path),
            Location::Object(_) => None,
        }
    }

    /// The object, for a location in a bucket.
    pub fn object(&self) -> Option<&ObjectLocation> {
        match self {
            Location::Local(_) => None,
            Location::Object(o) => Some(o),
        }
    }

    /// How errors name this location: the path, or the URL as a path.
    pub fn name(&self) -> PathBuf {
        match self {
            Location::Local(path) => path.clone(),
            Location::Object(_) => PathBuf::from(self.to_string()),
        }
    }

    /// A key telling locations apart within this process (caches key on
    /// it): for an object, its URL and the client that reaches it (another
    /// registered store, or other options on the same URL, is another bucket).
    pub fn cache_key(&self) -> PathBuf {
        match self {
            Location::Local(path) => std::path::absolute(path).unwrap_or_else(|_| path.clone()),
            Location::Object(o) => PathBuf::from(format!("{self}#{}", o.bucket.id())),
        }
    }

    /// The whole file; an error naming it when it is missing.
    pub fn read(&self) -> Result<Bytes, Error> {
        match self {
            Location::Local(path) => {
                std::fs::read(path).map(Bytes::from).map_err(super::io_error("reading", path))
            }
            Location::Object(o) => {
                o.run("reading", |store, key| async move { store.get(&key).await?.bytes().await })
            }
        }
    }

    /// The whole file, or `None` when there is none.
    pub fn read_if_exists(&self) -> Result<Option<Bytes>, Error> {
        match self {
            Location::Local(path) => match std::fs::read(path) {
                Ok(bytes) => Ok(Some(Bytes::from(bytes))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(super::io_error("reading", path)(e)),
            },
            Location::Object(o) => {
                o.run_optional("reading", |store, key| async move { store.get(&key).await?.bytes().await })
            }
        }
    }

    /// The bytes `range` of the file (one ranged GET in a bucket).
    pub fn read_range(&self, range: std::ops::Range<u64>) -> Result<Bytes, Error> {
        match self {
            Location::Local(path) => {
                use std::io::{Read, Seek, SeekFrom};
                let mut file = std::fs::File::open(path).map_err(super::io_error("opening", path))?;
                file.seek(SeekFrom::Start(range.start)).map_err(super::io_error("reading", path))?;
                let mut out = Vec::new();
                file.take(range.end.saturating_sub(range.start))
                    .read_to_end(&mut out)
                    .map_err(super::io_error("reading", path))?;
                Ok(Bytes::from(out))
            }
            Location::Object(o) => {
                o.run("reading", move |store, key| async move { store.get_range(&key, range).await })
            }
        }
    }

    /// Whether the file here holds exactly `bytes`: how a writer whose put
    /// was retried, or whose answer was lost, tells its own object from
    /// another writer's.
    pub fn holds(&self, bytes: &Bytes) -> Result<bool, Error> {
        Ok(self.read_if_exists()?.is_some_and(|there| there == *bytes))
    }

    /// Whether a file is here (for a local directory: whether it exists).
    pub fn exists(&self) -> Result<bool, Error> {
        match self {
            Location::Local(path) => Ok(path.exists()),
            Location::Object(o) => Ok(o
                .run_optional("looking up", |store, key| async move { store.head(&key).await })?
                .is_some()),
        }
    }

    /// The file's size in bytes.
    pub fn size(&self) -> Result<u64, Error> {
        match self {
            Location::Local(path) => {
                std::fs::metadata(path).map(|m| m.len()).map_err(super::io_error("reading metadata of", path))
            }
            Location::Object(o) => {
                o.run("looking up", |store, key| async move { store.head(&key).await.map(|m| m.size) })
            }
        }
    }

    /// Writes `bytes` as this file unless one exists: locally through a
    /// synced temporary file linked into place; in a bucket with the store's
    /// conditional put (`If-None-Match: *` on S3).
    pub fn put_new(&self, bytes: Bytes) -> Result<PutNew, Error> {
        match self {
            Location::Local(path) => {
                if let Some(dir) = path.parent() {
                    super::create_dir_all(dir)?;
                }
                match super::write_new_via_temp(path, |tmp| super::write_synced(tmp, &bytes)) {
                    Ok(()) => Ok(PutNew::Created),
                    Err(Error::Storage(StorageError::Io { source, .. }))
                        if source.kind() == std::io::ErrorKind::AlreadyExists =>
                    {
                        Ok(PutNew::Exists)
                    }
                    Err(e) => Err(e),
                }
            }
            Location::Object(o) => {
                let created = o.run("writing", move |store, key| async move {
                    let options = PutOptions { mode: PutMode::Create, ..PutOptions::default() };
                    match store.put_opts(&key, PutPayload::from_bytes(bytes), options).await {
                        Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
                        other => other.map(|_| true),
                    }
                })?;
                Ok(if created { PutNew::Created } else { PutNew::Exists })
            }
        }
    }

    /// Writes `bytes` as this file, replacing any: readers see the old file
    /// or the new one, never a part.
    pub fn put(&self, bytes: Bytes) -> Result<(), Error> {
        match self {
            Location::Local(path) => {
                if let Some(dir) = path.parent() {
                    super::create_dir_all(dir)?;
                }
                super::write_via_temp(path, |tmp| super::write_synced(tmp, &bytes))
            }
            Location::Object(o) => o
                .run("writing", move |store, key| async move {
                    store.put(&key, PutPayload::from_bytes(bytes)).await
                })
                .map(|_| ()),
        }
    }

    /// Removes the file, ignoring one that is already gone.
    pub fn remove(&self) -> Result<(), Error> {
        match self {
            Location::Local(path) => super::remove_file(path),
            Location::Object(o) => {
                o.run_optional("removing", |store, key| async move { store.delete(&key).await }).map(|_| ())
            }
        }
    }

    /// The names of the files directly in this directory (empty when there is none).
    pub fn list(&self) -> Result<Vec<String>, Error> {
        match self {
            Location::Local(path) => super::list(path),
            Location::Object(o) => {
                let listed = o.run_optional("listing", |store, key| async move {
                    store.list_with_delimiter(Some(&key)).await
                })?;
                Ok(listed
                    .map(|l| {
                        l.objects
                            .into_iter()
                            .filter_map(|m| m.location.filename().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default())
            }
        }
    }
}

impl Location {
    /// Every file under this prefix, relative to it, with its size and its
    /// modification time in milliseconds since the epoch (objects in a
    /// bucket only; a local directory answers with nothing).
    pub fn list_all(&self) -> Result<Vec<(String, u64, Option<i64>)>, Error> {
        let Location::Object(o) = self else { return Ok(Vec::new()) };
        let prefix = o.key.clone();
        let listed = o.run("listing", |store, key| async move {
            use futures::TryStreamExt;
            store.list(Some(&key)).try_collect::<Vec<_>>().await
        })?;
        Ok(listed
            .into_iter()
            .filter_map(|m| {
                let key = m.location.as_ref();
                let relative =
                    if prefix.is_empty() { key } else { key.strip_prefix(&prefix)?.strip_prefix('/')? };
                Some((relative.to_owned(), m.size, Some(m.last_modified.timestamp_millis())))
            })
            .collect())
    }
}

impl ObjectLocation {
    /// The bucket.
    pub fn bucket(&self) -> &Arc<Bucket> {
        &self.bucket
    }

    /// The key within the bucket.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The key as an object store path.
    pub fn path(&self) -> ObjectPath {
        ObjectPath::from(self.key.as_str())
    }

    /// The store of the bucket.
    pub fn store(&self) -> Arc<dyn ObjectStore> {
        self.bucket.store()
    }

    /// The URL of this prefix, ending in `/` (a table's location).
    pub fn directory_url(&self) -> Result<url::Url, Error> {
        let text = if self.key.is_empty() {
            format!("{}/", self.bucket.url())
        } else {
            format!("{}/{}/", self.bucket.url(), self.key)
        };
        url::Url::parse(&text)
            .map_err(|e| StorageError::Catalog(format!("`{text}` is not a valid URL: {e}")).into())
    }

    /// The object and its version (for [`put_if_unchanged`](Self::put_if_unchanged)), if there is one.
    pub fn read_versioned(&self) -> Result<Option<(Bytes, UpdateVersion)>, Error> {
        self.run_optional("reading", |store, key| async move {
            let got = store.get(&key).await?;
            let version = UpdateVersion { e_tag: got.meta.e_tag.clone(), version: got.meta.version.clone() };
            Ok((got.bytes().await?, version))
        })
    }

    /// Writes `bytes` if the object is still at `version` (or, for `None`,
    /// still absent): `false` when another writer changed it first.
    pub fn put_if_unchanged(&self, bytes: Bytes, version: Option<UpdateVersion>) -> Result<bool, Error> {
        self.run("writing", move |store, key| async move {
            let mode = match version {
                Some(version) => PutMode::Update(version),
                None => PutMode::Create,
            };
            let options = PutOptions { mode, ..PutOptions::default() };
            match store.put_opts(&key, PutPayload::from_bytes(bytes), options).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. }) => {
                    Ok(false)
                }
                Err(e) => Err(e),
            }
        })
    }

    /// Runs `job` on the object store; its error names `op` and this location.
    fn run<T, F>(
        &self,
        op: &'static str,
        job: impl FnOnce(Arc<dyn ObjectStore>, ObjectPath) -> F,
    ) -> Result<T, Error>
    where
        F: std::future::Future<Output = object_store::Result<T>> + Send,
        T: Send,
    {
        let future = job(self.store(), self.path());
        block_on(future).map_err(|e| self.failed(op, e))?.map_err(|e| self.object_error(op, e))
    }

    /// [`run`](Self::run), with a missing object as `None`.
    fn run_optional<T, F>(
        &self,
        op: &'static str,
        job: impl FnOnce(Arc<dyn ObjectStore>, ObjectPath) -> F,
    ) -> Result<Option<T>, Error>
    where
        F: std::future::Future<Output = object_store::Result<T>> + Send,
        T: Send,
    {
        let future = job(self.store(), self.path());
        match block_on(future).map_err(|e| self.failed(op, e))? {
            Ok(value) => Ok(Some(value)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.object_error(op, e)),
        }
    }

    fn failed(&self, op: &'static str, message: String) -> Error {
        StorageError::Object { op, url: Location::Object(self.clone()).to_string(), message }.into()
    }

    /// An object store error on this location while doing `op`; a missing
    /// object is an I/O error of kind `NotFound` naming the URL, as a
    /// missing local file is.
    pub fn object_error(&self, op: &'static str, e: object_store::Error) -> Error {
        match e {
            object_store::Error::NotFound { .. } => StorageError::Io {
                op,
                path: Location::Object(self.clone()).name(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, e.to_string()),
            }
            .into(),
            e @ (object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. }) => self.failed(
                op,
                format!(
                    "{e}\n(the bucket refused these credentials: check the cloud's usual variables, \
                         e.g. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or `store.options`)"
                ),
            ),
            other => self.failed(op, other.to_string()),
        }
    }
}

/// `text` with `%XX` escapes decoded (URL paths arrive escaped).
fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}
