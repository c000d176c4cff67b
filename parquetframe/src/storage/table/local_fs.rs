//! The local file system as Delta's object store, with the durability
//! object_store's `LocalFileSystem` leaves out: it never syncs. Here every
//! object put (commit files, checkpoints) is written to a unique temporary
//! file, synced, then linked (put-if-absent) or renamed into place, and the
//! directory is synced, so an acknowledged commit survives power loss.
//! Everything else is `LocalFileSystem`'s.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::BoxStream;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore, PutMode,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
};

use crate::error::Error;
use crate::io;

/// [`LocalFileSystem`] rooted at `root`, with synced puts.
#[derive(Debug)]
pub(crate) struct SyncedLocalFs {
    root: PathBuf,
    inner: LocalFileSystem,
}

impl SyncedLocalFs {
    /// The store of the directory `root` (created when missing).
    pub(crate) fn new(root: &std::path::Path) -> std::result::Result<Arc<Self>, Error> {
        io::create_dir_all(root)?;
        let inner = LocalFileSystem::new_with_prefix(root).map_err(|e| {
            Error::Storage(crate::error::StorageError::Corrupt {
                path: root.to_path_buf(),
                message: e.to_string(),
            })
        })?;
        Ok(Arc::new(Self { root: root.to_path_buf(), inner }))
    }

    fn file(&self, location: &Path) -> PathBuf {
        location.parts().fold(self.root.clone(), |p, part| p.join(part.as_ref()))
    }
}

impl std::fmt::Display for SyncedLocalFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SyncedLocalFs({})", self.root.display())
    }
}

fn generic(e: Error) -> object_store::Error {
    match e {
        Error::Storage(crate::error::StorageError::Io { source, path, .. })
            if source.kind() == std::io::ErrorKind::AlreadyExists =>
        {
            object_store::Error::AlreadyExists { path: path.display().to_string(), source: Box::new(source) }
        }
        other => object_store::Error::Generic { store: "SyncedLocalFs", source: Box::new(other) },
    }
}

#[async_trait]
impl ObjectStore for SyncedLocalFs {
    async fn put_opts(&self, location: &Path, payload: PutPayload, opts: PutOptions) -> Result<PutResult> {
        let create = match opts.mode {
            PutMode::Create => true,
            PutMode::Overwrite => false,
            PutMode::Update(_) => return self.inner.put_opts(location, payload, opts).await,
        };
        let path = self.file(location);
        tokio::task::spawn_blocking(move || {
            if let Some(dir) = path.parent() {
                io::create_dir_all(dir)?;
            }
            let write = |tmp: &std::path::Path| {
                let bytes: Vec<u8> = payload.iter().flat_map(|b| b.iter().copied()).collect();
                io::write_synced(tmp, &bytes)
            };
            if create { io::write_new_via_temp(&path, write) } else { io::write_via_temp(&path, write) }
        })
        .await
        .map_err(|e| object_store::Error::Generic { store: "SyncedLocalFs", source: Box::new(e) })?
        .map_err(generic)?;
        Ok(PutResult { e_tag: None, version: None })
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        let inner = self.inner.put_multipart_opts(location, opts).await?;
        Ok(Box::new(SyncedUpload { inner, path: self.file(location) }))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[std::ops::Range<u64>],
    ) -> Result<Vec<bytes::Bytes>> {
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(&self, locations: BoxStream<'static, Result<Path>>) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.inner.rename_opts(from, to, options).await
    }
}

/// A multipart upload (large checkpoints) whose completed file is synced.
#[derive(Debug)]
struct SyncedUpload {
    inner: Box<dyn MultipartUpload>,
    path: PathBuf,
}

#[async_trait]
impl MultipartUpload for SyncedUpload {
    fn put_part(&mut self, data: PutPayload) -> object_store::UploadPart {
        self.inner.put_part(data)
    }

    async fn complete(&mut self) -> Result<PutResult> {
        let done = self.inner.complete().await?;
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::File::open(&path).and_then(|f| f.sync_all()).map_err(io::io_error("syncing", &path))?;
            match path.parent() {
                Some(dir) => io::sync_dir(dir),
                None => Ok(()),
            }
        })
        .await
        .map_err(|e| object_store::Error::Generic { store: "SyncedLocalFs", source: Box::new(e) })?
        .map_err(generic)?;
        Ok(done)
    }

    async fn abort(&mut self) -> Result<()> {
        self.inner.abort().await
    }
}
