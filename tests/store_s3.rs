//! The store in an S3 bucket, on the local S3 server `scripts/s3.sh` starts
//! (moto): the object-storage suite over `s3://`. Skipped, with the reason
//! printed, when `PF_TEST_S3` does not name a bucket; `.ci/run`
//! always runs it against the server.

include!("common/object_suite.rs");

#[path = "common/s3_prefix.rs"]
mod s3_prefix;

/// A fresh prefix of the test bucket for one test.
fn root(name: &str) -> Option<String> {
    s3_prefix::s3_prefix(name)
}

/// A bucket that does not exist: the error names the URL and what was
/// being done, and nothing is left behind.
#[test]
fn a_missing_bucket_is_an_error_naming_the_url() {
    let Some(_) = root("missing") else { return };
    let store = Store::open("s3://parquetframe-no-such-bucket/store").unwrap();
    let err = store.save(&user(1, "a")).unwrap_err().to_string();
    assert!(err.contains("s3://parquetframe-no-such-bucket"), "{err}");
    let err = store.count::<User>().unwrap_err().to_string();
    assert!(err.contains("s3://parquetframe-no-such-bucket/store/users"), "{err}");
}

/// The endpoint, region, plain HTTP and credentials from the configuration
/// (`[store]` keys) rather than the environment; the secret shown masked.
#[test]
fn configuration_keys_reach_the_bucket_client_and_secrets_are_masked() {
    let Some(url) = root("configured") else { return };
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap();
    let store = Store::builder()
        .isolated()
        .root(url.as_str())
        .set("store.endpoint", &endpoint)
        .set("store.region", "us-east-1")
        .set("store.allow_http", true)
        .set(
            "store.options",
            std::collections::BTreeMap::from([
                ("aws_access_key_id", "parquetframe-test"),
                ("aws_secret_access_key", "parquetframe-test"),
            ]),
        )
        .open()
        .unwrap();
    store.save(&user(1, "a")).unwrap();
    assert_eq!(store.count::<User>().unwrap(), 1);
    let settings = store.effective_config().unwrap();
    let options = settings.iter().find(|s| s.key == "store.options").unwrap();
    // Masked: no more than the last 4 characters of a secret are shown.
    assert!(options.value.contains("aws_secret_access_key = \"***test\""), "{}", options.value);
    assert!(options.value.contains("aws_access_key_id = \"***test\""), "{}", options.value);
    assert!(!options.value.contains("parquetframe-test"), "{}", options.value);
    let shown = settings.iter().find(|s| s.key == "store.endpoint").unwrap();
    assert_eq!(shown.value, format!("{endpoint:?}"));
    // An option the client does not know is an error naming it.
    let err = Store::builder()
        .isolated()
        .root(format!("{url}-typo").as_str())
        .set("store.options", std::collections::BTreeMap::from([("aws_secret_acess_key", "x")]))
        .open()
        .unwrap_err()
        .to_string();
    assert!(err.contains("aws_secret_acess_key"), "{err}");
}
