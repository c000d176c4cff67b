//! One-row `save()` latency into a large entity: 1000 upserts of existing
//! keys into `BENCH_ROWS` rows (default 1M) saved by one `save_all`, on the
//! temporary directory's disk (fsyncs included). Prints one line of figures
//! that `scripts/bench-delta.sh` reads.
//!
//! Self-contained on purpose: the script also builds it at the commit before
//! the Delta Lake layer (`d525eaa`, the private layout), with the same entity
//! and the same calls, and compares the two in one run.
//!
//! `cargo bench --bench one_row_saves` (`BENCH_ROWS`, `BENCH_SAVES`).

#[path = "support/data.rs"]
mod data;

use std::time::{Duration, Instant};

use data::{BenchUser, users};
use parquetframe::prelude::*;

fn main() {
    let n: usize = std::env::var("BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let saves: usize = std::env::var("BENCH_SAVES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let root = std::env::temp_dir().join("parquetframe-one-row-saves");
    let _ = std::fs::remove_dir_all(&root);
    settle();
    let rows = users(n);
    let store = Store::open(&root).unwrap();
    store.save_all(&rows).unwrap();
    let save = |i: usize| {
        let mut row: BenchUser = rows[(i * 7919) % rows.len()].clone();
        row.age += 1;
        let start = Instant::now();
        store.save(&row).unwrap();
        start.elapsed()
    };
    for i in 0..20 {
        save(saves + i); // warm-up: caches, first commits
    }
    // The 1M-row file and the previous run's deletions are flushed (and
    // discarded, on a disk mounted with `discard`) before timing, so that
    // writeback does not land on the measured fsyncs.
    settle();
    let mut latencies: Vec<Duration> = (0..saves).map(save).collect();
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let pct = |p: f64| ms(latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)]);
    let mean = ms(latencies.iter().sum::<Duration>()) / latencies.len() as f64;
    println!(
        "one_row_saves rows={n} saves={saves} mean_ms={mean:.3} p50_ms={:.3} p90_ms={:.3} p99_ms={:.3} max_ms={:.3}",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        ms(latencies[latencies.len() - 1])
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&root);
}

/// Flushes every dirty page to the disk, then waits a moment.
fn settle() {
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
    std::thread::sleep(Duration::from_secs(2));
}
