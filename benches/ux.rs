//! What configuration, tracing and progress cost each operation (issue #7),
//! and how fast `pframe` answers. Every figure below comes from this run.
//!
//! - `config::load()` with the result cached (file and variables unchanged);
//! - small operations (`count`, `find`, `save` of one row) with no tracing
//!   subscriber, with an INFO subscriber (spans formatted to a sink), and
//!   with the profile layer;
//! - `load_all` of `BENCH_ROWS` rows (default 1M) the same three ways, and
//!   with progress bars forced off (they never draw off a terminal);
//! - `pframe inspect` / `query` / `validate` on that store, as processes.
//!
//! `cargo bench --bench ux` (`BENCH_KEEP=1` keeps the store in `/dev/shm/pf-ux-bench`)

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use parquetframe::prelude::*;
use parquetframe::ux::profile::ProfileLayer;
use support::data::{BenchUser, users};
use support::{Candidate, compare, report, sizes};
use tracing_subscriber::layer::SubscriberExt;

/// A named small operation, timed per call.
type SmallOp<'a> = (&'static str, Box<dyn Fn() + 'a>);

fn per_call(n: u32, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed() / n
}

fn with<R>(subscriber: Option<tracing::Dispatch>, f: impl FnOnce() -> R) -> R {
    match subscriber {
        Some(d) => tracing::dispatcher::with_default(&d, f),
        None => f(),
    }
}

fn info_subscriber() -> tracing::Dispatch {
    tracing::Dispatch::new(
        tracing_subscriber::fmt()
            .with_writer(std::io::sink)
            .with_max_level(tracing::Level::INFO)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .finish(),
    )
}

fn profile_subscriber() -> tracing::Dispatch {
    tracing::Dispatch::new(tracing_subscriber::registry().with(ProfileLayer::to(|_| {})))
}

fn main() {
    let rows = sizes(&[1_000_000])[0];
    let dir = support::bench_dir("pf-ux-bench");
    let store = Store::builder().root(dir.join("big")).isolated().open().unwrap();
    store.save_all(&users(rows)).unwrap();
    // Single saves go to a small entity: a commit's automatic compaction
    // would otherwise rewrite the big one now and then.
    let small_store = Store::builder().root(dir.join("small")).isolated().open().unwrap();
    small_store.save_all(&users(1000)).unwrap();

    println!("## configuration, tracing and progress overhead\n");
    let load = per_call(20_000, || {
        let _ = parquetframe::config::load().unwrap();
    });
    println!("config::load(), cached: {:.2} µs per call", load.as_secs_f64() * 1e6);

    println!("\n| operation | no subscriber | INFO subscriber | ÷ none | profile layer | ÷ none |");
    println!("|---|---:|---:|---:|---:|---:|");
    let small: [SmallOp<'_>; 3] = [
        ("count", Box::new(|| assert_eq!(store.count::<BenchUser>().unwrap(), rows))),
        ("find", Box::new(|| assert!(store.find::<BenchUser>(&7).unwrap().is_some()))),
        ("save one row", Box::new(|| small_store.save(&users(1)[0]).unwrap())),
    ];
    for (name, op) in &small {
        let n = if *name == "save one row" { 200 } else { 2_000 };
        // Interleaved, three times each, the median kept.
        let mut times = [Vec::new(), Vec::new(), Vec::new()];
        for _ in 0..3 {
            times[0].push(with(None, || per_call(n, op)));
            times[1].push(with(Some(info_subscriber()), || per_call(n, op)));
            times[2].push(with(Some(profile_subscriber()), || per_call(n, op)));
        }
        let [none, info, profile] = times.map(|mut t| {
            t.sort();
            t[1]
        });
        println!(
            "| {name} | {:.1} µs | {:.1} µs | {:.2}x | {:.1} µs | {:.2}x |",
            none.as_secs_f64() * 1e6,
            info.as_secs_f64() * 1e6,
            info.as_secs_f64() / none.as_secs_f64(),
            profile.as_secs_f64() * 1e6,
            profile.as_secs_f64() / none.as_secs_f64()
        );
    }
    store.compact::<BenchUser>().unwrap();

    let quiet = Store::builder()
        .root(dir.join("big"))
        .progress(parquetframe::config::ProgressSetting::Off)
        .isolated()
        .open()
        .unwrap();
    let mut candidates: Vec<Candidate<'_>> = vec![
        ("load_all", Box::new(|| assert_eq!(store.load_all::<BenchUser>().unwrap().len(), rows))),
        (
            "load_all, progress off",
            Box::new(|| assert_eq!(quiet.load_all::<BenchUser>().unwrap().len(), rows)),
        ),
        (
            "load_all, INFO subscriber",
            Box::new(|| {
                with(Some(info_subscriber()), || {
                    assert_eq!(store.load_all::<BenchUser>().unwrap().len(), rows)
                })
            }),
        ),
        (
            "load_all, profile layer",
            Box::new(|| {
                with(Some(profile_subscriber()), || {
                    assert_eq!(store.load_all::<BenchUser>().unwrap().len(), rows)
                })
            }),
        ),
    ];
    let results = compare(5, &mut candidates);
    report("load_all with tracing and progress", rows, &results, &["load_all"]);

    // The tool, as a user runs it: process start to exit.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let pframe =
        std::env::var_os("PFRAME").map(std::path::PathBuf::from).unwrap_or(target.join("release/pframe"));
    if !pframe.is_file() {
        println!(
            "\n(pframe timings skipped: build it with `cargo build --release -p parquetframe --bin pframe`, or set PFRAME)"
        );
        return;
    }
    println!("\n## pframe on the {rows}-row store (process start to exit, median of 5)\n");
    println!("| command | median |");
    println!("|---|---:|");
    let root = dir.join("big");
    let entity = root.join("users");
    let commands: [(&str, Vec<std::ffi::OsString>); 4] = [
        ("inspect <store>", vec!["inspect".into(), root.clone().into()]),
        ("head <entity>", vec!["head".into(), entity.clone().into()]),
        (
            "query --filter --select --limit",
            vec![
                "query".into(),
                entity.clone().into(),
                "--filter".into(),
                "age >= 60 and score < 10".into(),
                "--select".into(),
                "id,name".into(),
                "--limit".into(),
                "5".into(),
            ],
        ),
        ("validate", vec!["validate".into(), "--root".into(), root.clone().into()]),
    ];
    for (name, args) in commands {
        let mut times: Vec<Duration> = (0..5)
            .map(|_| {
                let start = Instant::now();
                let out = Command::new(&pframe).args(&args).output().unwrap();
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                start.elapsed()
            })
            .collect();
        times.sort();
        println!("| {name} | {:.1} ms |", times[2].as_secs_f64() * 1e3);
    }
    if std::env::var_os("BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
