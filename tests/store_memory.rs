//! The store in a bucket, on `memory://` (object_store's in-memory store,
//! shared by every store this process opens on one URL): the same code path
//! as S3, GCS and Azure, without a server.

include!("common/object_suite.rs");

/// A bucket of this process's memory, one per test.
fn root(name: &str) -> Option<String> {
    Some(format!("memory://parquetframe-{name}/store"))
}
