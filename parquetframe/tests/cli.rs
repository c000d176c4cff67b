//! `pframe` end to end: a store written through the typed API, read back by
//! the command-line tool from its catalog alone.

use std::path::Path;

use assert_cmd::Command;
use parquetframe::prelude::*;
use serde_json::Value;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
    pub name: String,
    pub age: i32,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "orders/", primary_key = "order_id", format = "avro")]
pub struct Order {
    pub order_id: i64,
    #[relation(User, inverse = "orders")]
    pub user_id: i64,
    pub total: f64,
}

fn store(dir: &Path, orphans: bool) -> Store {
    let store = Store::builder().root(dir).isolated().open().unwrap();
    let users: Vec<User> =
        (0..20).map(|i| User { user_id: i, name: format!("u{i}"), age: 10 + i as i32 * 3 }).collect();
    store.save_all(&users).unwrap();
    store.save(&User { user_id: 0, name: "zero".into(), age: 99 }).unwrap();
    store.delete::<User>(&19).unwrap();
    let top = if orphans { 25 } else { 19 };
    let orders: Vec<Order> =
        (0..60).map(|i| Order { order_id: i, user_id: i % top, total: i as f64 }).collect();
    store.save_all(&orders).unwrap();
    store
}

/// `pframe` isolated from the developer's configuration.
fn pframe(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("pframe").unwrap();
    cmd.current_dir(dir);
    for (var, _) in std::env::vars().filter(|(k, _)| k.starts_with("PARQUETFRAME_")) {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1");
    cmd
}

fn json(cmd: &mut Command) -> Value {
    let out = cmd.arg("--json").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn text(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn inspect_a_store_an_entity_and_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir.path().join("lake"), false);
    let lake = store.root();

    let v = json(pframe(dir.path()).args(["inspect", "lake"]));
    let users = v["entities"].as_array().unwrap().iter().find(|e| e["entity"] == "User").unwrap().clone();
    assert_eq!(users["live_rows"], 19);
    assert_eq!(users["files_with_deletion_vectors"], 1);
    assert_eq!(users["table"], "delta");
    assert!(users["commits"].as_u64().unwrap() >= 3, "{users}");
    assert_eq!(users["recent_commits"][0]["operation"], "DELETE");
    assert!(users["readers"].as_str().unwrap().contains("Delta"));
    assert_eq!(users["format"], "parquet");

    let v = json(pframe(dir.path()).args(["inspect", "lake/orders"]));
    assert_eq!(
        (v["entity"].as_str(), v["live_rows"].as_u64(), v["format"].as_str()),
        (Some("Order"), Some(60), Some("avro"))
    );
    assert_eq!(v["relations"][0]["target"], "User");
    assert_eq!(v["schema"].as_array().unwrap().len(), 3);
    assert_eq!(v["codecs"][0], "zstandard");

    let file = std::fs::read_dir(lake.join("users/data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with("part-"));
    let v = json(pframe(dir.path()).arg("inspect").arg(file.unwrap()));
    assert_eq!((v["kind"].as_str(), v["format"].as_str()), (Some("file"), Some("parquet")));
    assert!(v["rows"].as_u64().unwrap() >= 1 && v["row_groups"].as_u64().unwrap() >= 1);
    assert_eq!(v["codecs"][0], "zstandard");

    let table = text(pframe(dir.path()).args(["inspect", "lake"]));
    assert!(table.contains("User") && table.contains("Order") && table.contains("live rows"), "{table}");

    // Exit code 2 and the path named for what does not exist.
    let out = pframe(dir.path()).args(["inspect", "nowhere.parquet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nowhere.parquet"));
}

#[test]
fn head_query_and_sql_see_live_rows_only() {
    let dir = tempfile::tempdir().unwrap();
    store(&dir.path().join("lake"), false);

    let v = json(pframe(dir.path()).args(["head", "lake/users", "-n", "3"]));
    assert_eq!(v.as_array().unwrap().len(), 3);

    for engine in ["auto", "memory", "lazy", "streaming"] {
        let v = json(pframe(dir.path()).args([
            "query",
            "lake/users",
            "--filter",
            "age >= 40 and name != 'u12'",
            "--select",
            "user_id,name",
            "--engine",
            engine,
        ]));
        let rows = v.as_array().unwrap();
        // ages 10 + 3i >= 40: i in 10..=18 (19 deleted), minus u12; user 0 became 99.
        assert_eq!(rows.len(), 9, "{engine}: {v}");
        assert!(rows.iter().all(|r| r.as_object().unwrap().len() == 2));
        assert!(rows.iter().any(|r| r["name"] == "zero"));
    }
    let v = json(pframe(dir.path()).args([
        "query",
        "lake/orders",
        "--filter",
        "user_id in (1, 2)",
        "--limit",
        "4",
    ]));
    assert_eq!(v.as_array().unwrap().len(), 4);

    let v = json(pframe(dir.path()).args(["query", "lake/users", "--filter", "age < 20", "--explain"]));
    assert!(
        v["engine"].is_string() && v["polars_plan"].as_str().unwrap().contains("FILTER")
            || v["polars_plan"].as_str().unwrap().contains("SELECTION"),
        "{v}"
    );
    // One-shot commands keep no cache: auto reads the files with pushdown.
    let v = json(pframe(dir.path()).args(["query", "lake/users", "--explain"]));
    assert_eq!(v["engine"], "lazy", "{v}");
    assert!(v["reasons"].to_string().contains("performance.cache_mb = 0"), "{v}");
    let v = json(
        pframe(dir.path()).args(["query", "lake/users", "--explain"]).env("PARQUETFRAME_CACHE_MB", "64"),
    );
    assert_eq!(v["engine"], "memory", "{v}");
    let t = text(pframe(dir.path()).args(["query", "lake/users", "--engine", "lazy", "--explain"]));
    assert!(t.contains("lazy"), "{t}");

    let v = json(pframe(dir.path()).args([
        "sql", "--root", "lake",
        "SELECT u.name, count(*) AS n FROM orders o JOIN User u ON o.user_id = u.user_id GROUP BY u.name ORDER BY n DESC, u.name LIMIT 2",
    ]));
    assert_eq!(v[0]["n"], 4);

    let out = pframe(dir.path()).args(["query", "lake/users", "--filter", "age >"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--filter"));
    let out = pframe(dir.path()).args(["query", "lake"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("several entities"));
    // With --json, the error is JSON too.
    let out = pframe(dir.path()).args(["--json", "query", "lake"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let error: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert!(error["error"].as_str().unwrap().contains("several entities"), "{error}");
}

#[test]
fn validate_and_graph_from_the_catalog_with_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    store(&dir.path().join("good"), false);
    store(&dir.path().join("bad"), true);

    let v = json(pframe(dir.path()).args(["validate", "--root", "good"]));
    assert_eq!(v["ok"], true);
    let out = pframe(dir.path()).args(["--json", "validate", "--root", "bad"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // user_id = i % 25 for i < 60: 19..=24 do not exist (19 was deleted).
    let orphans = (0..60).filter(|i| i % 25 >= 19).count();
    assert_eq!(v["relations"][0]["orphans"], orphans);
    let out = pframe(dir.path()).args(["validate", "--root", "bad"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Order"));
    let out = pframe(dir.path()).args(["validate", "--root", "missing"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a parquetframe store"));
    // On the cluster, with none configured: an error that says what to set.
    let out = pframe(dir.path()).args(["validate", "--root", "good", "--on-cluster"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let why =
        if cfg!(feature = "distributed") { "PARQUETFRAME_CLUSTER=df://" } else { "feature `distributed`" };
    assert!(err.contains(why), "{err}");

    // Tracing: the operation's span with its figures, and the profile's stage tree.
    let out = pframe(dir.path())
        .args(["validate", "--root", "good"])
        .env("PARQUETFRAME_LOG", "debug")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("validate{") && log.contains("orphans=0") && log.contains("duration_ms="), "{log}");
    assert!(!log.contains('\x1b'), "no colour off a terminal: {log}");
    let out = pframe(dir.path())
        .args(["validate", "--root", "good"])
        .env("PARQUETFRAME_PROFILE", "1")
        .output()
        .unwrap();
    let profile = String::from_utf8_lossy(&out.stderr);
    assert!(
        profile.contains("profile: validate")
            && profile.contains("\n  keys ")
            && profile.contains("\n  probe "),
        "{profile}"
    );

    let t = text(pframe(dir.path()).args(["graph", "--root", "good", "--format", "mermaid"]));
    assert!(t.starts_with("erDiagram") && t.contains("User ||--o{ Order"), "{t}");
    let t = text(pframe(dir.path()).args(["graph", "--root", "good", "--format", "dot"]));
    assert!(t.contains("digraph"), "{t}");
    let t = text(pframe(dir.path()).args(["graph", "--root", "good"]));
    assert!(t.contains("Order.user_id -> User (required"), "{t}");
    let v = json(pframe(dir.path()).args(["graph", "--root", "good"]));
    assert_eq!(v["order"], serde_json::json!(["User", "Order"]));
}

#[test]
fn convert_between_formats_and_compact() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir.path().join("lake"), false);
    let expected = store.count::<User>().unwrap();
    for ext in ["parquet", "avro", "csv", "ndjson", "arrow"] {
        let out = dir.path().join(format!("users.{ext}"));
        text(pframe(dir.path()).arg("convert").arg("lake/users").arg(&out));
        // Back through another format: the same rows.
        let again = dir.path().join(format!("again-{ext}.parquet"));
        text(pframe(dir.path()).arg("convert").arg(&out).arg(&again));
        let frame = parquetframe::read(&again).unwrap().collect().unwrap();
        assert_eq!(frame.height(), expected, "{ext}");
        assert_eq!(frame.get_column_names().len(), 3, "{ext}");
    }
    let out = pframe(dir.path()).args(["convert", "lake/users", "x.xlsx"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".xlsx"));

    let before = store.load_all::<User>().unwrap();
    let v = json(pframe(dir.path()).args(["compact", "--root", "lake", "User"]));
    assert_eq!((v[0]["files_after"].as_u64(), v[0]["rows"].as_u64()), (Some(1), Some(expected as u64)));
    assert_eq!(store.load_all::<User>().unwrap(), before);
    assert_eq!(store.snapshot::<User>().unwrap().files.len(), 1);
}

#[test]
fn convert_refuses_an_existing_output_without_force_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir.path().join("lake"), false);
    let expected = store.count::<User>().unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    for ext in ["parquet", "avro", "csv", "ndjson", "arrow"] {
        let out = out_dir.join(format!("users.{ext}"));
        // A file of the user's that an older pframe used as its fixed temporary name.
        let bystander = out_dir.join(format!("users.{ext}.tmp"));
        std::fs::write(&bystander, b"mine").unwrap();
        std::fs::write(&out, b"keep me").unwrap();
        let refused = pframe(dir.path()).arg("convert").arg("lake/users").arg(&out).output().unwrap();
        assert_eq!(refused.status.code(), Some(2), "{ext}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains("--force") && stderr.contains(&format!("users.{ext}")), "{ext}: {stderr}");
        assert_eq!(std::fs::read(&out).unwrap(), b"keep me", "{ext}: the existing output changed");

        text(pframe(dir.path()).arg("convert").arg("lake/users").arg(&out).arg("--force"));
        let frame = parquetframe::read(&out).unwrap().collect().unwrap();
        assert_eq!(frame.height(), expected, "{ext}");
        assert_eq!(std::fs::read(&bystander).unwrap(), b"mine", "{ext}: a file beside the output changed");
    }
    // A conversion that fails leaves the directory as it was.
    let before: Vec<_> = std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    let failed =
        pframe(dir.path()).arg("convert").arg("lake/missing").arg(out_dir.join("x.csv")).output().unwrap();
    assert_eq!(failed.status.code(), Some(2));
    let mut after: Vec<_> = std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    let mut before = before;
    before.sort();
    after.sort();
    assert_eq!(before, after, "no temporary file is left behind");
}

#[test]
fn config_lists_every_key_with_its_origin() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("parquetframe.toml"), "[engine]\nmemory_limit_mb = 64\n").unwrap();
    let v = json(pframe(dir.path()).arg("config").env("PARQUETFRAME_ENGINE", "lazy"));
    let find = |key: &str| v.as_array().unwrap().iter().find(|s| s["key"] == key).unwrap().clone();
    assert_eq!(find("engine.default")["origin"], "PARQUETFRAME_ENGINE=lazy");
    assert!(find("engine.memory_limit_mb")["origin"].as_str().unwrap().ends_with("parquetframe.toml"));
    assert_eq!(find("performance.cache_mb")["origin"], "default");
    let t = text(pframe(dir.path()).arg("config"));
    assert!(t.contains("engine.memory_limit_mb") && t.contains("64"), "{t}");
    // A bad configuration: exit 2, the key and its source named.
    let out = pframe(dir.path()).arg("config").env("PARQUETFRAME_CACHE_MB", "many").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PARQUETFRAME_CACHE_MB=many"));
    // Nothing on stderr when all is well (no progress bars off a terminal).
    let out = pframe(dir.path()).arg("config").output().unwrap();
    assert!(out.stderr.is_empty());
}

#[test]
fn history_and_vacuum() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir.path().join("lake"), false);
    let v = json(pframe(dir.path()).args(["history", "User", "--root", "lake"]));
    let ops: Vec<&str> = v.as_array().unwrap().iter().map(|c| c["operation"].as_str().unwrap()).collect();
    assert_eq!(ops.first(), Some(&"CREATE TABLE"));
    assert_eq!(ops.last(), Some(&"DELETE"));
    let versions = |args: &[&str]| -> Vec<u64> {
        let mut all = vec!["history", "User", "--root", "lake"];
        all.extend_from_slice(args);
        json(pframe(dir.path()).args(all))
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["version"].as_u64().unwrap())
            .collect()
    };
    let newest = v.as_array().unwrap().last().unwrap()["version"].as_u64().unwrap();
    assert_eq!(versions(&["--from", "1", "--to", "2"]), vec![1, 2]);
    assert_eq!(versions(&["--limit", "2"]), vec![newest - 1, newest]);
    assert_eq!(versions(&["--to", "1", "--limit", "1"]), vec![1]);
    assert!(versions(&["--from", "999"]).is_empty());
    let live = store.load_all::<User>().unwrap().len();
    json(pframe(dir.path()).args(["compact", "User", "--root", "lake"]));
    // Within the default retention nothing goes; with 0 hours the replaced files do.
    let v = json(pframe(dir.path()).args(["vacuum", "--root", "lake"]));
    assert!(v.as_array().unwrap().iter().all(|e| e["files_removed"].as_array().unwrap().is_empty()), "{v}");
    let v = json(pframe(dir.path()).args(["vacuum", "User", "--retention-hours", "0", "--root", "lake"]));
    assert!(!v[0]["files_removed"].as_array().unwrap().is_empty(), "{v}");
    assert_eq!(store.load_all::<User>().unwrap().len(), live);
    let err = pframe(dir.path()).args(["history", "Nope", "--root", "lake"]).output().unwrap();
    assert_eq!(err.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&err.stderr).contains("Nope"));
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "payments/", primary_key = "payment_id")]
pub struct Payment {
    pub payment_id: i64,
    #[relation(User, inverse = "payments")]
    pub user_id: i64,
}

/// Every `pframe` command on a store in an S3 bucket (the local server of
/// `scripts/s3.sh`), by its URL. Needs `PF_TEST_S3`; the AWS_* variables
/// reach `pframe` through the environment.
#[test]
fn every_command_on_a_store_in_a_bucket() {
    let Ok(bucket) = std::env::var("PF_TEST_S3") else {
        eprintln!("skipped: PF_TEST_S3 is not set (run under `scripts/s3.sh run`)");
        return;
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let root = format!("{bucket}/cli-{}-{nanos}", std::process::id());
    let store = Store::open(&root).unwrap();
    let users: Vec<User> =
        (0..20).map(|i| User { user_id: i, name: format!("u{i}"), age: 10 + i as i32 * 3 }).collect();
    store.save_all(&users).unwrap();
    store.save(&User { user_id: 0, name: "zero".into(), age: 99 }).unwrap();
    store.delete::<User>(&19).unwrap();
    store.save_all(&(0..30).map(|i| Payment { payment_id: i, user_id: i % 25 }).collect::<Vec<_>>()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let users_url = format!("{root}/users");

    let v = json(pframe(dir.path()).args(["inspect", &root]));
    assert_eq!(v["entities"].as_array().map(Vec::len), Some(2), "{v}");
    let v = json(pframe(dir.path()).args(["inspect", &users_url]));
    assert_eq!(v["live_rows"], 19, "{v}");
    let v = json(pframe(dir.path()).args(["head", &users_url, "-n", "3"]));
    assert_eq!(v.as_array().unwrap().len(), 3);
    for engine in ["auto", "memory", "lazy", "streaming"] {
        let v =
            json(pframe(dir.path()).args(["query", &users_url, "--filter", "age >= 40", "--engine", engine]));
        // ages 10 + 3i >= 40: i in 10..=18 (19 deleted); user 0 became 99.
        assert_eq!(v.as_array().unwrap().len(), 10, "{engine}: {v}");
    }
    let v = json(pframe(dir.path()).args(["sql", "--root", &root, "SELECT count(*) AS n FROM users"]));
    assert_eq!(v[0]["n"], 19, "{v}");
    // user_id = i % 25 for i < 30: 19..=24 do not exist.
    let out = pframe(dir.path()).args(["--json", "validate", "--root", &root]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["relations"][0]["orphans"], (0..30).filter(|i| i % 25 >= 19).count());
    let graph = text(pframe(dir.path()).args(["graph", "--root", &root]));
    assert!(graph.contains("Payment") && graph.contains("User"), "{graph}");
    let v = json(pframe(dir.path()).args(["history", "User", "--root", &root]));
    assert_eq!(v.as_array().unwrap().last().unwrap()["operation"], "DELETE");
    json(pframe(dir.path()).args(["compact", "User", "--root", &root]));
    let v = json(pframe(dir.path()).args(["vacuum", "User", "--retention-hours", "0", "--root", &root]));
    assert!(!v[0]["files_removed"].as_array().unwrap().is_empty(), "{v}");
    assert_eq!(store.load_all::<User>().unwrap().len(), 19);
    // A prefix holding no store is an error naming it.
    let out = pframe(dir.path()).args(["inspect", &format!("{bucket}/nothing-here")]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing-here"));
}
