//! Faults of a bucket, injected by an object store that fails on cue (no
//! server needed; the same code path as S3): a commit put that fails before
//! or after it lands, a put retried after it landed (refused as existing),
//! a failed data-file put, a failed read, and a bucket that silently
//! overwrites instead of refusing a second create. Nothing is lost, the
//! table is at its old version or its new one, errors name the URL and the
//! operation.

use std::ops::Range;
use std::sync::Arc;
use std::sync::Mutex;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore, PutMode,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
};
use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
    pub name: String,
}

fn users(from: i64, n: i64) -> Vec<User> {
    (from..from + n).map(|i| User { user_id: i, name: format!("u{i}") }).collect()
}

/// What the store does to the next request it matches.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    /// The next commit (a put of `_delta_log/*.json`) fails without landing.
    CommitLost,
    /// The next commit lands, and its answer is an error.
    AnswerLost,
    /// The next commit lands, and its answer is "already exists" (a retry
    /// of a put whose first attempt landed).
    RetryFindsItsOwn,
    /// The next put of a data file fails.
    DataPutFails,
    /// The next GET of a data file fails (a 503).
    DataGetFails,
    /// The next put of the put-if-absent probe fails (a 503).
    ProbeFails,
}

#[derive(Debug, Default)]
struct Faulty {
    inner: InMemory,
    armed: Mutex<Option<Fault>>,
    /// Ignore `PutMode::Create` (overwrite), as a server without conditional put does.
    overwrites: bool,
}

impl Faulty {
    fn take(&self, matches: impl Fn(Fault) -> bool) -> Option<Fault> {
        let mut armed = self.armed.lock().unwrap();
        let hit = armed.filter(|f| matches(*f));
        if hit.is_some() {
            *armed = None;
        }
        hit
    }
}

impl std::fmt::Display for Faulty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Faulty")
    }
}

fn injected(what: &str) -> object_store::Error {
    object_store::Error::Generic { store: "Faulty", source: format!("injected fault: {what}").into() }
}

#[async_trait]
impl ObjectStore for Faulty {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        mut opts: PutOptions,
    ) -> Result<PutResult> {
        let name = location.as_ref();
        let commit = name.contains("_delta_log/") && name.ends_with(".json");
        if self.overwrites {
            opts.mode = PutMode::Overwrite;
        }
        if commit {
            match self.take(|f| matches!(f, Fault::CommitLost | Fault::AnswerLost | Fault::RetryFindsItsOwn))
            {
                Some(Fault::CommitLost) => return Err(injected("the commit put was lost")),
                Some(Fault::AnswerLost) => {
                    self.inner.put_opts(location, payload, opts).await?;
                    return Err(injected("the commit landed, its answer was lost"));
                }
                Some(_) => {
                    self.inner.put_opts(location, payload, opts).await?;
                    return Err(object_store::Error::AlreadyExists {
                        path: name.to_owned(),
                        source: "a retried put found the object".into(),
                    });
                }
                None => {}
            }
        }
        if name.contains("put-if-absent-probe") && self.take(|f| f == Fault::ProbeFails).is_some() {
            return Err(injected("503 Service Unavailable"));
        }
        if name.contains("/data/part-") && self.take(|f| f == Fault::DataPutFails).is_some() {
            return Err(injected("the data file put failed"));
        }
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        if !options.head
            && location.as_ref().contains("/data/part-")
            && self.take(|f| f == Fault::DataGetFails).is_some()
        {
            return Err(injected("503 Slow Down"));
        }
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(&self, locations: BoxStream<'static, Result<Path>>) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
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

/// A store on a fresh faulty bucket named `name`, with 10 users saved.
fn faulty(name: &str, overwrites: bool) -> (Arc<Faulty>, Store) {
    let faults = Arc::new(Faulty { overwrites, ..Faulty::default() });
    let url = format!("memory://faults-{name}");
    parquetframe::io::Bucket::register(&url, faults.clone()).unwrap();
    let store = Store::open(format!("{url}/lake")).unwrap();
    if !overwrites {
        store.save_all(&users(0, 10)).unwrap();
    }
    (faults, store)
}

fn arm(faults: &Faulty, fault: Fault) {
    *faults.armed.lock().unwrap() = Some(fault);
}

#[test]
fn a_lost_commit_leaves_the_old_version_and_names_the_url() {
    let (faults, store) = faulty("lost", false);
    let before = store.version::<User>().unwrap();
    arm(&faults, Fault::CommitLost);
    let err = store.save_all(&users(10, 5)).unwrap_err().to_string();
    assert!(
        err.contains("memory://faults-lost/lake/users/_delta_log") && err.contains("committing"),
        "{err}"
    );
    assert!(err.contains("injected fault"), "{err}");
    assert_eq!(store.version::<User>().unwrap(), before);
    assert_eq!(store.count::<User>().unwrap(), 10);
    // The next write goes through.
    store.save_all(&users(10, 5)).unwrap();
    assert_eq!(store.count::<User>().unwrap(), 15);
}

#[test]
fn a_commit_whose_answer_was_lost_is_recognised_as_landed() {
    let (faults, store) = faulty("answer", false);
    let before = store.version::<User>().unwrap().unwrap();
    arm(&faults, Fault::AnswerLost);
    store.save_all(&users(10, 5)).unwrap();
    assert_eq!(store.version::<User>().unwrap(), Some(before + 1));
    assert_eq!(store.count::<User>().unwrap(), 15);
}

#[test]
fn a_retried_commit_that_finds_its_own_entry_keeps_its_files() {
    let (faults, store) = faulty("retried", false);
    let before = store.version::<User>().unwrap().unwrap();
    arm(&faults, Fault::RetryFindsItsOwn);
    store.save_all(&users(10, 5)).unwrap();
    // Committed once, and its data file is still there: taking the refusal
    // for another writer's win would have removed the file the log names.
    assert_eq!(store.version::<User>().unwrap(), Some(before + 1));
    let fresh = Store::open("memory://faults-retried/lake").unwrap();
    assert_eq!(fresh.load_all::<User>().unwrap().len(), 15);
    assert_eq!(store.history::<User>().unwrap().len() as u64, before + 2);
}

#[test]
fn a_failed_data_put_commits_nothing() {
    let (faults, store) = faulty("dataput", false);
    let before = store.version::<User>().unwrap();
    arm(&faults, Fault::DataPutFails);
    let err = store.save_all(&users(10, 5)).unwrap_err().to_string();
    assert!(
        err.contains("memory://faults-dataput/lake/users/data/part-") && err.contains("writing"),
        "{err}"
    );
    assert_eq!(store.version::<User>().unwrap(), before);
    assert_eq!(store.count::<User>().unwrap(), 10);
}

#[test]
fn a_failed_read_names_the_file_and_the_next_read_works() {
    let (faults, store) = faulty("get", false);
    // A fresh process has no footer cached: reading fetches the file.
    arm(&faults, Fault::DataGetFails);
    let fresh_rows = Store::open("memory://faults-get/lake").unwrap().load_all::<User>();
    // The footer may be cached from the save; then the first GET is the read's.
    let err = fresh_rows.unwrap_err().to_string();
    assert!(err.contains("memory://faults-get/lake/users/data/part-") && err.contains("reading"), "{err}");
    assert!(err.contains("503"), "{err}");
    assert_eq!(store.load_all::<User>().unwrap().len(), 10);
}

#[test]
fn a_bucket_that_overwrites_is_refused_for_writing() {
    let (_, store) = faulty("overwrites", true);
    let err = store.save_all(&users(0, 3)).unwrap_err().to_string();
    assert!(err.contains("memory://faults-overwrites") && err.contains("put-if-absent"), "{err}");
    assert_eq!(store.count::<User>().unwrap(), 0);
}

/// An endpoint nothing listens on: the client retries (object_store's
/// backoff, a few seconds for a refused connection), then the error names
/// the URL and the operation; nothing hangs.
#[test]
fn an_unreachable_endpoint_is_an_error_naming_the_url_after_its_retries() {
    // A port just freed: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let store = Store::builder()
        .isolated()
        .root("s3://parquetframe-unreachable/lake")
        .set("store.endpoint", format!("http://127.0.0.1:{port}"))
        .set("store.allow_http", true)
        .set("store.region", "us-east-1")
        .set(
            "store.options",
            std::collections::BTreeMap::from([("aws_access_key_id", "k"), ("aws_secret_access_key", "s")]),
        )
        .open()
        .unwrap();
    let started = std::time::Instant::now();
    let err = store.count::<User>().unwrap_err().to_string();
    assert!(err.contains("s3://parquetframe-unreachable/lake/users"), "{err}");
    assert!(err.contains("retries"), "{err}");
    let err = store.save(&users(0, 1)[0]).unwrap_err().to_string();
    assert!(err.contains("s3://parquetframe-unreachable"), "{err}");
    eprintln!("two failed operations in {:.1} s", started.elapsed().as_secs_f64());
}

/// A probe that failed (the network, a 503) is not a verdict: the next write
/// asks again and goes through.
#[test]
fn a_failed_put_if_absent_probe_is_asked_again() {
    let faults = Arc::new(Faulty::default());
    parquetframe::io::Bucket::register("memory://faults-probe", faults.clone()).unwrap();
    let store = Store::open("memory://faults-probe/lake").unwrap();
    arm(&faults, Fault::ProbeFails);
    let err = store.save_all(&users(0, 3)).unwrap_err().to_string();
    assert!(err.contains("memory://faults-probe/lake/_parquetframe") && err.contains("503"), "{err}");
    store.save_all(&users(0, 3)).unwrap();
    assert_eq!(store.count::<User>().unwrap(), 3);
}

/// A store registered on a URL after stores were opened there is another
/// bucket: stores opened afterwards use it alone, never the tables, footers
/// or catalog the process cached for the first.
#[test]
fn registering_a_store_on_a_used_url_starts_from_it() {
    let first = Store::open("memory://faults-reregistered/lake").unwrap();
    first.save_all(&users(0, 10)).unwrap();
    assert_eq!(first.count::<User>().unwrap(), 10);
    parquetframe::io::Bucket::register("memory://faults-reregistered", Arc::new(InMemory::new())).unwrap();
    let second = Store::open("memory://faults-reregistered/lake").unwrap();
    assert_eq!(second.count::<User>().unwrap(), 0);
    second.save_all(&users(100, 4)).unwrap();
    assert_eq!(second.load_all::<User>().unwrap().len(), 4);
    assert_eq!(second.version::<User>().unwrap(), Some(1));
}
