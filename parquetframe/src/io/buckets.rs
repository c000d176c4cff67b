//! The buckets this process opened, one client each: a `memory://` bucket
//! lives as long as the process and every store opened on it shares it; a
//! cloud bucket keeps one connection pool.
//!
//! Credentials, region and endpoint come from each cloud's usual variables
//! (what `object_store`'s builders read from the environment: `AWS_*`,
//! `GOOGLE_*`, `AZURE_*`), under the options given when opening (the
//! builders' own keys, e.g. `aws_endpoint`, `aws_allow_http`).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use object_store::memory::InMemory;
use object_store::{ObjectStore, ObjectStoreScheme};

use crate::error::{Error, StorageError};

/// A bucket (a container on Azure) and the client that reaches it.
pub struct Bucket {
    /// `scheme://name`, how locations in it are named.
    url: String,
    store: Arc<dyn ObjectStore>,
    /// The requests `store` sent.
    counters: Arc<super::counted::Counters>,
    /// Tells this client apart from another on the same URL (other options,
    /// a registered store): the process's caches key on it.
    id: u64,
    /// Whether conditional put was seen to refuse a second create here
    /// (checked once, on the first write).
    put_if_absent: std::sync::OnceLock<Result<(), String>>,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket").field("url", &self.url).finish_non_exhaustive()
    }
}

/// The next [`Bucket`] identity.
fn next_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The buckets opened, by URL and options.
static BUCKETS: LazyLock<Mutex<HashMap<String, Arc<Bucket>>>> = LazyLock::new(Default::default);

impl Bucket {
    /// The bucket `url` names (its path is a key inside it), opened once per
    /// process and set of options.
    pub(crate) fn open(url: &url::Url, options: &[(String, String)]) -> Result<Arc<Bucket>, Error> {
        let root = url[..url::Position::BeforePath].to_owned();
        let mut sorted = options.to_vec();
        sorted.sort();
        let cache_key = format!("{root}\0{sorted:?}");
        let registered = format!("{root}\0registered");
        if let Some(bucket) =
            BUCKETS.lock().ok().and_then(|b| b.get(&registered).or_else(|| b.get(&cache_key)).cloned())
        {
            return Ok(bucket);
        }
        let counters = Arc::new(super::counted::Counters::default());
        let store: Arc<dyn ObjectStore> =
            Arc::new(super::counted::Counted::new(client(url, &root, options)?, counters.clone()));
        let bucket = Arc::new(Bucket {
            url: root,
            store,
            counters,
            id: next_id(),
            put_if_absent: std::sync::OnceLock::new(),
        });
        if let Ok(mut buckets) = BUCKETS.lock() {
            return Ok(buckets.entry(cache_key).or_insert(bucket).clone());
        }
        Ok(bucket)
    }

    /// Makes `store` the client of the bucket `url` (`scheme://name`) in
    /// this process, for every store opened on it afterwards: an object
    /// store parquetframe does not build itself (custom credentials, a
    /// caching or instrumented client, a test double). The store must refuse
    /// to create an object that exists (`PutMode::Create`), as commits rely
    /// on it; that is checked before the first write.
    pub fn register(url: &str, store: Arc<dyn ObjectStore>) -> Result<Arc<Bucket>, Error> {
        let parsed = url::Url::parse(url)
            .map_err(|e| StorageError::Catalog(format!("`{url}` is not a valid bucket URL: {e}")))?;
        let root = parsed[..url::Position::BeforePath].to_owned();
        let counters = Arc::new(super::counted::Counters::default());
        let store: Arc<dyn ObjectStore> = Arc::new(super::counted::Counted::new(store, counters.clone()));
        let bucket = Arc::new(Bucket {
            url: root.clone(),
            store,
            counters,
            id: next_id(),
            put_if_absent: std::sync::OnceLock::new(),
        });
        if let Ok(mut buckets) = BUCKETS.lock() {
            buckets.retain(|key, _| key.split('\0').next() != Some(root.as_str()));
            buckets.insert(format!("{root}\0registered"), bucket.clone());
        }
        Ok(bucket)
    }

    /// `scheme://name`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// This client's identity in the process (see the field).
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The client.
    pub fn store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    /// The requests this process sent to the bucket so far (through every
    /// store opened on it); the difference of two readings is what the
    /// operations between them cost.
    pub fn requests(&self) -> super::Requests {
        self.counters.snapshot()
    }

    /// An error unless this bucket's store refuses to create an object that
    /// exists (put-if-absent), which commits rely on: a store that silently
    /// overwrites would lose concurrent writes. Checked once per bucket and
    /// process by writing a probe object twice under `probe_dir`.
    pub(crate) fn check_put_if_absent(&self, probe_dir: &super::Location) -> Result<(), Error> {
        if let Some(verdict) = self.put_if_absent.get() {
            return verdict.clone().map_err(|message| StorageError::Catalog(message).into());
        }
        // Only a definite answer is kept: a request that failed (a missing
        // bucket, the network) is an error now, and asked again next time.
        let verdict: Result<(), String> = {
            let probe = probe_dir.join(&format!("put-if-absent-probe-{}", super::unique_suffix()));
            let outcome = (|| -> Result<bool, Error> {
                let first = probe.put_new(bytes::Bytes::from_static(b"1"))?;
                let second = probe.put_new(bytes::Bytes::from_static(b"2"))?;
                Ok(first == super::PutNew::Created && second == super::PutNew::Exists)
            })();
            let _ = probe.remove();
            match outcome {
                Ok(true) => Ok(()),
                Ok(false) => Err(format!(
                    "`{}` does not refuse to create an object that exists (put-if-absent, `If-None-Match: *` \
                     on S3), which commits rely on; writing is refused so that no concurrent write is lost. \
                     Reads work",
                    self.url
                )),
                Err(e) => return Err(e),
            }
        };
        let verdict = self.put_if_absent.get_or_init(|| verdict);
        verdict.clone().map_err(|message| StorageError::Catalog(message).into())
    }
}

/// The client of the bucket at `root`. `options` use the builders' own
/// key names, and `endpoint`, `region` and `allow_http` for any cloud.
fn client(url: &url::Url, root: &str, options: &[(String, String)]) -> Result<Arc<dyn ObjectStore>, Error> {
    let refused = |message: String| -> Error { StorageError::Catalog(message).into() };
    if url.scheme() == "memory" {
        // `memory://name/...`: a bucket named `name` in this process's memory.
        return Ok(Arc::new(InMemory::new()));
    }
    if matches!(url.scheme(), "http" | "https") {
        // The bucket would be the first path segment, which keys and
        // caches here do not expect: the cloud's own scheme says it plainly.
        return Err(refused(format!(
            "`{url}`: name a bucket by its scheme (s3://bucket/prefix, gs://bucket/prefix, \
             az://container/prefix, abfss://container@account.dfs.core.windows.net/prefix) rather than by \
             an http(s) URL; an endpoint goes in `store.endpoint`"
        )));
    }
    let (scheme, _) = ObjectStoreScheme::parse(url)
        .map_err(|e| refused(format!("`{url}` is not a store location parquetframe opens: {e}")))?;
    let built = |e: object_store::Error| refused(format!("opening `{root}`: {e}"));
    // The common names, as each builder spells them.
    let spelled = |prefix: &str| -> Vec<(String, String)> {
        options
            .iter()
            .map(|(k, v)| {
                let k = match k.as_str() {
                    "endpoint" | "region" | "allow_http" => format!("{prefix}_{k}"),
                    other => other.to_owned(),
                };
                (k, v.clone())
            })
            .collect()
    };
    let unknown = |key: &str, kind: &str| {
        refused(format!(
            "`{key}` (store.options) is not an option of {kind} stores: see object_store's {kind} \
             configuration keys, and docs/object-storage.md"
        ))
    };
    let _ = (&built, &spelled, &unknown);
    match scheme {
        #[cfg(feature = "s3")]
        ObjectStoreScheme::AmazonS3 => {
            let mut builder = object_store::aws::AmazonS3Builder::from_env().with_url(url.as_str());
            for (k, v) in spelled("aws") {
                let key = k.to_ascii_lowercase().parse().map_err(|_| unknown(&k, "s3://"))?;
                builder = builder.with_config(key, v);
            }
            Ok(Arc::new(builder.build().map_err(built)?))
        }
        #[cfg(feature = "gcs")]
        ObjectStoreScheme::GoogleCloudStorage => {
            let mut builder = object_store::gcp::GoogleCloudStorageBuilder::from_env().with_url(url.as_str());
            // `store.endpoint`, `store.region` and `store.allow_http` do not apply to GCS.
            let own =
                options.iter().filter(|(k, _)| !matches!(k.as_str(), "endpoint" | "region" | "allow_http"));
            for (k, v) in own {
                let key = k.to_ascii_lowercase().parse().map_err(|_| unknown(k, "gs://"))?;
                builder = builder.with_config(key, v);
            }
            Ok(Arc::new(builder.build().map_err(built)?))
        }
        #[cfg(feature = "azure")]
        ObjectStoreScheme::MicrosoftAzure => {
            let mut builder = object_store::azure::MicrosoftAzureBuilder::from_env().with_url(url.as_str());
            // `store.region` does not apply to Azure.
            for (k, v) in spelled("azure").into_iter().filter(|(k, _)| k != "azure_region") {
                let k = if k == "azure_endpoint" { "azure_storage_endpoint".to_owned() } else { k };
                let key = k.to_ascii_lowercase().parse().map_err(|_| unknown(&k, "az://"))?;
                builder = builder.with_config(key, v);
            }
            Ok(Arc::new(builder.build().map_err(built)?))
        }
        other => {
            let feature = match other {
                ObjectStoreScheme::AmazonS3 => Some("s3"),
                ObjectStoreScheme::GoogleCloudStorage => Some("gcs"),
                ObjectStoreScheme::MicrosoftAzure => Some("azure"),
                _ => None,
            };
            Err(refused(match feature {
                Some(feature) => {
                    format!("`{url}` needs parquetframe's cargo feature `{feature}`, which this build lacks")
                }
                None => format!(
                    "`{url}`: stores live in a local directory or at a memory://, s3://, gs://, az:// or \
                     abfss:// URL"
                ),
            }))
        }
    }
}
