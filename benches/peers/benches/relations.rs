//! Relations benchmark (issue #5), one run, ratios printed:
//!
//! - `store.validate()` on orders against users with 1% orphans (default 10M
//!   orders, 1M users), against a hand-written polars anti-join in Rust (lazy
//!   scans of the same Parquet files, projected to `user_id`) and DuckDB and
//!   polars in Python on the same files (timed inside Python);
//! - `user.orders_in(&store)`: the first call (builds the index of the
//!   foreign-key column) and repeated calls for other users, against a polars
//!   lazy scan filtered on `user_id` (what a navigation without an index costs).
//!
//! `cargo bench -p parquetframe-peers --bench relations` (`BENCH_ORDERS=10000000`, `BENCH_USERS=1000000`,
//! `BENCH_ROUNDS=3`; files under `BENCH_DIR`, default `/dev/shm`).

#[allow(dead_code)] // the shared harness has more than this benchmark uses
#[path = "../../support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use parquetframe::prelude::*;
use polars::prelude::{JoinArgs, JoinType, LazyFrame, PlRefPath, ScanArgsParquet, col, lit};
use support::{Measured, compare, env, python, report};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
    pub name: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "orders/", primary_key = "order_id")]
pub struct Order {
    pub order_id: i64,
    #[relation(User, inverse = "orders")]
    pub user_id: i64,
    pub amount: f64,
}

/// Order `i`'s user: spread over all users, except every 100th order, which
/// references a user that does not exist.
fn user_of(i: usize, users: usize) -> i64 {
    if i % 100 == 99 { (users + 1 + i) as i64 } else { ((i * 7919) % users + 1) as i64 }
}

fn scan(glob: &str) -> LazyFrame {
    LazyFrame::scan_parquet(PlRefPath::new(glob), ScanArgsParquet::default()).unwrap()
}

/// The hand-written anti-join: orders whose `user_id` no user has.
fn polars_orphans(orders: &str, users: &str) -> usize {
    scan(orders)
        .select([col("user_id")])
        .join(
            scan(users).select([col("user_id")]),
            [col("user_id")],
            [col("user_id")],
            JoinArgs::new(JoinType::Anti),
        )
        .collect()
        .unwrap()
        .height()
}

/// DuckDB's and polars' (Python) median times and orphan counts.
fn python_peers(
    python: &Path,
    orders: &str,
    users: &str,
    rounds: usize,
) -> Vec<(&'static str, Duration, usize)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("relations_peers.py");
    let out = match Command::new(python).arg(script).arg(orders).arg(users).arg(rounds.to_string()).output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            eprintln!("python peers failed: {}", String::from_utf8_lossy(&o.stderr));
            return Vec::new();
        }
        Err(e) => {
            eprintln!("python peers not run: {e}");
            return Vec::new();
        }
    };
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut peers = Vec::new();
    for (key, name) in [("duckdb ", "DuckDB (Python)"), ("polars ", "polars (Python)")] {
        let Some(line) = text.lines().find_map(|l| l.strip_prefix(key)) else { continue };
        let mut parts = line.split_whitespace();
        let secs: f64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
        let count: usize = parts.next().and_then(|v| v.parse().ok()).unwrap_or(usize::MAX);
        peers.push((name, Duration::from_secs_f64(secs), count));
    }
    peers
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let (n_orders, n_users, rounds) =
        (env("BENCH_ORDERS", 10_000_000), env("BENCH_USERS", 1_000_000), env("BENCH_ROUNDS", 3));
    let dir = support::bench_dir("pf-relations-bench");
    let store = Store::open(&dir).unwrap();
    println!(
        "threads: {} (polars and DuckDB use every core too), {n_orders} orders, {n_users} users, store in {}",
        rayon::current_num_threads(),
        dir.display()
    );

    let start = Instant::now();
    let users: Vec<User> =
        (1..=n_users as i64).map(|i| User { user_id: i, name: format!("user {i}") }).collect();
    store.save_all(&users).unwrap();
    drop(users);
    let orders: Vec<Order> = (0..n_orders)
        .map(|i| Order { order_id: i as i64, user_id: user_of(i, n_users), amount: (i % 1000) as f64 })
        .collect();
    store.save_all(&orders).unwrap();
    drop(orders);
    let expected = (0..n_orders).filter(|i| i % 100 == 99).count();
    println!("saved in {:.1} s; expected orphans: {expected}", start.elapsed().as_secs_f64());

    let orders_glob = format!("{}/orders/data/*.parquet", dir.display());
    let users_glob = format!("{}/users/data/*.parquet", dir.display());

    // Same answer from every implementation, checked before timing.
    let report_once = store.validate().unwrap();
    println!("\n{report_once}");
    assert_eq!(report_once.relation("Order", "user_id").unwrap().orphans, expected);
    assert_eq!(polars_orphans(&orders_glob, &users_glob), expected);

    let mut results: Vec<Measured> = compare(
        rounds,
        &mut [
            ("store.validate()", Box::new(|| assert_eq!(store.validate().unwrap().orphans(), expected))),
            (
                "polars anti-join (Rust)",
                Box::new(|| assert_eq!(polars_orphans(&orders_glob, &users_glob), expected)),
            ),
        ],
    );
    if let Some(py) = python() {
        for (name, median, count) in python_peers(&py, &orders_glob, &users_glob, rounds) {
            assert_eq!(count, expected, "{name} counted {count} orphans");
            results.push(Measured::external(name, median));
        }
    }
    report(
        "validate: orphans of Order.user_id",
        n_orders,
        &results,
        &["polars anti-join (Rust)", "DuckDB (Python)"],
    );

    // Navigation: the first call indexes the column; repeated calls use the index.
    let probe: Vec<i64> = (0..101).map(|i| ((i * 104_729) % n_users + 1) as i64).collect();
    let user = |k: i64| User { user_id: k, name: String::new() };
    let start = Instant::now();
    let first = user(probe[0]).orders_in(&store).unwrap();
    let first_time = start.elapsed();
    let expected_first = (0..n_orders).filter(|&i| user_of(i, n_users) == probe[0]).count();
    assert_eq!(first.len(), expected_first);
    let mut repeated = Vec::new();
    let mut found = 0;
    for &k in &probe[1..] {
        let start = Instant::now();
        found += user(k).orders_in(&store).unwrap().len();
        repeated.push(start.elapsed());
    }
    let mut scans = Vec::new();
    for &k in probe.iter().take(rounds.max(3)) {
        let start = Instant::now();
        let df = scan(&orders_glob).filter(col("user_id").eq(lit(k))).collect().unwrap();
        scans.push(start.elapsed());
        assert!(df.height() > 0);
    }
    let (repeat, polars_filter) = (median(repeated), median(scans));
    println!("\n### navigation: user.orders_in(&store) on {n_orders} orders\n");
    println!("| call | median | ÷ polars filter scan |\n|---|---:|---:|");
    let ratio = |d: Duration| d.as_secs_f64() / polars_filter.as_secs_f64();
    println!(
        "| first call (builds the index, {} rows) | {:.1} ms | {:.2}x |",
        first.len(),
        first_time.as_secs_f64() * 1e3,
        ratio(first_time)
    );
    println!(
        "| repeated call, 100 other users ({:.1} rows each) | {:.3} ms | {:.4}x |",
        found as f64 / 100.0,
        repeat.as_secs_f64() * 1e3,
        ratio(repeat)
    );
    println!(
        "| polars lazy scan + filter on user_id (Rust) | {:.1} ms | 1.00x |",
        polars_filter.as_secs_f64() * 1e3
    );
    let _ = std::fs::remove_dir_all(&dir);
}
