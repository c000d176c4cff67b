//! Real processes: a writer doing inserts, upserts, deletes and compactions
//! killed with SIGKILL at random instants while readers run, and eight writer
//! processes racing on the same keys without the OS writer lock. The test
//! binary re-runs itself as the child process (selected by an environment
//! variable).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "events/", primary_key = "id")]
pub struct Event {
    pub id: i64,
    pub batch: i64,
    /// The operation that wrote the row: 0 for the insert, else the upsert's.
    pub version: i64,
    pub payload: String,
}

const ROWS_PER_BATCH: i64 = 20;

fn rows(batch: i64, version: i64) -> Vec<Event> {
    (0..ROWS_PER_BATCH)
        .map(|i| Event {
            id: batch * ROWS_PER_BATCH + i,
            batch,
            version,
            payload: format!("batch {batch} row {i} v{version} {}", "x".repeat(40)),
        })
        .collect()
}

/// Operation `op` of the killed writer: `op % 4` 0 and 1 insert batch `op`,
/// 2 upserts every row of batch `op - 2` (to version `op`), 3 deletes every
/// row of batch `op - 2`. Every op is idempotent, so a trial that resumes at
/// an op that had committed without its acknowledgement changes nothing.
fn apply(store: &Store, op: i64) {
    match op % 4 {
        0 | 1 => store.save_all(&rows(op, 0)).unwrap(),
        2 => store.save_all(&rows(op - 2, op)).unwrap(),
        _ => {
            let keys: Vec<i64> = rows(op - 2, 0).iter().map(|e| e.id).collect();
            store.delete_all::<Event>(&keys).unwrap();
        }
    }
    if op % 7 == 6 {
        store.compact::<Event>().unwrap();
    }
}

/// Child mode: run ops `first..`, saying `ack N` after each returns.
#[test]
fn child_writer() {
    let Ok(root) = std::env::var("PF_CHILD_ROOT") else { return };
    let first: i64 = std::env::var("PF_CHILD_FIRST").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let store =
        Store::open_with(&root, parquetframe::StoreOptions { compact_max_files: 6, ..Default::default() })
            .unwrap();
    for op in first.. {
        apply(&store, op);
        println!("ack {op}");
    }
}

/// The number of an `ack N` line (libtest may have printed the test's name before it).
fn ack(line: &str) -> Option<i64> {
    line.split("ack ").nth(1)?.trim().parse().ok()
}

/// A small deterministic pseudo-random sequence (no dependency needed).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Every batch's live rows are all its rows or none, of one version; no key twice.
fn whole(rows: &[Event]) -> BTreeMap<i64, i64> {
    let mut batches: BTreeMap<i64, Vec<&Event>> = BTreeMap::new();
    for e in rows {
        batches.entry(e.batch).or_default().push(e);
    }
    let ids: HashSet<i64> = rows.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), rows.len(), "a key is live twice");
    batches
        .into_iter()
        .map(|(b, es)| {
            assert_eq!(es.len() as i64, ROWS_PER_BATCH, "batch {b} is partly visible");
            assert!(es.iter().all(|e| e.version == es[0].version), "batch {b} mixes two commits");
            (b, es[0].version)
        })
        .collect()
}

/// Checks the state against ops `0..=acked` applied and op `acked + 1` maybe.
fn check(state: &BTreeMap<i64, i64>, acked: i64) {
    let maybe = acked + 1;
    for b in 0..=maybe {
        let present = state.get(&b).copied();
        let inserted = b <= acked;
        let allowed: Vec<Option<i64>> = match b % 4 {
            0 => {
                let upsert = b + 2;
                if !inserted {
                    vec![None, Some(0)]
                } else if upsert <= acked {
                    vec![Some(upsert)]
                } else if upsert == maybe {
                    vec![Some(0), Some(upsert)]
                } else {
                    vec![Some(0)]
                }
            }
            1 => {
                let delete = b + 2;
                if !inserted {
                    vec![None, Some(0)]
                } else if delete <= acked {
                    vec![None]
                } else if delete == maybe {
                    vec![None, Some(0)]
                } else {
                    vec![Some(0)]
                }
            }
            _ => vec![None],
        };
        assert!(
            allowed.contains(&present),
            "batch {b}: {present:?}, allowed {allowed:?} (acknowledged up to op {acked})"
        );
    }
    assert!(state.keys().all(|&b| b <= maybe), "a batch no op wrote: {state:?}");
}

#[test]
fn killed_writers_lose_no_acknowledged_write_and_readers_see_whole_commits() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut trials = 0;
    // The highest op acknowledged in any trial: a later kill must not undo any of them.
    let mut acked = -1i64;
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(Mutex::new(0usize));
    // Readers run through every kill and check that each snapshot is whole.
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (root, stop, reads) = (dir.path().to_path_buf(), stop.clone(), reads.clone());
            std::thread::spawn(move || {
                let store = Store::open(&root).unwrap();
                while !stop.load(Ordering::Relaxed) {
                    whole(&store.load_all::<Event>().expect("readers load during the kills"));
                    *reads.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    while trials < 60 && Instant::now() < deadline {
        let mut proc = child(dir.path(), acked + 1).spawn().unwrap();
        let stdout = proc.stdout.take().unwrap();
        let last = Arc::new(Mutex::new(acked));
        let seen = last.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // libtest prints `test child_writer ... ` before the first ack.
                if let Some(n) = ack(&line) {
                    *seen.lock().unwrap() = n;
                }
            }
        });
        std::thread::sleep(Duration::from_millis(100 + next(&mut rng) % 500));
        proc.kill().unwrap(); // SIGKILL
        proc.wait().unwrap();
        reader.join().unwrap();
        trials += 1;
        acked = *last.lock().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let rows = store.load_all::<Event>().expect("the store loads after a kill");
        check(&whole(&rows), acked);
        assert_eq!(store.count::<Event>().unwrap(), rows.len());
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
    }
    assert!(trials >= 40, "only {trials} trials within the time bound");
    // The kills must land among ops of every kind, not before the first.
    assert!(acked >= trials as i64, "only {} ops in {trials} trials", acked + 1);
    eprintln!(
        "{trials} trials, {} ops acknowledged, {} reads during the kills",
        acked + 1,
        reads.lock().unwrap()
    );
}

fn child(root: &std::path::Path, first: i64) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_writer", "--nocapture", "--test-threads", "1"])
        .env("PF_CHILD_ROOT", root)
        .env("PF_CHILD_FIRST", first.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cmd
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "accounts/", primary_key = "id")]
pub struct Account {
    pub id: i64,
    pub writer: i64,
    pub seq: i64,
}

/// Keys every racer updates.
const SHARED: i64 = 16;

/// Child mode: writer `w` commits `n` saves without the writer lock, each an
/// update of a shared key and a row of its own, saying `ack SEQ` after each.
#[test]
fn child_racer() {
    let Ok(root) = std::env::var("PF_RACE_ROOT") else { return };
    let w: i64 = std::env::var("PF_RACE_WRITER").unwrap().parse().unwrap();
    let n: i64 = std::env::var("PF_RACE_COUNT").unwrap().parse().unwrap();
    let store = Store::builder().root(&root).writer_lock(false).open().unwrap();
    for seq in 0..n {
        let shared = Account { id: (w * 5 + seq) % SHARED, writer: w, seq };
        let own = Account { id: 1_000_000 + w * 10_000 + seq, writer: w, seq };
        store.save_all(&[shared, own]).unwrap();
        println!("ack {seq}");
    }
}

#[test]
fn eight_writer_processes_racing_on_the_same_keys_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let (writers, per_writer) = (8i64, 10i64);
    let children: Vec<_> = (0..writers)
        .map(|w| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "child_racer", "--nocapture", "--test-threads", "1"])
                .env("PF_RACE_ROOT", dir.path())
                .env("PF_RACE_WRITER", w.to_string())
                .env("PF_RACE_COUNT", per_writer.to_string())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut acked: HashMap<i64, i64> = HashMap::new();
    for (w, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "writer {w} failed");
        let n = String::from_utf8_lossy(&out.stdout).lines().filter_map(ack).count();
        acked.insert(w as i64, n as i64);
    }
    let store = Store::open(dir.path()).unwrap();
    let rows = store.load_all::<Account>().unwrap();
    let ids: HashSet<i64> = rows.iter().map(|a| a.id).collect();
    assert_eq!(ids.len(), rows.len(), "a key was committed twice");
    assert_eq!(rows.len() as i64, SHARED + writers * per_writer);
    for (w, n) in &acked {
        assert_eq!(*n, per_writer);
        for seq in 0..*n {
            let own = rows.iter().find(|a| a.id == 1_000_000 + w * 10_000 + seq);
            assert_eq!(own.map(|a| (a.writer, a.seq)), Some((*w, seq)), "writer {w} save {seq} was lost");
        }
    }
    // Each shared key holds one of the updates made to it.
    for a in rows.iter().filter(|a| a.id < SHARED) {
        assert_eq!((a.writer * 5 + a.seq) % SHARED, a.id, "key {} holds a row written for another key", a.id);
    }
    // One commit per save: none merged, none lost.
    let writes = store.history::<Account>().unwrap().iter().filter(|c| c.operation == "WRITE").count() as i64;
    assert_eq!(writes, writers * per_writer);
}

// `on_delete` racing other writers (issue #20, item 6): a team is deleted
// while another process updates, moves and adds its players (set_null) and
// badges (cascade).

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "teams/", primary_key = "id")]
pub struct Team {
    pub id: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "players/", primary_key = "id")]
pub struct Player {
    pub id: i64,
    #[relation(Team, inverse = "players", on_delete = "set_null")]
    pub team_id: Option<i64>,
    pub score: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "badges/", primary_key = "id")]
pub struct Badge {
    pub id: i64,
    #[relation(Team, inverse = "badges", on_delete = "cascade")]
    pub team_id: i64,
}

/// The team deleted, and the team rows move to.
const GONE: i64 = 1;
const KEPT: i64 = 2;

/// Child mode: op `seq` updates the scores of players 0-4 (in `GONE`), moves
/// player `5 + seq % 5` and badge `seq % 10` to `KEPT`, and adds badge
/// `100 + seq` to `GONE`, saying `ack SEQ` after each op.
#[test]
fn child_team_writer() {
    let Ok(root) = std::env::var("PF_TEAM_ROOT") else { return };
    let n: i64 = std::env::var("PF_TEAM_OPS").unwrap().parse().unwrap();
    let store = Store::open(&root).unwrap();
    for seq in 0..n {
        let scored: Vec<Player> = (0..5).map(|id| Player { id, team_id: Some(GONE), score: seq }).collect();
        store.save_all(&scored).unwrap();
        store.save(&Player { id: 5 + seq % 5, team_id: Some(KEPT), score: seq }).unwrap();
        store
            .save_all(&[Badge { id: seq % 10, team_id: KEPT }, Badge { id: 100 + seq, team_id: GONE }])
            .unwrap();
        println!("ack {seq}");
    }
}

/// A version of a table: its number, time and rows by key.
type Version<T> = (u64, chrono::DateTime<chrono::Utc>, HashMap<<T as Entity>::Key, T>);

/// Per row id, its row at each version of `T`'s table, with the version's time.
fn versions<T: Entity + Clone>(store: &Store) -> Vec<Version<T>>
where
    T::Key: std::hash::Hash + Eq + Clone,
{
    let mut history = store.history::<T>().unwrap();
    history.sort_by_key(|c| c.version);
    history
        .iter()
        .map(|c| {
            let rows = store.load_version::<T>(c.version).unwrap();
            (c.version, c.timestamp, rows.into_iter().map(|r| (r.to_key(), r)).collect())
        })
        .collect()
}

#[test]
fn on_delete_racing_writers_loses_no_update_touches_no_moved_row_and_leaves_no_orphan_of_its_own() {
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for trial in 0..4 {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.save_all(&[Team { id: GONE }, Team { id: KEPT }]).unwrap();
        store
            .save_all(&(0..10).map(|id| Player { id, team_id: Some(GONE), score: -1 }).collect::<Vec<_>>())
            .unwrap();
        store.save_all(&(0..10).map(|id| Badge { id, team_id: GONE }).collect::<Vec<_>>()).unwrap();
        let writer = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_team_writer", "--nocapture", "--test-threads", "1"])
            .env("PF_TEAM_ROOT", dir.path())
            .env("PF_TEAM_OPS", "25")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(50 + next(&mut rng) % 600));
        assert!(store.delete::<Team>(&GONE).unwrap(), "trial {trial}: the team was there");
        let out = writer.wait_with_output().unwrap();
        assert!(out.status.success(), "trial {trial}: the writer failed");
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().filter_map(ack).count(), 25);

        let deleted_at = store
            .history::<Team>()
            .unwrap()
            .into_iter()
            .find(|c| c.operation == "DELETE")
            .expect("the team's delete is in its history")
            .timestamp;
        // set_null: a commit that clears a player's team changes nothing else
        // of the row as it was at the commit's base, and never clears a
        // player that had moved to the kept team.
        let players = versions::<Player>(&store);
        let mut changed_at: HashMap<i64, chrono::DateTime<chrono::Utc>> = HashMap::new();
        for pair in players.windows(2) {
            let ((_, _, before), (v, at, after)) = (&pair[0], &pair[1]);
            for (id, row) in after {
                let old = before.get(id);
                if old != Some(row) {
                    changed_at.insert(*id, *at);
                }
                let Some(old) = old else { continue };
                if row.team_id.is_none() && old.team_id.is_some() {
                    assert_eq!(
                        old.team_id,
                        Some(GONE),
                        "trial {trial}: version {v} cleared player {id} of team {:?}",
                        old.team_id
                    );
                    assert_eq!(
                        row.score, old.score,
                        "trial {trial}: version {v} wrote player {id}'s score from an older read"
                    );
                }
            }
        }
        // cascade: a commit deletes only badges that referenced the team at its base.
        let badges = versions::<Badge>(&store);
        let mut added_at: HashMap<i64, chrono::DateTime<chrono::Utc>> = HashMap::new();
        for pair in badges.windows(2) {
            let ((_, _, before), (v, at, after)) = (&pair[0], &pair[1]);
            for (id, row) in before {
                if !after.contains_key(id) {
                    assert_eq!(
                        row.team_id, GONE,
                        "trial {trial}: version {v} deleted badge {id} of the kept team"
                    );
                }
            }
            for (id, row) in after {
                if before.get(id) != Some(row) {
                    added_at.insert(*id, *at);
                }
            }
        }
        // Rows still naming the team were written after it was deleted: the
        // writer's own orphans, not rows the delete overlooked.
        for p in store.load_all::<Player>().unwrap().iter().filter(|p| p.team_id == Some(GONE)) {
            assert!(
                changed_at[&p.id] >= deleted_at,
                "trial {trial}: player {} was left referencing the deleted team",
                p.id
            );
        }
        for b in store.load_all::<Badge>().unwrap().iter().filter(|b| b.team_id == GONE) {
            assert!(
                added_at[&b.id] >= deleted_at,
                "trial {trial}: badge {} was left referencing the deleted team",
                b.id
            );
        }
    }
}
