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

/// The store on the credential-checking server (`scripts/s3.sh`) with
/// `key` and `secret`; `None` (with the reason printed) without it.
fn with_credentials(name: &str, key: &str, secret: &str) -> Option<Result<Store, Error>> {
    let Ok(endpoint) = std::env::var("PF_TEST_S3_AUTH_ENDPOINT") else {
        eprintln!("skipped: PF_TEST_S3_AUTH_ENDPOINT is not set (run under scripts/s3.sh run)");
        return None;
    };
    let url = format!("s3://parquetframe-auth/{name}-{}", std::process::id());
    Some(
        Store::builder()
            .isolated()
            .root(url.as_str())
            .set("store.endpoint", &endpoint)
            .set("store.allow_http", true)
            .set(
                "store.options",
                std::collections::BTreeMap::from([
                    ("aws_access_key_id", key),
                    ("aws_secret_access_key", secret),
                ]),
            )
            .open(),
    )
}

/// A server that checks credentials: the right key works; an unknown key
/// or a wrong secret is refused with an error naming the URL, the
/// operation and the server's reason, and nothing is written.
#[test]
fn wrong_credentials_are_errors_naming_the_url_and_the_operation() {
    let (Ok(key), Ok(secret)) =
        (std::env::var("PF_TEST_S3_AUTH_KEY"), std::env::var("PF_TEST_S3_AUTH_SECRET"))
    else {
        eprintln!("skipped: PF_TEST_S3_AUTH_KEY is not set (run under scripts/s3.sh run)");
        return;
    };
    let Some(store) = with_credentials("creds", &key, &secret) else { return };
    let store = store.unwrap();
    store.save_all(&users(10)).unwrap();
    assert_eq!(store.count::<User>().unwrap(), 10);

    for (what, key, secret, reason) in [
        ("unknown-key", "AKIAPARQUETFRAME0000", secret.as_str(), "InvalidAccessKeyId"),
        ("wrong-secret", key.as_str(), "not-the-secret", "SignatureDoesNotMatch"),
    ] {
        let Some(store) = with_credentials("creds", key, secret) else { return };
        let store = store.unwrap();
        let err = store.save(&user(1, "a")).unwrap_err().to_string();
        eprintln!("{what}: {err}");
        let url = format!("s3://parquetframe-auth/creds-{}", std::process::id());
        assert!(err.contains(&url), "{what}: {err}");
        assert!(err.contains(reason) || err.contains("403"), "{what}: {err}");
        assert!(err.contains("refused these credentials"), "{what}: {err}");
        let err = store.count::<User>().unwrap_err().to_string();
        assert!(err.contains(&url) && (err.contains(reason) || err.contains("403")), "{what}: {err}");
        // The secret is never part of a message.
        assert!(!err.contains(secret), "{what}: {err}");
    }
    // The refused writers changed nothing.
    assert_eq!(store.load_all::<User>().unwrap().len(), 10);
    // The table's creation and the first save.
    assert_eq!(store.history::<User>().unwrap().len(), 2);
}
