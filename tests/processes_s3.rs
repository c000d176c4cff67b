//! Real processes on one entity in an S3 bucket (the local S3 server of
//! `scripts/s3.sh`): four writer processes racing on the same keys lose no
//! update, and a writer killed with SIGKILL at random instants loses no
//! acknowledged write and never leaves a part of a commit. Commits rely on
//! the bucket's conditional put alone (no lock files). The test binary
//! re-runs itself as the child processes. Skipped, with the reason printed,
//! when `PF_TEST_S3` does not name a bucket.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "accounts/", primary_key = "id")]
pub struct Account {
    pub id: i64,
    pub writer: i64,
    pub seq: i64,
}

/// Keys every racer updates.
const SHARED: i64 = 8;

#[path = "common/s3_prefix.rs"]
mod s3_prefix;
use s3_prefix::s3_prefix as root;

/// The number of an `ack N` line (libtest may have printed the test's name before it).
fn ack(line: &str) -> Option<i64> {
    line.split("ack ").nth(1)?.trim().parse().ok()
}

/// Child mode: writer `w` commits `n` saves, each an update of a shared key
/// and a row of its own, saying `ack SEQ` after each.
#[test]
fn child_racer() {
    let Ok(root) = std::env::var("PF_S3_RACE_ROOT") else { return };
    let w: i64 = std::env::var("PF_S3_RACE_WRITER").unwrap().parse().unwrap();
    let n: i64 = std::env::var("PF_S3_RACE_COUNT").unwrap().parse().unwrap();
    let store = Store::open(&root).unwrap();
    for seq in 0..n {
        let shared = Account { id: (w * 3 + seq) % SHARED, writer: w, seq };
        let own = Account { id: 1_000_000 + w * 10_000 + seq, writer: w, seq };
        store.save_all(&[shared, own]).unwrap();
        println!("ack {seq}");
    }
}

#[test]
fn four_writer_processes_racing_in_a_bucket_lose_no_update() {
    let Some(url) = root("racers") else { return };
    let (writers, per_writer) = (4i64, 8i64);
    let children: Vec<_> = (0..writers)
        .map(|w| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "child_racer", "--nocapture", "--test-threads", "1"])
                .env("PF_S3_RACE_ROOT", &url)
                .env("PF_S3_RACE_WRITER", w.to_string())
                .env("PF_S3_RACE_COUNT", per_writer.to_string())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (w, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "writer {w} failed");
        let n = String::from_utf8_lossy(&out.stdout).lines().filter_map(ack).count() as i64;
        assert_eq!(n, per_writer, "writer {w} acknowledged {n} saves");
    }
    let store = Store::open(&url).unwrap();
    let rows = store.load_all::<Account>().unwrap();
    let ids: HashSet<i64> = rows.iter().map(|a| a.id).collect();
    assert_eq!(ids.len(), rows.len(), "a key was committed twice");
    assert_eq!(rows.len() as i64, SHARED + writers * per_writer);
    for w in 0..writers {
        for seq in 0..per_writer {
            let own = rows.iter().find(|a| a.id == 1_000_000 + w * 10_000 + seq);
            assert_eq!(own.map(|a| (a.writer, a.seq)), Some((w, seq)), "writer {w} save {seq} was lost");
        }
    }
    for a in rows.iter().filter(|a| a.id < SHARED) {
        assert_eq!((a.writer * 3 + a.seq) % SHARED, a.id, "key {} holds a row written for another key", a.id);
    }
    // One commit per save: none merged, none lost, versions without gaps.
    let history = store.history::<Account>().unwrap();
    let writes = history.iter().filter(|c| c.operation == "WRITE").count() as i64;
    assert_eq!(writes, writers * per_writer);
    let versions: Vec<u64> = history.iter().map(|c| c.version).collect();
    assert_eq!(versions, (0..versions.len() as u64).collect::<Vec<_>>());
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "events/", primary_key = "id")]
pub struct Event {
    pub id: i64,
    pub batch: i64,
}

const ROWS_PER_BATCH: i64 = 10;

fn batch(b: i64) -> Vec<Event> {
    (0..ROWS_PER_BATCH).map(|i| Event { id: b * ROWS_PER_BATCH + i, batch: b }).collect()
}

/// Child mode: save batches `first..`, saying `ack N` after each returns.
#[test]
fn child_writer() {
    let Ok(root) = std::env::var("PF_S3_CHILD_ROOT") else { return };
    let first: i64 = std::env::var("PF_S3_CHILD_FIRST").unwrap().parse().unwrap();
    let store = Store::open(&root).unwrap();
    for b in first.. {
        store.save_all(&batch(b)).unwrap();
        println!("ack {b}");
    }
}

#[test]
fn a_writer_killed_mid_commit_loses_no_acknowledged_batch_and_leaves_no_part() {
    let Some(url) = root("killed") else { return };
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let (mut trials, mut acked) = (0, -1i64);
    while trials < 12 && Instant::now() < deadline {
        let mut proc = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_writer", "--nocapture", "--test-threads", "1"])
            .env("PF_S3_CHILD_ROOT", &url)
            .env("PF_S3_CHILD_FIRST", (acked + 1).to_string())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = proc.stdout.take().unwrap();
        let last = Arc::new(Mutex::new(acked));
        let seen = last.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(n) = ack(&line) {
                    *seen.lock().unwrap() = n;
                }
            }
        });
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        std::thread::sleep(Duration::from_millis(300 + state % 700));
        proc.kill().unwrap(); // SIGKILL
        proc.wait().unwrap();
        reader.join().unwrap();
        trials += 1;
        acked = *last.lock().unwrap();
        let store = Store::open(&url).unwrap();
        let rows = store.load_all::<Event>().expect("the table loads after a kill");
        let mut batches: BTreeMap<i64, usize> = BTreeMap::new();
        for e in &rows {
            *batches.entry(e.batch).or_default() += 1;
        }
        // Every batch is whole (a commit is one put), every acknowledged one is there,
        // and at most the batch in flight at the kill went beyond them.
        assert!(batches.values().all(|&n| n as i64 == ROWS_PER_BATCH), "a part of a batch: {batches:?}");
        for b in 0..=acked {
            assert!(batches.contains_key(&b), "acknowledged batch {b} was lost (trial {trials})");
        }
        assert!(batches.keys().all(|&b| b <= acked + 1), "a batch no writer saved: {batches:?}");
    }
    assert!(trials >= 5 && acked >= trials as i64, "{trials} trials, {} batches acknowledged", acked + 1);
    eprintln!("{trials} kills, {} batches acknowledged", acked + 1);
}
