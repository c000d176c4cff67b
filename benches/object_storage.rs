//! Object-storage benchmark (issue #19): the storage benchmark's entity in an
//! S3 bucket on the local S3 server (`scripts/s3.sh`, moto) against the same
//! operations on local disk and against Python `deltalake` on the same
//! bucket, side by side in one run: `save_all`, `load_all`, a filtered query,
//! `find` and single saves, with the requests each makes.
//!
//! `bash scripts/s3.sh run cargo bench --bench object_storage` (sizes:
//! `BENCH_ROWS=1000000`; local files in `BENCH_DIR`, default the temporary
//! directory: a disk, not tmpfs).

mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use parquetframe::prelude::*;
use support::data::{BenchUser, users};
use support::{Measured, compare, compare_prepared, report, sizes};

const ROUNDS: usize = 3;
const FINDS: usize = 200;
const SAVES: usize = 50;
/// The filtered query: `age > FILTER_AGE` (age is `i % 90`).
const FILTER_AGE: i32 = 80;

fn main() {
    let Ok(bucket) = std::env::var("PF_TEST_S3") else {
        println!("skipped: PF_TEST_S3 is not set (run under `bash scripts/s3.sh run`)");
        return;
    };
    let base = std::env::var_os("BENCH_DIR").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    for rows in sizes(&[1_000_000]) {
        run(rows, &bucket, &base.join("parquetframe-object-storage"));
    }
}

fn prefix(bucket: &str, what: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{bucket}/bench-{what}-{nanos}")
}

fn requests(store: &Store) -> parquetframe::io::Requests {
    store.location().object().map(|o| o.bucket().requests()).unwrap_or_default()
}

fn run(rows: usize, bucket: &str, dir: &std::path::Path) {
    let data = users(rows);
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    println!("\n## {rows} rows: local disk ({}) and S3 ({bucket}, moto on loopback)", dir.display());

    // save_all: a fresh store each round.
    let round = std::cell::Cell::new(0usize);
    let local_root = std::cell::RefCell::new(dir.join("save-0"));
    let s3_root = std::cell::RefCell::new(prefix(bucket, "save"));
    let mut saves = compare_prepared(
        ROUNDS,
        &mut |i| {
            round.set(round.get() + 1);
            if i == 0 {
                let old = local_root.replace(dir.join(format!("save-{}", round.get())));
                let _ = std::fs::remove_dir_all(old);
            } else {
                s3_root.replace(prefix(bucket, "save"));
            }
        },
        &mut [
            (
                "local save_all",
                Box::new(|| Store::open(&*local_root.borrow()).unwrap().save_all(&data).unwrap()),
            ),
            (
                "s3 save_all",
                Box::new(|| Store::open(s3_root.borrow().as_str()).unwrap().save_all(&data).unwrap()),
            ),
        ],
    );

    // The stores the reads run on, written once.
    let local = Store::open(dir.join("read")).unwrap();
    local.save_all(&data).unwrap();
    let remote = Store::open(prefix(bucket, "read").as_str()).unwrap();
    remote.save_all(&data).unwrap();

    // The Python peer appends the same rows (read from the local store's
    // data file) to a new table in the bucket, and reads them back.
    let file = dir.join("read/users").join(&local.snapshot::<BenchUser>().unwrap().files[0].path);
    let peer = deltalake(&file, bucket);
    if let Some((write, _, _)) = &peer {
        saves.push(Measured::external("deltalake write_deltalake (s3)", *write));
    }
    report("save_all", rows, &saves, &["local save_all", "deltalake write_deltalake (s3)"]);

    let mut loads = compare(
        ROUNDS,
        &mut [
            ("local load_all", Box::new(|| assert_eq!(local.load_all::<BenchUser>().unwrap().len(), rows))),
            ("s3 load_all", Box::new(|| assert_eq!(remote.load_all::<BenchUser>().unwrap().len(), rows))),
        ],
    );
    if let Some((_, read, _)) = &peer {
        loads.push(Measured::external("deltalake to_pyarrow_table (s3)", *read));
    }
    report("load_all", rows, &loads, &["local load_all"]);

    let expected = data.iter().filter(|u| u.age > FILTER_AGE).count();
    let query = |store: &Store| {
        let n = store.query::<BenchUser>().filter(BenchUser::AGE.gt(FILTER_AGE)).engine(Engine::Lazy).count();
        assert_eq!(n.unwrap(), expected);
    };
    let mut filtered = compare(
        ROUNDS,
        &mut [
            ("local filtered count", Box::new(|| query(&local))),
            ("s3 filtered count", Box::new(|| query(&remote))),
        ],
    );
    if let Some((_, _, filter)) = &peer {
        filtered.push(Measured::external("deltalake filtered read (s3)", *filter));
    }
    report(&format!("query: age > {FILTER_AGE}, lazy engine"), rows, &filtered, &["local filtered count"]);

    // A filter whose statistics prune: the last 1% of the keys (rows are
    // written in key order, so one row group or two hold them).
    let from = (rows - rows / 100) as i64;
    let key_query = |store: &Store| {
        let n = store.query::<BenchUser>().filter(BenchUser::ID.ge(from)).engine(Engine::Lazy).count();
        assert_eq!(n.unwrap(), rows / 100);
    };
    let keyed = compare(
        ROUNDS,
        &mut [
            ("local key-range count", Box::new(|| key_query(&local))),
            ("s3 key-range count", Box::new(|| key_query(&remote))),
        ],
    );
    report(
        &format!("query: id >= {from} (1% of rows), lazy engine"),
        rows,
        &keyed,
        &["local key-range count"],
    );
    for (what, run) in [("age > FILTER_AGE", &query as &dyn Fn(&Store)), ("id >= last 1%", &key_query)] {
        let before = requests(&remote);
        run(&remote);
        let used = requests(&remote) - before;
        println!("s3: {used} for the query {what} (row groups pruned by statistics are not fetched)");
    }

    // Point operations in a warm process, with the requests they make.
    let keys: Vec<i64> = (0..FINDS).map(|i| ((i * 7919) % rows) as i64).collect();
    let find_all = |store: &Store| {
        for k in &keys {
            assert!(store.find::<BenchUser>(k).unwrap().is_some());
        }
    };
    let finds = compare(
        ROUNDS,
        &mut [("local find", Box::new(|| find_all(&local))), ("s3 find", Box::new(|| find_all(&remote)))],
    );
    let before = requests(&remote);
    find_all(&remote);
    let find_requests = requests(&remote) - before;
    report(&format!("{FINDS} finds"), FINDS, &finds, &["local find"]);
    println!(
        "\ns3: {:.1} requests per find ({find_requests} for {FINDS})",
        find_requests.total() as f64 / FINDS as f64
    );

    let next = std::cell::Cell::new(rows as i64);
    let save_some = |store: &Store| {
        for _ in 0..SAVES {
            let mut u = data[0].clone();
            u.id = next.get();
            next.set(next.get() + 1);
            store.save(&u).unwrap();
        }
    };
    let singles = compare(
        ROUNDS,
        &mut [
            ("local single save", Box::new(|| save_some(&local))),
            ("s3 single save", Box::new(|| save_some(&remote))),
        ],
    );
    let before = requests(&remote);
    save_some(&remote);
    let save_requests = requests(&remote) - before;
    report(&format!("{SAVES} single saves (new keys)"), SAVES, &singles, &["local single save"]);
    println!(
        "\ns3: {:.1} requests per single save ({save_requests} for {SAVES}; compaction included when files pile up)",
        save_requests.total() as f64 / SAVES as f64
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The Python deltalake peer's medians (write, read, filtered read), or `None`
/// with the reason printed.
fn deltalake(file: &std::path::Path, bucket: &str) -> Option<(Duration, Duration, Duration)> {
    let python = std::env::var_os("PF_DELTA_PYTHON").map(PathBuf::from).or_else(|| {
        let out =
            std::process::Command::new("bash").args(["scripts/python-env.sh", "delta"]).output().ok()?;
        out.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    });
    let Some(python) = python else {
        println!("(deltalake peer skipped: no Python environment; scripts/python-env.sh delta)");
        return None;
    };
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/deltalake_s3.py");
    let start = Instant::now();
    let run = || {
        std::process::Command::new(&python)
            .arg(&script)
            .arg(file)
            .arg(prefix(bucket, "peer"))
            .arg(ROUNDS.to_string())
            .arg("age")
            .arg(FILTER_AGE.to_string())
            .output()
            .ok()
    };
    // The peer's process has been seen to abort at exit now and then
    // ("terminate called without an active exception"): one more try.
    let out = run().filter(|o| o.status.success()).or_else(run)?;
    if !out.status.success() {
        println!("(deltalake peer failed twice: {})", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let ms = |k: &str| Duration::from_secs_f64(v[k].as_f64().unwrap_or(0.0) / 1e3);
    println!("(deltalake peer ran in {:.0} s)", start.elapsed().as_secs_f64());
    Some((ms("write_ms"), ms("read_ms"), ms("filter_ms")))
}
