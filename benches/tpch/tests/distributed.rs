//! The 22 TPC-H queries on `Engine::Distributed`: a loopback Ballista
//! cluster reads the store's files and answers as DuckDB does, and
//! validation on the cluster reports what it reports here.
//!
//! `scripts/cluster.sh run cargo test --workspace --all-features --test distributed -- --include-ignored`
//! (`.ci/run` does); without a cluster the tests are ignored.

#![cfg(feature = "distributed")]

use parquetframe::{Engine, Store};
use parquetframe_tpch::{answers, generate, queries};

fn cluster() -> Option<String> {
    std::env::var("PARQUETFRAME_CLUSTER").ok().filter(|s| !s.is_empty())
}

#[test]
#[ignore = "needs a Ballista cluster: scripts/cluster.sh run cargo test ... -- --include-ignored"]
fn the_22_queries_on_the_cluster() {
    let address = cluster().expect("PARQUETFRAME_CLUSTER names the cluster");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::builder().root(dir.path()).isolated().cluster(address).open().expect("store");
    generate::load(&store, 0.1).expect("generated");
    let mut failures = Vec::new();
    for query in &queries::ALL {
        let answer = answers::read(&answers::dir("0.1"), query.number).expect("answer");
        match (query.build)(&store).and_then(|q| q.engine(Engine::Distributed).collect()) {
            Ok(frame) => {
                if let Err(e) = answers::check(&frame, &answer) {
                    failures.push(format!("{query:?}: {e}"));
                }
            }
            Err(e) => failures.push(format!("{query:?}: error: {e}")),
        }
        // The SQL text on the cluster's DataFusion SQL.
        match store.sql(query.sql).engine(Engine::Distributed).collect() {
            Ok(frame) => {
                if let Err(e) = answers::check(&frame, &answer) {
                    failures.push(format!("{query:?} (SQL): {e}"));
                }
            }
            Err(e) => failures.push(format!("{query:?} (SQL): error: {e}")),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n\n"));

    let here = store.validate().expect("validated here");
    let there = store.validate_on_cluster().expect("validated on the cluster");
    assert_eq!(there.entities, here.entities);
    assert_eq!(there.relations.len(), 10);
    for (a, b) in there.relations.iter().zip(&here.relations) {
        assert_eq!(
            (&a.entity, &a.column, a.rows, a.orphans, a.nulls),
            (&b.entity, &b.column, b.rows, b.orphans, b.nulls)
        );
    }
}
