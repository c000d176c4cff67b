//! Every request a bucket's client sends, counted by kind: what the docs'
//! request figures (a `find`, a single save) are measured with, and what
//! a program can read to see what an operation cost
//! ([`Bucket::requests`](super::Bucket::requests)).

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
};

/// Requests sent to one bucket by this process, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requests {
    /// GETs (whole objects and ranges).
    pub get: u64,
    /// HEADs (existence and size checks).
    pub head: u64,
    /// PUTs (conditional or not; a multipart upload counts once).
    pub put: u64,
    /// LISTs (each page counts once).
    pub list: u64,
    /// DELETEs.
    pub delete: u64,
    /// Copies and renames.
    pub copy: u64,
    /// Bytes the GETs brought back.
    pub bytes_read: u64,
}

impl Requests {
    /// All requests.
    pub fn total(&self) -> u64 {
        self.get + self.head + self.put + self.list + self.delete + self.copy
    }
}

impl std::ops::Sub for Requests {
    type Output = Requests;

    fn sub(self, before: Requests) -> Requests {
        Requests {
            get: self.get.saturating_sub(before.get),
            head: self.head.saturating_sub(before.head),
            put: self.put.saturating_sub(before.put),
            list: self.list.saturating_sub(before.list),
            delete: self.delete.saturating_sub(before.delete),
            copy: self.copy.saturating_sub(before.copy),
            bytes_read: self.bytes_read.saturating_sub(before.bytes_read),
        }
    }
}

impl std::fmt::Display for Requests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} requests ({} GET, {} HEAD, {} PUT, {} LIST, {} DELETE, {} COPY; {} bytes read)",
            self.total(),
            self.get,
            self.head,
            self.put,
            self.list,
            self.delete,
            self.copy,
            self.bytes_read
        )
    }
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    get: AtomicU64,
    head: AtomicU64,
    put: AtomicU64,
    list: AtomicU64,
    delete: AtomicU64,
    copy: AtomicU64,
    bytes_read: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> Requests {
        Requests {
            get: self.get.load(Ordering::Relaxed),
            head: self.head.load(Ordering::Relaxed),
            put: self.put.load(Ordering::Relaxed),
            list: self.list.load(Ordering::Relaxed),
            delete: self.delete.load(Ordering::Relaxed),
            copy: self.copy.load(Ordering::Relaxed),
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
        }
    }
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// An object store whose requests are counted.
#[derive(Debug)]
pub(crate) struct Counted {
    inner: Arc<dyn ObjectStore>,
    counters: Arc<Counters>,
}

impl Counted {
    pub(crate) fn new(inner: Arc<dyn ObjectStore>, counters: Arc<Counters>) -> Self {
        Self { inner, counters }
    }
}

impl std::fmt::Display for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Counted({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for Counted {
    async fn put_opts(&self, location: &Path, payload: PutPayload, opts: PutOptions) -> Result<PutResult> {
        bump(&self.counters.put);
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        bump(&self.counters.put);
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let head = options.head;
        bump(if head { &self.counters.head } else { &self.counters.get });
        let got = self.inner.get_opts(location, options).await?;
        if !head {
            self.counters
                .bytes_read
                .fetch_add(got.range.end.saturating_sub(got.range.start), Ordering::Relaxed);
        }
        Ok(got)
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        // The inner store coalesces close ranges; each request is one GET.
        self.counters.get.fetch_add(ranges.len().max(1) as u64, Ordering::Relaxed);
        let got = self.inner.get_ranges(location, ranges).await?;
        let bytes: usize = got.iter().map(Bytes::len).sum();
        self.counters.bytes_read.fetch_add(bytes as u64, Ordering::Relaxed);
        Ok(got)
    }

    fn delete_stream(&self, locations: BoxStream<'static, Result<Path>>) -> BoxStream<'static, Result<Path>> {
        let counters = self.counters.clone();
        use futures::StreamExt;
        self.inner.delete_stream(locations).inspect(move |_| bump(&counters.delete)).boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        bump(&self.counters.list);
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        bump(&self.counters.list);
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        bump(&self.counters.list);
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        bump(&self.counters.copy);
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        bump(&self.counters.copy);
        self.inner.rename_opts(from, to, options).await
    }
}
