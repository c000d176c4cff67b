//! The S3 test bucket of `scripts/s3.sh`, shared by the tests that need it.

/// A fresh prefix `<bucket>/<name>-<pid>-<nanos>` of the bucket
/// `PF_TEST_S3` names, or `None` (the reason printed) when it names none.
pub fn s3_prefix(name: &str) -> Option<String> {
    let Ok(bucket) = std::env::var("PF_TEST_S3") else {
        eprintln!("skipped: PF_TEST_S3 is not set (run under `scripts/s3.sh run`)");
        return None;
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    Some(format!("{}/{name}-{}-{nanos}", bucket.trim_end_matches('/'), std::process::id()))
}
