//! A small timing harness: median of repeated runs, a table with rows/s and
//! the ratio of every implementation to the named baselines, all measured in
//! the same process and run.

pub mod data;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// One measured implementation of a case.
pub struct Measured {
    pub name: &'static str,
    pub median: Duration,
}

/// A named implementation to measure.
pub type Candidate<'a> = (&'static str, Box<dyn FnMut() + 'a>);

/// Measures every candidate in round-robin rounds (after one warm-up round), so
/// that all of them run under the same allocator and page-cache conditions, and
/// returns each one's median.
pub fn compare(rounds: usize, candidates: &mut [Candidate<'_>]) -> Vec<Measured> {
    for (_, f) in candidates.iter_mut() {
        f();
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); candidates.len()];
    for _ in 0..rounds {
        for (i, (_, f)) in candidates.iter_mut().enumerate() {
            let start = Instant::now();
            f();
            times[i].push(start.elapsed());
        }
    }
    candidates
        .iter()
        .zip(times)
        .map(|((name, _), mut t)| {
            t.sort();
            Measured { name, median: t[t.len() / 2] }
        })
        .collect()
}

/// Prints one case: every implementation with rows/s and its ratio to each baseline.
pub fn report(case: &str, rows: usize, results: &[Measured], baselines: &[&str]) {
    println!("\n### {case} ({rows} rows)\n");
    let mut header = String::from("| implementation | median | rows/s |");
    let mut rule = String::from("|---|---:|---:|");
    for b in baselines {
        header.push_str(&format!(" ÷ {b} |"));
        rule.push_str("---:|");
    }
    println!("{header}\n{rule}");
    for r in results {
        let secs = r.median.as_secs_f64();
        let mut line = format!("| {} | {:.1} ms | {:.1} M |", r.name, secs * 1e3, rows as f64 / secs / 1e6);
        for b in baselines {
            match results.iter().find(|x| x.name == *b) {
                Some(base) => line.push_str(&format!(" {:.2}x |", secs / base.median.as_secs_f64())),
                None => line.push_str(" – |"),
            }
        }
        println!("{line}");
    }
}

/// The number in environment variable `name`, or `default`.
#[allow(dead_code)] // the peers benchmarks use it; the root ones take `sizes`
pub fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Row counts from `BENCH_ROWS` (comma separated), or the defaults.
pub fn sizes(default: &[usize]) -> Vec<usize> {
    std::env::var("BENCH_ROWS")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| default.to_vec())
}

/// The Python of the peers: `BENCH_PYTHON`, else the venv that
/// `scripts/python-env.sh` creates (pyarrow, polars, DuckDB, fastavro).
#[allow(dead_code)] // not every benchmark runs Python peers
pub fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("BENCH_PYTHON") {
        return Some(PathBuf::from(p));
    }
    // The workspace root: this file is also built by packages below it.
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("scripts/python-env.sh"))
        .find(|p| p.is_file())?;
    let out = Command::new("bash").arg(script).output().ok()?;
    out.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// Where a benchmark keeps its files: `BENCH_DIR`, else tmpfs (`/dev/shm`), else
/// the temporary directory; `name` below it, emptied.
#[allow(dead_code)]
pub fn bench_dir(name: &str) -> PathBuf {
    let shm = Path::new("/dev/shm");
    let dir = std::env::var_os("BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() })
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
