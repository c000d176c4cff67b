//! An executor stopped in the middle of a distributed query: what the user
//! gets. Needs the cluster of `scripts/cluster.sh run` (which sets
//! `PF_CLUSTER_DIR`, so the test can stop an executor), and runs last,
//! since the cluster has one executor fewer afterwards.

use std::time::{Duration, Instant};

use parquetframe::engine::Engine;
use parquetframe::polars::prelude::{DataFrame, SortMultipleOptions};
use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "events/", primary_key = "id")]
pub struct Event {
    pub id: i64,
    pub kind: i64,
    pub value: f64,
}

/// The same groups and counts, and sums equal up to the order of float additions.
fn same(a: &DataFrame, b: &DataFrame) -> bool {
    let column = |df: &DataFrame, name: &str| df.column(name).unwrap().as_materialized_series().clone();
    let (ta, tb) = (column(a, "total"), column(b, "total"));
    let close = ta
        .f64()
        .unwrap()
        .into_no_null_iter()
        .zip(tb.f64().unwrap().into_no_null_iter())
        .all(|(x, y)| (x - y).abs() <= 1e-9 * x.abs().max(1.0));
    a.height() == b.height()
        && column(a, "kind") == column(b, "kind")
        && column(a, "n") == column(b, "n")
        && close
}

fn query(store: &Store, engine: Engine) -> parquetframe::Result<DataFrame> {
    store
        .query::<Event>()
        .engine(engine)
        .filter(Event::VALUE.ge(0.0))
        .group_by([Event::KIND])
        .agg([Event::VALUE.sum().alias("total"), Event::ID.count().alias("n")])
        .map(|df| df.sort(["kind"], SortMultipleOptions::default()).unwrap())
}

#[test]
#[ignore = "needs a Ballista cluster: scripts/cluster.sh run cargo test ... -- --include-ignored"]
fn an_executor_lost_mid_query_gives_a_result_or_a_clear_error() {
    let address = std::env::var("PARQUETFRAME_CLUSTER").expect("PARQUETFRAME_CLUSTER");
    let dir = tempfile::tempdir().unwrap();
    // Should a job stall after an executor is lost, the timeout turns that
    // into an error.
    let store = Store::builder()
        .root(dir.path())
        .isolated()
        .cluster(address.clone())
        .cluster_timeout_s(60)
        .open()
        .unwrap();
    // Several files, so the scan has tasks on both executors.
    for part in 0..8i64 {
        let rows: Vec<Event> = (0..250_000)
            .map(|i| {
                let id = part * 1_000_000 + i;
                Event { id, kind: id % 97, value: (id % 1000) as f64 / 10.0 }
            })
            .collect();
        store.save_all(&rows).unwrap();
    }
    let expected = query(&store, Engine::Streaming).unwrap();
    query(&store, Engine::Distributed).unwrap(); // warms the page cache
    let started = Instant::now();
    let undisturbed = query(&store, Engine::Distributed).unwrap();
    let baseline = started.elapsed();
    assert!(same(&undisturbed, &expected), "{undisturbed}\n{expected}");
    println!("with both executors: {baseline:?}");

    let started = Instant::now();
    let running = {
        let store = store.clone();
        std::thread::spawn(move || query(&store, Engine::Distributed))
    };
    // A third of the way through, stop one of the executors.
    std::thread::sleep(baseline / 3);
    assert!(!running.is_finished(), "the query ended before the executor was stopped");
    let killed = std::process::Command::new("bash")
        .args([concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/cluster.sh"), "kill-executor", "1"])
        .status()
        .expect("scripts/cluster.sh");
    assert!(killed.success());
    let outcome = running.join().expect("the query thread panicked");
    let took = started.elapsed();
    match &outcome {
        Ok(df) => {
            println!("an executor was lost mid-query; correct result after {took:?}");
            assert!(same(df, &expected), "{df}\n{expected}");
        }
        Err(e) => {
            let text = e.to_string();
            println!("an executor was lost mid-query; error after {took:?}: {text}");
            assert!(text.contains(&address), "the error names the cluster: {text}");
        }
    }
    // The remaining executor takes the next query, once the scheduler has
    // noticed the loss (a few heartbeats).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match query(&store, Engine::Distributed) {
            Ok(df) => {
                assert!(same(&df, &expected), "{df}\n{expected}");
                break;
            }
            Err(e) if Instant::now() < deadline => {
                println!("retrying after: {e}");
                std::thread::sleep(Duration::from_secs(2));
            }
            Err(e) => panic!("the cluster did not recover: {e}"),
        }
    }
}
