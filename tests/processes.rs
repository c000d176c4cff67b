//! Real processes: a writer killed with SIGKILL at random instants, and several
//! writer processes committing at once. The test binary re-runs itself as the
//! child process (selected by an environment variable).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "events/", primary_key = "id")]
pub struct Event {
    pub id: i64,
    pub batch: i64,
    pub payload: String,
}

const ROWS_PER_COMMIT: i64 = 20;

fn events(batch: i64) -> Vec<Event> {
    (0..ROWS_PER_COMMIT)
        .map(|i| Event {
            id: batch * ROWS_PER_COMMIT + i,
            batch,
            payload: format!("batch {batch} row {i} {}", "x".repeat(40)),
        })
        .collect()
}

/// Child mode: commit batches `first..first+count` (new keys each time), say
/// `committed N` after each commit returns, and compact now and then.
#[test]
fn child_writer() {
    let Ok(root) = std::env::var("PF_CHILD_ROOT") else { return };
    let first: i64 = std::env::var("PF_CHILD_FIRST").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let count: i64 = std::env::var("PF_CHILD_COUNT").ok().and_then(|v| v.parse().ok()).unwrap_or(i64::MAX);
    let store =
        Store::open_with(&root, parquetframe::StoreOptions { compact_max_files: 6, ..Default::default() })
            .unwrap();
    for batch in first..first.saturating_add(count) {
        store.save_all(&events(batch)).unwrap();
        if batch % 9 == 4 {
            store.compact::<Event>().unwrap();
        }
        println!("committed {batch}");
    }
}

fn child(root: &std::path::Path, first: i64, count: Option<i64>) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_writer", "--nocapture", "--test-threads", "1"])
        .env("PF_CHILD_ROOT", root)
        .env("PF_CHILD_FIRST", first.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(count) = count {
        cmd.env("PF_CHILD_COUNT", count.to_string());
    }
    cmd
}

/// A small deterministic pseudo-random sequence (no dependency needed).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn killed_writer_loses_no_committed_data_and_leaves_a_loadable_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut trials = 0;
    let mut first = 0i64;
    // Every commit acknowledged in any trial so far: a later kill must not lose it.
    let mut all_acknowledged: Vec<i64> = Vec::new();
    while trials < 60 && Instant::now() < deadline {
        let mut proc = child(dir.path(), first, None).spawn().unwrap();
        let stdout = proc.stdout.take().unwrap();
        let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
        let ack = acknowledged.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(n) = line.strip_prefix("committed ").and_then(|n| n.parse().ok()) {
                    ack.lock().unwrap().push(n);
                }
            }
        });
        std::thread::sleep(Duration::from_millis(40 + next(&mut rng) % 360));
        proc.kill().unwrap(); // SIGKILL
        proc.wait().unwrap();
        reader.join().unwrap();
        trials += 1;

        let store = Store::open(dir.path()).unwrap();
        let rows = store.load_all::<Event>().expect("the store loads after a kill");
        let mut batches: std::collections::BTreeMap<i64, usize> = Default::default();
        for e in &rows {
            *batches.entry(e.batch).or_default() += 1;
        }
        // Every commit is whole: all its rows or none.
        assert!(
            batches.values().all(|&n| n == ROWS_PER_COMMIT as usize),
            "a partial commit is visible: {batches:?}"
        );
        // Every acknowledged commit is there, of this trial and all before.
        all_acknowledged.extend(acknowledged.lock().unwrap().iter());
        for b in &all_acknowledged {
            assert!(batches.contains_key(b), "acknowledged batch {b} was lost (trial {trials})");
        }
        assert_eq!(store.count::<Event>().unwrap(), rows.len());
        first = batches.keys().next_back().map_or(first, |b| b + 1).max(first);
    }
    assert!(trials >= 50, "only {trials} trials within the time bound");
    // The kills must land among commits, not before the first one.
    assert!(first >= 2 * trials as i64, "only {first} commits in {trials} trials");
    eprintln!("{trials} trials, {first} commits survived");
}

#[test]
fn concurrent_writer_processes_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let writers = 4;
    let per_writer = 12;
    let children: Vec<_> = (0..writers)
        .map(|w| child(dir.path(), w * 1000, Some(per_writer)).stdout(Stdio::null()).spawn().unwrap())
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let store = Store::open(dir.path()).unwrap();
    let rows = store.load_all::<Event>().unwrap();
    assert_eq!(rows.len() as i64, writers * per_writer * ROWS_PER_COMMIT);
    for w in 0..writers {
        for b in 0..per_writer {
            assert!(rows.iter().any(|e| e.batch == w * 1000 + b), "writer {w} batch {b} lost");
        }
    }
}
