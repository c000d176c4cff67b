//! The distributed engine against the local ones (issue #8): one query set
//! on the lazy and streaming engines and on a loopback Ballista cluster
//! (a scheduler and two executors of one vcore each: the same two cores),
//! over the same store, at three sizes; medians, the ratio to the best local
//! engine, and where the crossover would lie with more machines
//! (extrapolated from the two largest sizes, see the printout).
//!
//! ```text
//! PF_CLUSTER_PROFILE=release scripts/cluster.sh run \
//!     cargo bench --workspace --all-features --bench distributed
//! ```
//!
//! `BENCH_ROWS` (orders, comma separated; default 2M,8M,32M), `BENCH_ROUNDS`
//! (default 3), `BENCH_DIR` (default /dev/shm; executors read the same path).

#[path = "../../benches/support/mod.rs"]
#[allow(dead_code)] // the harness serves several benchmarks
mod support;

use std::time::Duration;

use parquetframe::engine::{Engine, JoinKind, col, len};
use parquetframe::prelude::*;
use support::{Candidate, Measured, compare, report, sizes};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct BenchCustomer {
    pub user_id: i64,
    pub name: String,
    pub country: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "orders/", primary_key = "order_id")]
pub struct BenchOrder {
    pub order_id: i64,
    #[relation(BenchCustomer, inverse = "orders")]
    pub user_id: i64,
    pub amount: f64,
    pub status: String,
}

const COUNTRIES: [&str; 8] = ["NO", "PE", "IN", "DE", "BR", "JP", "KE", "CA"];
const STATUSES: [&str; 4] = ["paid", "open", "refunded", "shipped"];

fn fill(store: &Store, orders: usize) {
    let users = (orders / 10).max(1);
    let customers: Vec<BenchCustomer> = (0..users as i64)
        .map(|i| BenchCustomer {
            user_id: i,
            name: format!("customer {i}"),
            country: COUNTRIES[(i % 8) as usize].into(),
        })
        .collect();
    store.save_all(&customers).unwrap();
    // Several commits: several files, as a store that grew over time has.
    let chunk = 1_000_000usize;
    for start in (0..orders).step_by(chunk) {
        let rows: Vec<BenchOrder> = (start..(start + chunk).min(orders))
            .map(|i| {
                let i = i as i64;
                BenchOrder {
                    order_id: i,
                    user_id: i * 7 % users as i64,
                    amount: (i % 1000) as f64 / 10.0,
                    status: STATUSES[(i % 4) as usize].into(),
                }
            })
            .collect();
        store.save_all(&rows).unwrap();
    }
}

/// The query set: a selective filter and count, a group-by with many
/// groups, and a join along the relation grouped by country.
/// One named query, run on the engine given.
type Query<'a> = (&'static str, Box<dyn Fn(Engine) -> usize + 'a>);

fn queries(store: &Store) -> Vec<Query<'_>> {
    vec![
        (
            "filter + count",
            Box::new(move |engine| {
                store
                    .query::<BenchOrder>()
                    .engine(engine)
                    .filter(BenchOrder::AMOUNT.gt(90.0).and(BenchOrder::STATUS.eq("paid")))
                    .count()
                    .unwrap()
            }),
        ),
        (
            "group-by user (sum, count)",
            Box::new(move |engine| {
                store
                    .query::<BenchOrder>()
                    .engine(engine)
                    .group_by([BenchOrder::USER_ID])
                    .agg([BenchOrder::AMOUNT.sum().alias("total"), BenchOrder::ORDER_ID.count().alias("n")])
                    .unwrap()
                    .height()
            }),
        ),
        (
            "join orders-users, group-by country",
            Box::new(move |engine| {
                store
                    .query::<BenchOrder>()
                    .engine(engine)
                    .proxy()
                    .join(store.query::<BenchCustomer>().proxy(), ["user_id"], ["user_id"], JoinKind::Inner)
                    .group_by([col("country")])
                    .agg([col("amount").sum().alias("total"), len().alias("n")])
                    .collect()
                    .unwrap()
                    .height()
            }),
        ),
    ]
}

const ENGINES: [(&str, Engine); 3] =
    [("lazy", Engine::Lazy), ("streaming", Engine::Streaming), ("distributed", Engine::Distributed)];

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn main() {
    let Ok(cluster) = std::env::var("PARQUETFRAME_CLUSTER") else {
        eprintln!(
            "no cluster: run PF_CLUSTER_PROFILE=release scripts/cluster.sh run cargo bench --workspace --all-features --bench distributed"
        );
        std::process::exit(2);
    };
    let rounds = support::env("BENCH_ROUNDS", 3);
    let sizes = sizes(&[2_000_000, 8_000_000, 32_000_000]);
    // (query, size, best local median, distributed median)
    let mut fits: Vec<(&'static str, usize, f64, f64)> = Vec::new();
    println!("cluster: {cluster} (loopback: 1 scheduler, 2 executors of 1 vcore); {rounds} rounds, medians");
    for &rows in &sizes {
        let dir = support::bench_dir("pf-distributed-bench");
        let store = Store::builder().root(&dir).isolated().cluster(cluster.clone()).open().unwrap();
        fill(&store, rows);
        for (name, run) in queries(&store) {
            // Every engine gives the same answer before it is timed.
            let answers: Vec<usize> = ENGINES.iter().map(|(_, e)| run(*e)).collect();
            assert!(answers.windows(2).all(|w| w[0] == w[1]), "{name}: {answers:?}");
            let mut candidates: Vec<Candidate<'_>> = ENGINES
                .iter()
                .map(|(label, engine)| {
                    let run = &run;
                    (
                        *label,
                        Box::new(move || {
                            std::hint::black_box(run(*engine));
                        }) as Box<dyn FnMut()>,
                    )
                })
                .collect();
            let results: Vec<Measured> = compare(rounds, &mut candidates);
            report(name, rows, &results, &["lazy", "streaming"]);
            let time =
                |n: &str| results.iter().find(|r| r.name == n).map(|r| secs(r.median)).unwrap_or(f64::NAN);
            let local = time("lazy").min(time("streaming"));
            let distributed = time("distributed");
            println!("\ndistributed ÷ best local engine: {:.2}x", distributed / local);
            fits.push((name, rows, local, distributed));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    crossover(&fits, &sizes);
}

/// From the two largest sizes, time = fixed + per-row cost for each side
/// (the smaller sizes are dominated by fixed costs). The cluster's
/// executors share this machine's two cores, so its per-row cost here is
/// what one machine's worth of executors does; with `k` such machines it
/// would be at best per-row / k (shuffles over a network cost more than
/// over loopback, so real crossovers lie later). The crossover is where
/// that line drops under the local engine's.
fn crossover(fits: &[(&'static str, usize, f64, f64)], sizes: &[usize]) {
    let mut sorted = sizes.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let [.., small, large] = sorted[..] else { return };
    println!(
        "\n### Where the crossover would lie (extrapolated: fixed + per-row cost from {small} and {large} rows)\n"
    );
    println!(
        "| query | local: fixed, per 1M rows | cluster here: fixed, per 1M rows | crossover, this machine | 2 machines | 4 machines | 8 machines |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let names: Vec<&str> = fits.iter().map(|f| f.0).fold(Vec::new(), |mut v, n| {
        if !v.contains(&n) {
            v.push(n);
        }
        v
    });
    for name in names {
        let at = |rows: usize| fits.iter().find(|f| f.0 == name && f.1 == rows).copied();
        let (Some(a), Some(b)) = (at(small), at(large)) else { continue };
        let span = (large - small) as f64;
        let local_rate = (b.2 - a.2) / span;
        let local_fixed = a.2 - local_rate * small as f64;
        let dist_rate = (b.3 - a.3) / span;
        let dist_fixed = a.3 - dist_rate * small as f64;
        let cross = |machines: f64| {
            let gain = local_rate - dist_rate / machines;
            if gain <= 0.0 {
                return "never (per-row cost not lower)".to_owned();
            }
            let rows = (dist_fixed - local_fixed) / gain;
            if rows <= 0.0 { "at every size".to_owned() } else { format!("{:.0}M rows", rows / 1e6) }
        };
        println!(
            "| {name} | {:.0} ms, {:.1} ms | {:.0} ms, {:.1} ms | {} | {} | {} | {} |",
            local_fixed * 1e3,
            local_rate * 1e9,
            dist_fixed * 1e3,
            dist_rate * 1e9,
            cross(1.0),
            cross(2.0),
            cross(4.0),
            cross(8.0)
        );
    }
}
