//! The TPC-H benchmark: each of the 22 queries on our auto engine, on each
//! forced engine and through `store.sql`, against DuckDB and polars (Python)
//! on the same Parquet files, side by side in one run. Each (query, runner)
//! runs in a process of its own: a warm-up, then the best of 3 runs, and
//! the process's peak resident memory (its VmHWM, read every 20 ms).
//!
//! ```text
//! cargo bench -p parquetframe-tpch --features distributed --bench tpch -- [SF]
//! ```
//!
//! `PF_TPCH_ROUNDS` (default 3), `PF_TPCH_RUNNERS` (a comma list, e.g.
//! `auto,lazy,duckdb`) and `PF_TPCH_QUERIES` (e.g. `1,3,18`) narrow a run
//! (at SF 10 a whole run takes hours on two cores).
//!
//! The store is generated once per scale factor (untimed) under
//! `$PF_TPCH_DIR` (default `~/.cache/parquetframe-tpch`). The memory
//! engine's frame cache is off (`PARQUETFRAME_CACHE_MB=0`): every run reads
//! the files, as the peers do. Python comes from `scripts/python-env.sh delta`
//! (DuckDB 1.4.4, polars).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use parquetframe::{Engine, Store};
use parquetframe_tpch::{generate, queries};

/// Timed runs per (query, runner) after the warm-up: `PF_TPCH_ROUNDS`, or 3.
fn rounds() -> usize {
    std::env::var("PF_TPCH_ROUNDS").ok().and_then(|r| r.parse().ok()).filter(|r| *r > 0).unwrap_or(3)
}

/// The comma list in variable `name`, if set.
fn listed(name: &str) -> Option<Vec<String>> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
}
/// A runner using more resident memory than this is stopped (a plan gone wrong).
const MEMORY_CAP_KB: u64 = 12 << 20;
/// And one taking longer than this.
const TIME_CAP: Duration = Duration::from_secs(600);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    if args.first().map(String::as_str) == Some("child") {
        return child(&args[1..]);
    }
    // The runners' setting (see `measure`), also for `picked`'s explain.
    // SAFETY: no other thread runs yet.
    unsafe { std::env::set_var("PARQUETFRAME_CACHE_MB", "0") };
    let sf = args.first().cloned().unwrap_or_else(|| "1".to_owned());
    let root = std::env::var("PF_TPCH_DIR").map(PathBuf::from).unwrap_or_else(|_| {
        PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/tmp".into()))
            .join(".cache/parquetframe-tpch")
    });
    let dir = root.join(format!("sf{sf}"));
    if !dir.join("lineitem").exists() {
        let started = Instant::now();
        let store = Store::open(&dir).expect("store");
        generate::load(&store, sf.parse().expect("scale factor")).expect("generated");
        eprintln!("generated SF {sf} in {:.1} s", started.elapsed().as_secs_f64());
    }
    let python = python();
    let mut runners: Vec<&str> = vec!["auto", "memory", "lazy", "streaming"];
    if cfg!(feature = "distributed") {
        runners.push("datafusion");
    }
    runners.extend(["sql", "duckdb", "polars"]);
    if let Some(only) = listed("PF_TPCH_RUNNERS") {
        runners.retain(|r| only.iter().any(|o| o == r));
    }
    let numbers: Option<Vec<u8>> =
        listed("PF_TPCH_QUERIES").map(|q| q.iter().filter_map(|n| n.parse().ok()).collect());
    let rounds = rounds();
    println!("TPC-H SF {sf}: best of {rounds} runs after a warm-up, seconds (peak MiB)\n");
    println!("| query | auto picks | {} | auto/duckdb | auto/best forced |", runners.join(" | "));
    println!("|---|---|{}---|---|", "---|".repeat(runners.len()));
    // ln(auto), ln(duckdb) where both ran; ln(auto/best forced); ln(auto/polars).
    let mut logs: Vec<Vec<f64>> = vec![Vec::new(); 4];
    let mut over_2x = Vec::new();
    for query in queries::ALL.iter().filter(|q| numbers.as_ref().is_none_or(|n| n.contains(&q.number))) {
        let picked = picked(&dir, query.number);
        let mut cells = Vec::new();
        let mut times = std::collections::HashMap::new();
        for runner in &runners {
            let result = match *runner {
                "duckdb" | "polars" => measure(Command::new(&python).arg(peers()).args([
                    runner.to_string(),
                    path(&dir),
                    query.number.to_string(),
                    rounds.to_string(),
                ])),
                _ => measure(Command::new(std::env::current_exe().expect("exe")).args([
                    "child",
                    runner,
                    &path(&dir),
                    &query.number.to_string(),
                ])),
            };
            cells.push(match &result {
                Ok((s, kb)) => {
                    times.insert(*runner, *s);
                    format!("{s:.3} ({})", kb / 1024)
                }
                Err(why) => why.clone(),
            });
        }
        let auto = times.get("auto").copied();
        let duck = times.get("duckdb").copied();
        let best_forced = ["memory", "lazy", "streaming", "datafusion"]
            .iter()
            .filter_map(|r| times.get(r).copied())
            .fold(f64::INFINITY, f64::min);
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 && b.is_finite() => format!("{:.2}x", a / b),
            _ => "n/a".to_owned(),
        };
        if let (Some(a), Some(d)) = (auto, duck) {
            logs[0].push(a.ln());
            logs[1].push(d.ln());
            if a > 2.0 * d {
                over_2x.push(format!("Q{} {:.2}x", query.number, a / d));
            }
        }
        if let (Some(a), Some(p)) = (auto, times.get("polars").copied()) {
            logs[3].push((a / p).ln());
        }
        if let Some(a) = auto.filter(|_| best_forced.is_finite()) {
            logs[2].push((a / best_forced).ln());
        }
        println!(
            "| Q{} | {picked} | {} | {} | {} |",
            query.number,
            cells.join(" | "),
            ratio(auto, duck),
            ratio(auto, Some(best_forced))
        );
    }
    let geo =
        |l: &[f64]| if l.is_empty() { f64::NAN } else { (l.iter().sum::<f64>() / l.len() as f64).exp() };
    println!(
        "\ngeometric means over {} queries: auto {:.3} s, DuckDB {:.3} s, auto/DuckDB {:.2}x; auto/best forced {:.2}x",
        logs[0].len(),
        geo(&logs[0]),
        geo(&logs[1]),
        geo(&logs[0]) / geo(&logs[1]),
        geo(&logs[2])
    );
    println!(
        "auto/polars (Python) {:.2}x over {} queries; above 2x DuckDB: {}",
        geo(&logs[3]),
        logs[3].len(),
        if over_2x.is_empty() { "none".to_owned() } else { over_2x.join(", ") }
    );
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

fn peers() -> String {
    path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("peers.py"))
}

fn python() -> String {
    let out = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/python-env.sh"))
        .arg("delta")
        .stderr(Stdio::inherit())
        .output()
        .expect("scripts/python-env.sh delta");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The engine auto selection picks for query `number`.
fn picked(dir: &Path, number: u8) -> String {
    let store = Store::open(dir).expect("store");
    let query = &queries::ALL[usize::from(number) - 1];
    (query.build)(&store)
        .and_then(|q| q.explain())
        .map(|e| e.engine().to_string())
        .unwrap_or_else(|e| format!("error: {e}"))
}

/// Runs `command` (which prints `seconds S` or `unsupported WHY`),
/// stopping it past the memory or time cap; its best time and peak KiB.
fn measure(command: &mut Command) -> Result<(f64, u64), String> {
    let mut child = command
        .env("PARQUETFRAME_CACHE_MB", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let pid = child.id() as libc::pid_t;
    let started = Instant::now();
    let mut peak = 0u64;
    let mut stopped = None;
    loop {
        let mut status = 0;
        // SAFETY: a child of this process, reaped once here.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if done == pid {
            break;
        }
        // The child's peak resident memory since it started (VmHWM; the
        // rusage of a spawned child also counts this process's pages).
        let status_text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |name: &str| {
            status_text
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
                .unwrap_or(0)
        };
        let rss = field("VmRSS:");
        peak = peak.max(field("VmHWM:"));
        if rss > MEMORY_CAP_KB || started.elapsed() > TIME_CAP {
            stopped = Some(if rss > MEMORY_CAP_KB { "stopped: over 12 GiB" } else { "stopped: over 10 min" });
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if let Some(why) = stopped {
        return Err(why.to_owned());
    }
    let mut out = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().expect("stdout"), &mut out)
        .map_err(|e| e.to_string())?;
    let line = out.lines().last().unwrap_or_default();
    match line.split_once(' ') {
        Some(("seconds", s)) => s.trim().parse::<f64>().map(|s| (s, peak)).map_err(|e| e.to_string()),
        Some(("unsupported", _)) => Err("unsupported".to_owned()),
        _ => Err(format!("failed: {}", line.chars().take(80).collect::<String>())),
    }
}

/// In a child process: runs one query `PF_TPCH_ROUNDS` times after a warm-up.
fn child(args: &[String]) {
    let [runner, dir, number] = args else { panic!("child RUNNER DIR QUERY") };
    let store = Store::open(dir).expect("store");
    let query = &queries::ALL[number.parse::<usize>().expect("query") - 1];
    let run = || -> parquetframe::Result<usize> {
        let frame = match runner.as_str() {
            "sql" => store.sql(query.sql).collect()?,
            "auto" => (query.build)(&store)?.collect()?,
            engine => (query.build)(&store)?.engine(engine.parse::<Engine>()?).collect()?,
        };
        Ok(frame.height())
    };
    if let Err(e) = run() {
        println!("unsupported {e}");
        return;
    }
    let mut best = f64::INFINITY;
    for _ in 0..rounds() {
        let started = Instant::now();
        let rows = run().expect("ran once already");
        std::hint::black_box(rows);
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!("seconds {best}");
}
