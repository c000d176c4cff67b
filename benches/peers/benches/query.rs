//! Queries on every engine, against naive `load_all()` + iterators and against
//! DuckDB and polars (Python) on the same files.
//!
//! `cargo bench -p parquetframe-peers --bench query`
//!
//! Sizes: about 10 MB and about 1 GB of decoded order data (`BENCH_SIZES`, in
//! orders, comma separated), and the 1 GB data again in a child process whose
//! configured memory limit is half its size (`BENCH_LIMIT_MB`, default 512):
//! that run uses the automatic choice only and reports its peak RSS.
//! Queries: a selective filter, a projection, a group-by aggregate and a join
//! along the Order → User relation with an aggregate per user country.
//! Per query, the memory engine's cache is emptied, auto's warm-up fills it
//! (`first`), each forced engine warms up once, then the timed rounds of auto
//! and the forced engines are interleaved, in the orders of a balanced Latin
//! square (each engine follows each other one equally often):
//! `BENCH_ROUNDS` rounds (more for
//! fast queries, up to two seconds of them); medians. `load_all` runs after,
//! in its own session.

#[path = "../../support/mod.rs"]
#[allow(dead_code)] // the shared harness has more than this benchmark uses
mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use parquetframe::engine::{Engine, clear_cache, col};
use parquetframe::prelude::*;
use support::env;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
    pub name: String,
    pub age: i32,
    pub country: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "orders/", primary_key = "order_id")]
pub struct Order {
    pub order_id: i64,
    #[relation(User, inverse = "orders")]
    pub user_id: i64,
    pub amount: f64,
    pub quantity: i32,
    pub status: String,
}

const STATUSES: [&str; 5] = ["open", "paid", "shipped", "delivered", "refunded"];
const COUNTRIES: [&str; 8] = ["NO", "PE", "IN", "US", "FR", "JP", "BR", "KE"];
const QUERIES: [&str; 4] = ["selective", "projection", "group_by", "join"];

/// Writes `n_orders` orders and a tenth as many users (in chunks, to bound memory).
fn generate(store: &Store, n_orders: usize) {
    let n_users = (n_orders / 10).max(1);
    let users: Vec<User> = (0..n_users as i64)
        .map(|i| User {
            user_id: i,
            name: format!("user {i}"),
            age: 18 + (i % 60) as i32,
            country: COUNTRIES[(i % 8) as usize].into(),
        })
        .collect();
    store.save_all(&users).unwrap();
    let chunk = 5_000_000;
    let mut start = 0;
    while start < n_orders {
        let end = (start + chunk).min(n_orders);
        let orders: Vec<Order> = (start as i64..end as i64)
            .map(|i| {
                let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                Order {
                    order_id: i,
                    user_id: (h % n_users as u64) as i64,
                    amount: (h >> 20) as f64 % 1000.0,
                    quantity: 1 + (h >> 40) as i32 % 9,
                    status: STATUSES[(h >> 50) as usize % 5].into(),
                }
            })
            .collect();
        store.save_all(&orders).unwrap();
        start = end;
    }
    store.compact::<Order>().unwrap();
}

/// One query on one engine (`None`: automatic); returns the result's rows.
fn run(store: &Store, query: &str, engine: Option<Engine>) -> usize {
    let q = store.query::<Order>();
    let q = match engine {
        Some(e) => q.engine(e),
        None => q,
    };
    match query {
        "selective" => {
            q.filter(Order::AMOUNT.gt(990.0).and(Order::STATUS.eq("refunded"))).fetch().unwrap().len()
        }
        "projection" => q.proxy().select([col("order_id"), col("amount")]).collect().unwrap().height(),
        "group_by" => {
            q.group_by([Order::STATUS]).agg([Order::AMOUNT.sum(), Order::ORDER_ID.count()]).unwrap().height()
        }
        "join" => {
            q.join::<User>().unwrap().group_by([User::COUNTRY]).agg([Order::AMOUNT.sum()]).unwrap().height()
        }
        _ => unreachable!(),
    }
}

/// The engine the automatic choice picks for `query`.
fn chosen_engine(store: &Store, query: &str) -> Engine {
    let q = store.query::<Order>();
    match query {
        "selective" => q.filter(Order::AMOUNT.gt(990.0).and(Order::STATUS.eq("refunded"))).explain(),
        "projection" => q.proxy().select([col("order_id"), col("amount")]).explain(),
        "group_by" => {
            q.group_by([Order::STATUS]).proxy([Order::AMOUNT.sum(), Order::ORDER_ID.count()]).explain()
        }
        _ => q.join::<User>().unwrap().group_by([User::COUNTRY]).proxy([Order::AMOUNT.sum()]).explain(),
    }
    .unwrap()
    .engine()
}

/// The same query over `load_all()` and iterators.
fn naive(store: &Store, query: &str) -> usize {
    match query {
        "selective" => store
            .load_all::<Order>()
            .unwrap()
            .into_iter()
            .filter(|o| o.amount > 990.0 && o.status == "refunded")
            .count(),
        "projection" => {
            let columns: Vec<(i64, f64)> =
                store.load_all::<Order>().unwrap().iter().map(|o| (o.order_id, o.amount)).collect();
            columns.len()
        }
        "group_by" => {
            let mut groups: HashMap<String, (f64, usize)> = HashMap::new();
            for o in store.load_all::<Order>().unwrap() {
                let g = groups.entry(o.status).or_default();
                g.0 += o.amount;
                g.1 += 1;
            }
            groups.len()
        }
        "join" => {
            let users: HashMap<i64, String> =
                store.load_all::<User>().unwrap().into_iter().map(|u| (u.user_id, u.country)).collect();
            let mut totals: HashMap<&str, f64> = HashMap::new();
            for o in store.load_all::<Order>().unwrap() {
                if let Some(c) = users.get(&o.user_id) {
                    *totals.entry(c.as_str()).or_default() += o.amount;
                }
            }
            totals.len()
        }
        _ => unreachable!(),
    }
}

/// Warm-up (its time reported) then `rounds` timed runs; the result rows.
fn session(rounds: usize, mut f: impl FnMut() -> usize) -> (Duration, Duration, usize) {
    clear_cache();
    let start = Instant::now();
    let rows = f();
    let first = start.elapsed();
    // At least `rounds` runs, more for fast queries (up to half a second of
    // them), so that sub-millisecond medians are not one noisy sample.
    let budget = Instant::now();
    let mut times = Vec::new();
    while times.len() < rounds || (budget.elapsed() < Duration::from_millis(500) && times.len() < 200) {
        let start = Instant::now();
        assert_eq!(f(), rows);
        times.push(start.elapsed());
    }
    times.sort();
    (first, times[times.len() / 2], rows)
}

/// Auto and every forced engine on one query, their timed rounds
/// interleaved in orders that make each run after each of the others
/// equally often (see `latin_row`); at least `rounds`
/// rounds, more for fast queries (up to two seconds of them). The cache is
/// emptied first: auto's warm-up fills it (`first`), and the forced memory
/// engine then shares it. Returns auto's and each engine's (first, median, rows).
#[allow(clippy::type_complexity)]
fn interleaved(
    store: &Store,
    query: &str,
    rounds: usize,
) -> ((Duration, Duration, usize), Vec<(Duration, Duration, usize)>) {
    clear_cache();
    let engines: Vec<Option<Engine>> =
        std::iter::once(None).chain(Engine::ALL.iter().map(|&e| Some(e))).collect();
    let mut first = Vec::new();
    let mut rows = None;
    for &e in &engines {
        let start = Instant::now();
        let r = run(store, query, e);
        first.push(start.elapsed());
        assert_eq!(*rows.get_or_insert(r), r, "{query}: engines disagree on the row count");
    }
    let rows = rows.unwrap_or(0);
    let mut times = vec![Vec::new(); engines.len()];
    let budget = Instant::now();
    // Whole squares only, so that every engine follows every other one.
    while times[0].len() < rounds
        || times[0].len() % engines.len() != 0
        || (budget.elapsed() < Duration::from_secs(2) && times[0].len() < 200)
    {
        // Whichever engine runs right after a file scan pays for it (freed
        // buffers, cold caches: ~25% on the 20M group-by), so the order is
        // a row of a balanced Latin square: over a whole square every engine
        // follows every other one once.
        let round = times[0].len();
        for k in latin_row(engines.len(), round) {
            let start = Instant::now();
            assert_eq!(run(store, query, engines[k]), rows);
            times[k].push(start.elapsed());
        }
    }
    let mut out: Vec<(Duration, Duration, usize)> = times
        .into_iter()
        .zip(first)
        .map(|(mut t, f)| {
            t.sort();
            (f, t[t.len() / 2], rows)
        })
        .collect();
    let auto = out.remove(0);
    (auto, out)
}

/// Row `row` of a balanced Latin square of order `n` (even `n`: first row
/// 0, 1, n-1, 2, n-2, ...; each next row adds one, modulo `n`).
fn latin_row(n: usize, row: usize) -> Vec<usize> {
    let first = (0..n).map(|j| if j % 2 == 1 { j.div_ceil(2) } else { (n - j / 2) % n });
    first.map(|f| (f + row) % n).collect()
}

fn python_peers(
    python: &Path,
    orders: &str,
    users: &str,
    rounds: usize,
) -> HashMap<(String, String), (f64, usize)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("query_peers.py");
    let mut out = HashMap::new();
    match Command::new(python).arg(script).arg(orders).arg(users).arg(rounds.to_string()).output() {
        Ok(o) if o.status.success() => {
            for line in String::from_utf8_lossy(&o.stdout).lines() {
                let parts: Vec<&str> = line.split_whitespace().collect();
                if let [peer, query, secs, rows] = parts[..] {
                    out.insert(
                        (peer.to_owned(), query.to_owned()),
                        (secs.parse().unwrap_or(f64::NAN), rows.parse().unwrap_or(0)),
                    );
                }
            }
        }
        Ok(o) => eprintln!("python peers failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => eprintln!("python peers not run: {e}"),
    }
    out
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A child process of the over-limit case: one query, auto only, then the
/// process's peak RSS (one process per query, so each peak is its own).
fn over_limit_child(root: &str, query: &str, rounds: usize) {
    let store = Store::open(root).unwrap();
    let engine = chosen_engine(&store, query);
    let (first, median, rows) = session(rounds, || run(&store, query, None));
    println!(
        "child {query} {engine} {} {} {rows} {}",
        first.as_secs_f64(),
        median.as_secs_f64(),
        peak_rss_mib()
    );
}

fn main() {
    let rounds = env("BENCH_ROUNDS", 16);
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--over-limit-child") {
        over_limit_child(&args[i + 1], &args[i + 2], rounds);
        return;
    }
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![250_000, 20_000_000]);
    let python = support::python();
    println!("threads: 2 (polars, DuckDB), rounds: {rounds}, medians; `first` is the warm-up call");
    let mut largest = None;
    for &n in &sizes {
        let dir = support::bench_dir(&format!("pf-query-bench-{n}"));
        let store = Store::open(&dir).unwrap();
        let t = Instant::now();
        generate(&store, n);
        let e = store.query::<Order>().explain().unwrap();
        let f = &e.choice.figures;
        println!(
            "\n## {n} orders, {} users: {:.0} MB decoded, {:.0} MB of Parquet (generated in {:.1} s)\n",
            n / 10,
            f.total_bytes as f64 / 1e6,
            dir_size(&dir) as f64 / 1e6,
            t.elapsed().as_secs_f64()
        );
        // The live files of the snapshots (a glob would also see files a
        // compaction replaced and not yet removed).
        let live = |root: &str, m: parquetframe::storage::Snapshot| {
            m.files
                .iter()
                .map(|f| format!("{}/{root}/{}", dir.display(), f.path))
                .collect::<Vec<_>>()
                .join(",")
        };
        let orders_glob = live("orders", store.snapshot::<Order>().unwrap());
        let users_glob = live("users", store.snapshot::<User>().unwrap());
        let peers =
            python.as_ref().map(|p| python_peers(p, &orders_glob, &users_glob, rounds)).unwrap_or_default();
        println!(
            "| query | auto (engine) | memory | lazy | streaming | load_all + iter | DuckDB (Py) | polars (Py) | auto ÷ best forced | load_all ÷ auto | auto ÷ DuckDB |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for query in QUERIES {
            let chosen = chosen_engine(&store, query);
            let (auto, forced) = interleaved(&store, query, rounds);
            let load = session(rounds.min(2), || naive(&store, query));
            assert_eq!(load.2, auto.2, "{query}: load_all disagrees on the row count");
            let best = forced.iter().map(|f| f.1).min().unwrap();
            let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
            let peer = |name: &str| peers.get(&(name.to_owned(), query.to_owned())).copied();
            let duck = peer("duckdb");
            let cell =
                |p: Option<(f64, usize)>| p.map_or("–".to_owned(), |(s, _)| format!("{:.1} ms", s * 1e3));
            println!(
                "| {query} | {} ({chosen}; first {}) | {} | {} | {} | {} | {} | {} | {:.2}x | {:.1}x | {} |",
                ms(auto.1),
                ms(auto.0),
                ms(forced[0].1),
                ms(forced[1].1),
                ms(forced[2].1),
                ms(load.1),
                cell(duck),
                cell(peer("polars")),
                auto.1.as_secs_f64() / best.as_secs_f64(),
                load.1.as_secs_f64() / auto.1.as_secs_f64(),
                duck.map_or("–".to_owned(), |(s, _)| format!("{:.2}x", auto.1.as_secs_f64() / s)),
            );
        }
        largest = Some((n, dir));
    }
    if let Some((n, dir)) = largest {
        let limit = env("BENCH_LIMIT_MB", 512);
        println!(
            "\n## over the limit: the {n}-order store with engine.memory_limit_mb = {limit} (child process, auto)\n"
        );
        println!("| query | engine | first | median | rows | peak RSS |\n|---|---|---:|---:|---:|---:|");
        // The projection is left out: its result alone (every order's two
        // columns) is most of the limit.
        for query in ["selective", "group_by", "join"] {
            let out = Command::new(std::env::current_exe().unwrap())
                .arg("--over-limit-child")
                .arg(&dir)
                .arg(query)
                .env("PARQUETFRAME_MEMORY_LIMIT_MB", limit.to_string())
                .output()
                .unwrap();
            if !out.status.success() {
                println!("| {query} | child failed: {} |", String::from_utf8_lossy(&out.stderr).trim());
            }
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                let parts: Vec<&str> = line.split_whitespace().collect();
                if let ["child", query, engine, first, median, rows, peak] = parts[..] {
                    let ms = |s: &str| s.parse::<f64>().unwrap_or(f64::NAN) * 1e3;
                    let peak: f64 = peak.parse().unwrap_or(f64::NAN);
                    let verdict = if peak <= limit as f64 { "within" } else { "OVER" };
                    println!(
                        "| {query} | {engine} | {:.1} ms | {:.1} ms | {rows} | {peak:.0} MiB ({verdict} the limit) |",
                        ms(first),
                        ms(median)
                    );
                }
            }
        }
    }
}

fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let meta = entry.metadata().unwrap();
        total += if meta.is_dir() { dir_size(&entry.path()) } else { meta.len() };
    }
    total
}
