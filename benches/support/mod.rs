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
    /// The fastest round, when the harness timed the rounds itself.
    pub fastest: Option<Duration>,
    /// Median CPU time of a round, user and system (all threads of the process).
    pub cpu: Option<(Duration, Duration)>,
}

impl Measured {
    /// A median measured elsewhere (e.g. inside a Python peer).
    #[allow(dead_code)] // only the benchmarks with Python peers use it
    pub fn external(name: &'static str, median: Duration) -> Self {
        Self { name, median, fastest: None, cpu: None }
    }
}

/// User and system CPU time the process has used so far.
fn cpu_times() -> (Duration, Duration) {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return (Duration::ZERO, Duration::ZERO);
    }
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    (time(usage.ru_utime), time(usage.ru_stime))
}

fn median(mut t: Vec<Duration>) -> Duration {
    t.sort();
    t.get(t.len() / 2).copied().unwrap_or_default()
}

/// A named implementation to measure.
pub type Candidate<'a> = (&'static str, Box<dyn FnMut() + 'a>);

/// Measures every candidate in round-robin rounds (after one warm-up round), so
/// that all of them run under the same allocator and page-cache conditions, and
/// returns each one's median. Each round starts one candidate later than the
/// last, so that none always runs right after the same other one.
/// `BENCH_SAMPLES=1` prints every round's time.
pub fn compare(rounds: usize, candidates: &mut [Candidate<'_>]) -> Vec<Measured> {
    compare_prepared(rounds, &mut |_| {}, candidates)
}

/// [`compare`] with `prepare(i)` run, untimed, right before every call of
/// candidate `i` (e.g. to remove the file it is about to write).
pub fn compare_prepared(
    rounds: usize,
    prepare: &mut dyn FnMut(usize),
    candidates: &mut [Candidate<'_>],
) -> Vec<Measured> {
    let n = candidates.len();
    for (i, (_, f)) in candidates.iter_mut().enumerate() {
        prepare(i);
        f();
    }
    let mut wall: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); n];
    let mut user = wall.clone();
    let mut sys = wall.clone();
    for round in 0..rounds {
        for i in (0..n).map(|k| (k + round) % n) {
            let Some((_, f)) = candidates.get_mut(i) else { continue };
            prepare(i);
            let (u0, s0) = cpu_times();
            let start = Instant::now();
            f();
            let elapsed = start.elapsed();
            let (u1, s1) = cpu_times();
            wall[i].push(elapsed);
            user[i].push(u1.saturating_sub(u0));
            sys[i].push(s1.saturating_sub(s0));
        }
    }
    let samples = std::env::var_os("BENCH_SAMPLES").is_some();
    candidates
        .iter()
        .zip(wall.into_iter().zip(user.into_iter().zip(sys)))
        .map(|((name, _), (t, (u, s)))| {
            if samples {
                let ms: Vec<String> = t.iter().map(|d| format!("{:.0}", d.as_secs_f64() * 1e3)).collect();
                println!("{name}: {} ms", ms.join(", "));
            }
            Measured {
                name,
                fastest: t.iter().min().copied(),
                median: median(t),
                cpu: Some((median(u), median(s))),
            }
        })
        .collect()
}

/// Prints one case: every implementation with rows/s and its ratio to each baseline.
pub fn report(case: &str, rows: usize, results: &[Measured], baselines: &[&str]) {
    println!("\n### {case} ({rows} rows)\n");
    let mut header = String::from("| implementation | median | fastest | CPU user / sys | rows/s |");
    let mut rule = String::from("|---|---:|---:|---:|---:|");
    for b in baselines {
        header.push_str(&format!(" ÷ {b} |"));
        rule.push_str("---:|");
    }
    println!("{header}\n{rule}");
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
    for r in results {
        let secs = r.median.as_secs_f64();
        let fastest = r.fastest.map_or("–".into(), ms);
        let cpu = r.cpu.map_or("–".into(), |(u, s)| {
            format!("{:.0} / {:.0} ms", u.as_secs_f64() * 1e3, s.as_secs_f64() * 1e3)
        });
        let mut line = format!(
            "| {} | {} | {fastest} | {cpu} | {:.1} M |",
            r.name,
            ms(r.median),
            rows as f64 / secs / 1e6
        );
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
