//! Interop with real Python clients (pyarrow, polars, DuckDB). Runs when
//! `PF_PYTHON` names an interpreter that has them (`.ci/run` sets it up with
//! `scripts/python-env.sh`); otherwise each test says it was skipped.

#[path = "common/s3_prefix.rs"]
mod s3_prefix;

use std::path::PathBuf;
use std::process::Command;

use chrono::{DateTime, Utc};
use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub age: i32,
    pub score: f64,
    pub active: bool,
    pub signup: DateTime<Utc>,
    pub tags: Vec<String>,
}

/// References `User`; 1 in 6 purchases names a user that does not exist.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "purchases/", primary_key = "purchase_id")]
pub struct Purchase {
    pub purchase_id: i64,
    #[relation(User, inverse = "purchases")]
    pub user_id: i64,
    #[relation(User, inverse = "gifts", name = "recipient")]
    pub gift_for: Option<i64>,
}

/// Columns Delta Lake has no type for, stored as the exact Delta type.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "readings/", primary_key = "id")]
pub struct Reading {
    pub id: u64,
    pub small: u8,
    pub wide: Option<u32>,
    pub at: chrono::NaiveTime,
    pub took: chrono::TimeDelta,
    pub tag: uuid::Uuid,
    pub counts: Vec<u64>,
}

fn python() -> Option<PathBuf> {
    let python = std::env::var_os("PF_PYTHON").map(PathBuf::from);
    if python.is_none() {
        eprintln!(
            "skipped: set PF_PYTHON to a Python with pyarrow, polars and duckdb (scripts/python-env.sh)"
        );
    }
    python
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop").join(name)
}

fn run(python: &PathBuf, args: &[&std::ffi::OsStr]) {
    let out = Command::new(python).args(args).output().expect("python runs");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stdout));
}

fn user(i: i64, version: &str) -> User {
    User {
        user_id: i,
        name: format!("{version}-user-{i} ünï"),
        email: (i % 4 != 0).then(|| format!("u{i}@example.org")),
        age: 18 + (i % 60) as i32,
        score: i as f64 / 8.0,
        active: i % 3 == 0,
        signup: DateTime::from_timestamp_micros(1_600_000_000_000_000 + i * 1_234_567).unwrap(),
        tags: (0..i % 3).map(|t| format!("tag{t}")).collect(),
    }
}

fn expected_json(users: &[User]) -> String {
    let rows: Vec<serde_json::Value> = users
        .iter()
        .map(|u| {
            serde_json::json!({
                "user_id": u.user_id, "name": u.name, "email": u.email, "age": u.age, "score": u.score,
                "active": u.active, "signup": u.signup.timestamp_micros(), "tags": u.tags,
            })
        })
        .collect();
    serde_json::to_string(&rows).unwrap()
}

#[test]
fn python_readers_get_the_live_rows_from_the_compacted_table() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut users: Vec<User> = (0..500).map(|i| user(i, "v1")).collect();
    store.save_all(&users).unwrap();
    for i in (0..500).step_by(37) {
        users[i as usize] = user(i, "v2");
        store.save(&users[i as usize]).unwrap();
    }
    for i in [3i64, 99, 250] {
        assert!(store.delete::<User>(&i).unwrap());
    }
    users.retain(|u| ![3, 99, 250].contains(&u.user_id));
    let expected = dir.path().join("expected.json");
    std::fs::write(&expected, expected_json(&users)).unwrap();
    let args = |root: &std::path::Path| {
        vec![
            script("check_store.py").into_os_string(),
            root.as_os_str().to_owned(),
            "User".into(),
            expected.clone().into_os_string(),
        ]
    };
    let a = args(dir.path());
    // Plain Parquet readers know nothing of deletion vectors: after
    // compaction the table is one file holding exactly the live rows.
    // (Delta engines read it at every step: `delta_engines_read_exactly_the_live_rows`.)
    store.compact::<User>().unwrap();
    assert_eq!(store.snapshot::<User>().unwrap().files.len(), 1);
    run(&python, &a.iter().map(|s| s.as_os_str()).collect::<Vec<_>>());
}

#[test]
fn a_file_written_by_pyarrow_loads_into_entities() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("from_pyarrow.parquet");
    run(&python, &[script("write_pyarrow.py").as_os_str(), file.as_os_str()]);
    let users = User::read_file(&file).unwrap();
    assert_eq!(users.len(), 50);
    let base = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").unwrap().with_timezone(&Utc);
    for (i, u) in users.iter().enumerate() {
        let i = i as i64;
        assert_eq!(u.user_id, i);
        assert_eq!(u.name, format!("py-{i}"));
        assert_eq!(u.email, (i % 3 != 0).then(|| format!("{i}@py.org")));
        assert_eq!(u.age, 20 + (i % 30) as i32);
        assert_eq!(u.signup, base + chrono::Duration::seconds(i));
        assert_eq!(u.tags.len() as i64, i % 3);
    }
    // And into a store, from where pyarrow reads them back.
    let store = Store::open(dir.path().join("store")).unwrap();
    store.save_all(&users).unwrap();
    assert_eq!(store.count::<User>().unwrap(), 50);
}

#[test]
fn fastavro_parses_the_schema_and_agrees_on_canonical_form_and_fingerprint() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.json");
    std::fs::write(&path, User::avro_schema_json().to_string()).unwrap();
    let out = Command::new(&python).arg(script("avro_schema.py")).arg(&path).output().expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "fastavro rejected the schema: {}", String::from_utf8_lossy(&out.stderr));
    let line =
        |prefix: &str| stdout.lines().find_map(|l| l.strip_prefix(prefix)).unwrap_or_default().to_owned();
    assert_eq!(line("canonical "), User::avro_canonical_form());
    // fastavro prints the fingerprint's bytes in little-endian order, as written
    // in single-object encoding.
    let ours: String = User::avro_fingerprint().to_le_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(line("fingerprint "), ours);
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "avro_users/", primary_key = "user_id", format = "avro", name = "AvroUser")]
pub struct AvroUser {
    pub user_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub age: i32,
    pub score: f64,
    pub active: bool,
    pub signup: DateTime<Utc>,
    pub tags: Vec<String>,
}

fn avro_user(u: User) -> AvroUser {
    let User { user_id, name, email, age, score, active, signup, tags } = u;
    AvroUser { user_id, name, email, age, score, active, signup, tags }
}

#[test]
fn fastavro_reads_our_files_with_every_codec_and_gets_equal_records() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let users: Vec<User> = (0..3000).map(|i| user(i, "avro")).collect();
    let expected = dir.path().join("expected.json");
    std::fs::write(&expected, expected_json(&users)).unwrap();
    for name in parquetframe::avro::Codec::NAMES {
        let file = dir.path().join(format!("ours-{name}.avro"));
        User::write_file_with(&file, &users, parquetframe::avro::Codec::from_name(name).unwrap()).unwrap();
        run(
            &python,
            &[
                script("fastavro_files.py").as_os_str(),
                "read".as_ref(),
                file.as_os_str(),
                expected.as_os_str(),
            ],
        );
    }
}

#[test]
fn fastavro_reads_the_live_rows_of_an_avro_entity() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut users: Vec<User> = (0..400).map(|i| user(i, "v1")).collect();
    store.save_all(&users.iter().cloned().map(avro_user).collect::<Vec<_>>()).unwrap();
    for i in (0..400).step_by(29) {
        users[i as usize] = user(i, "v2");
        store.save(&avro_user(users[i as usize].clone())).unwrap();
    }
    assert!(store.delete::<AvroUser>(&7).unwrap());
    users.retain(|u| u.user_id != 7);
    let expected = dir.path().join("expected.json");
    std::fs::write(&expected, expected_json(&users)).unwrap();
    // Avro tools read files without deletion vectors: compacted, the table is
    // one file of exactly the live records.
    store.compact::<AvroUser>().unwrap();
    let args =
        [script("check_store.py").into_os_string(), dir.path().into(), "AvroUser".into(), expected.into()];
    run(&python, &args.iter().map(|s| s.as_os_str()).collect::<Vec<_>>());
}

#[test]
fn files_written_by_fastavro_load_with_every_codec() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    run(&python, &[script("fastavro_files.py").as_os_str(), "write".as_ref(), dir.path().as_os_str()]);
    let base = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").unwrap().with_timezone(&Utc);
    for name in ["null", "deflate", "snappy", "zstandard", "bzip2", "xz"] {
        let file = dir.path().join(format!("py-{name}.avro"));
        let blocks = parquetframe::avro::AvroFile::open(&file).unwrap().blocks().len();
        assert!(blocks > 10, "fastavro wrote {blocks} blocks");
        let users = User::read_file(&file).unwrap();
        assert_eq!(users.len(), 1000, "{name}");
        for (i, u) in users.iter().enumerate() {
            let i = i as i64;
            let expected = User {
                user_id: i,
                name: format!("py-{i} ünï"),
                email: (i % 3 != 0).then(|| format!("{i}@py.org")),
                age: 20 + (i % 30) as i32,
                score: i as f64 / 4.0,
                active: i % 2 == 0,
                signup: base + chrono::Duration::milliseconds(i),
                tags: (0..i % 3).map(|t| format!("t{t}")).collect(),
            };
            assert_eq!(u, &expected, "{name}");
        }
    }
}

#[test]
fn duckdb_counts_the_same_orphans_from_the_catalog_alone() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&(0..100).map(|i| user(i, "v1")).collect::<Vec<_>>()).unwrap();
    let purchases: Vec<Purchase> = (0..600)
        .map(|i| Purchase {
            purchase_id: i,
            user_id: if i % 6 == 5 { 1000 + i } else { i % 100 },
            gift_for: (i % 4 == 0).then_some(i % 130),
        })
        .collect();
    store.save_all(&purchases).unwrap();
    // Deleting a referenced user is refused (restrict) and changes nothing.
    assert!(store.delete::<User>(&7).is_err());
    store.compact::<User>().unwrap();
    store.compact::<Purchase>().unwrap();
    let report = store.validate().unwrap();
    let user_orphans = report.relation("Purchase", "user_id").unwrap().orphans;
    let gift_orphans = report.relation("Purchase", "gift_for").unwrap().orphans;
    assert_eq!(user_orphans, 100);
    assert_eq!(gift_orphans, (0..600).filter(|i| i % 4 == 0 && i % 130 >= 100).count());
    let expected = dir.path().join("orphans.json");
    let json = serde_json::json!({ "Purchase.user_id": user_orphans, "Purchase.gift_for": gift_orphans });
    std::fs::write(&expected, json.to_string()).unwrap();
    run(&python, &[script("orphans.py").as_os_str(), dir.path().as_os_str(), expected.as_os_str()]);
}

/// `read()` gets the same answer from files pyarrow, polars and fastavro
/// wrote; pyarrow and fastavro read what a query wrote back.
#[test]
fn read_queries_files_of_python_clients_and_they_read_the_results() {
    use parquetframe::{col, read};
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(&python)
        .arg(script("query_formats.py"))
        .arg("write")
        .arg(dir.path())
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let expected: std::collections::BTreeMap<String, f64> =
        serde_json::from_slice(String::from_utf8_lossy(&out.stdout).trim().as_bytes()).unwrap();
    for name in ["people.parquet", "people.arrow", "people.csv", "people.ndjson", "people.avro"] {
        let df = read(dir.path().join(name))
            .unwrap()
            .filter(col("city").is_not_null())
            .group_by([col("city")])
            .agg([col("score").sum()])
            .collect()
            .unwrap();
        let cities = df.column("city").unwrap().str().unwrap().clone();
        // pyarrow writes 3.0 as "3" in CSV: polars infers integers there.
        let sums =
            df.column("score").unwrap().cast(&parquetframe::polars::prelude::DataType::Float64).unwrap();
        let sums = sums.f64().unwrap().clone();
        let got: std::collections::BTreeMap<String, f64> =
            cities.iter().zip(sums.iter()).map(|(c, s)| (c.unwrap().to_owned(), s.unwrap())).collect();
        assert_eq!(got, expected, "{name}");
    }
    let query = read(dir.path().join("people.avro")).unwrap().filter(col("score").gt(5.0));
    let rows = query.write_parquet(dir.path().join("out.parquet")).unwrap();
    query.write_avro(dir.path().join("out.avro"), parquetframe::avro::Codec::Deflate(6), None).unwrap();
    let sum: f64 = query.collect().unwrap().column("score").unwrap().f64().unwrap().into_no_null_iter().sum();
    run(
        &python,
        &[
            script("query_formats.py").as_os_str(),
            "check".as_ref(),
            dir.path().join("out.parquet").as_os_str(),
            dir.path().join("out.avro").as_os_str(),
            rows.to_string().as_ref(),
            sum.to_string().as_ref(),
        ],
    );
}

/// The interpreter of the second environment, with the Delta engines
/// (`scripts/python-env.sh delta`: DuckDB 1.4.4 and its delta extension,
/// polars, deltalake).
fn delta_python() -> Option<PathBuf> {
    let python = std::env::var_os("PF_DELTA_PYTHON").map(PathBuf::from);
    if python.is_none() {
        eprintln!("skipped: set PF_DELTA_PYTHON to the interpreter `scripts/python-env.sh delta` prints");
    }
    python
}

#[test]
fn delta_engines_read_exactly_the_live_rows_after_each_write() {
    let Some(python) = delta_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let table = dir.path().join("users");
    let expected = dir.path().join("expected.json");
    let check = |users: &[User], step: &str| {
        std::fs::write(&expected, expected_json(users)).unwrap();
        println!("after {step}:");
        let args = [
            script("delta_readers.py").into_os_string(),
            table.clone().into_os_string(),
            "User".into(),
            "user_id".into(),
            expected.clone().into_os_string(),
        ];
        run(&python, &args.iter().map(|s| s.as_os_str()).collect::<Vec<_>>());
    };
    let mut users: Vec<User> = (0..3000).map(|i| user(i, "v1")).collect();
    store.save_all(&users).unwrap();
    check(&users, "the first save");
    // Upserts: one row at a time (inline deletion vectors) and many at once
    // (2,500 rows: a vector past the 4 KiB inline limit, in a file); then a
    // checkpoint.
    for i in (0..300).step_by(37) {
        users[i as usize] = user(i, "v2");
        store.save(&users[i as usize]).unwrap();
    }
    let many: Vec<User> = (100..2600).map(|i| user(i, "v3")).collect();
    store.save_all(&many).unwrap();
    for u in many {
        let i = u.user_id as usize;
        users[i] = u;
    }
    // Readers start from a checkpoint from here on.
    store.checkpoint::<User>().unwrap();
    let dv_files = std::fs::read_dir(&table)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("deletion_vector_"))
        .count();
    assert!(dv_files >= 1, "the many-row upsert wrote its deletion vector to a file");
    check(&users, "upserts");
    let gone = [3i64, 99, 150, 250];
    assert_eq!(store.delete_all::<User>(&gone).unwrap(), 4);
    users.retain(|u| !gone.contains(&u.user_id));
    check(&users, "deletes");
    store.compact::<User>().unwrap();
    check(&users, "compaction");
}

/// A store in an S3 bucket (the local server of `scripts/s3.sh`): DuckDB
/// (delta and httpfs extensions), polars `scan_delta` and deltalake read
/// exactly the live rows from the bucket after upserts, deletes and a
/// compaction. Needs `PF_DELTA_PYTHON` and `PF_TEST_S3`.
#[test]
fn delta_engines_read_the_live_rows_from_a_bucket() {
    let Some(python) = delta_python() else { return };
    let Some(root) = s3_prefix::s3_prefix("interop") else { return };
    let store = Store::open(&root).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let expected = dir.path().join("expected.json");
    let table = format!("{root}/users");
    let check = |users: &[User], step: &str| {
        std::fs::write(&expected, expected_json(users)).unwrap();
        println!("after {step}:");
        let args = [
            script("delta_readers.py").into_os_string(),
            table.clone().into(),
            "User".into(),
            "user_id".into(),
            expected.clone().into_os_string(),
        ];
        run(&python, &args.iter().map(|s| s.as_os_str()).collect::<Vec<_>>());
    };
    let mut users: Vec<User> = (0..2000).map(|i| user(i, "v1")).collect();
    store.save_all(&users).unwrap();
    // One row at a time (inline vectors), then 1,500 at once (a vector file).
    for i in (0..200).step_by(41) {
        users[i as usize] = user(i, "v2");
        store.save(&users[i as usize]).unwrap();
    }
    let many: Vec<User> = (100..1600).map(|i| user(i, "v3")).collect();
    store.save_all(&many).unwrap();
    for u in many {
        let i = u.user_id as usize;
        users[i] = u;
    }
    let gone = [3i64, 99, 150];
    assert_eq!(store.delete_all::<User>(&gone).unwrap(), 3);
    users.retain(|u| !gone.contains(&u.user_id));
    check(&users, "upserts and deletes");
    store.compact::<User>().unwrap();
    check(&users, "compaction");
}

#[test]
fn delta_engines_read_unsigned_times_and_uuids_exactly() {
    let Some(python) = delta_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let reading = |i: u64, v: u64| Reading {
        id: if i == 0 { u64::MAX } else { i * 1_000_003 },
        small: 255 - v as u8,
        wide: (!i.is_multiple_of(3)).then_some(u32::MAX - i as u32),
        at: chrono::NaiveTime::from_num_seconds_from_midnight_opt(86_399 - i as u32, 999_999_000).unwrap(),
        took: chrono::TimeDelta::microseconds(-(i as i64) * 1_234_567),
        tag: uuid::Uuid::from_u128(u128::MAX - u128::from(i)),
        counts: vec![u64::MAX, i, v],
    };
    let mut rows: Vec<Reading> = (0..30).map(|i| reading(i, 0)).collect();
    store.save_all(&rows).unwrap();
    rows[0] = reading(0, 1);
    store.save(&rows[0]).unwrap();
    assert!(store.delete::<Reading>(&(4 * 1_000_003)).unwrap());
    rows.retain(|r| r.id != 4 * 1_000_003);
    // What a Delta engine reads: the Delta types' values (times of day as
    // nanoseconds since midnight, durations as microseconds, UUIDs as bytes).
    let expected: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            use chrono::Timelike;
            serde_json::json!({
                "id": r.id, "small": r.small, "wide": r.wide,
                "at": i64::from(r.at.num_seconds_from_midnight()) * 1_000_000_000 + i64::from(r.at.nanosecond()),
                "took": r.took.num_microseconds(), "tag": r.tag.simple().to_string(), "counts": r.counts,
            })
        })
        .collect();
    let path = dir.path().join("expected.json");
    std::fs::write(&path, serde_json::to_string(&expected).unwrap()).unwrap();
    let table = dir.path().join("readings");
    run(
        &python,
        &[
            script("delta_readers.py").as_os_str(),
            table.as_os_str(),
            "Reading".as_ref(),
            "id".as_ref(),
            path.as_os_str(),
        ],
    );
}

#[test]
fn rows_appended_by_python_deltalake_load_through_the_entity() {
    let Some(python) = delta_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut users: Vec<User> = (0..50).map(|i| user(i, "rust")).collect();
    store.save_all(&users).unwrap();
    let appended: Vec<User> = (50..80).map(|i| user(i, "python")).collect();
    let rows = dir.path().join("rows.json");
    std::fs::write(&rows, expected_json(&appended)).unwrap();
    let table = dir.path().join("users");
    run(&python, &[script("delta_append.py").as_os_str(), table.as_os_str(), rows.as_os_str()]);
    users.extend(appended);
    let mut loaded = store.load_all::<User>().unwrap();
    loaded.sort_by_key(|u| u.user_id);
    assert_eq!(loaded, users);
    assert_eq!(store.count::<User>().unwrap(), 80);
    assert_eq!(store.find::<User>(&65).unwrap(), Some(user(65, "python")));
    // And our upserts and deletes reach rows Python wrote.
    store.save(&user(65, "rust-again")).unwrap();
    assert!(store.delete::<User>(&70).unwrap());
    assert_eq!(store.find::<User>(&65).unwrap(), Some(user(65, "rust-again")));
    assert_eq!(store.count::<User>().unwrap(), 79);
}
