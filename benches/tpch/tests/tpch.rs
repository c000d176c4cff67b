//! The 22 TPC-H queries on every local engine (and in-process DataFusion
//! when built with it), against DuckDB's answers at scale factor 0.1
//! (`answers/sf0.1`, made by `scripts/tpch-answers.sh`), and validation
//! over the TPC-H relations.
//!
//! The store is generated once per run (about 866,000 rows);
//! `PF_TPCH_STORE=DIR` reuses a store generated there by `tpch generate`.

use std::sync::OnceLock;

use parquetframe::{Engine, Store};
use parquetframe_tpch::{answers, generate, queries};

/// The scale factor of the committed answers.
const SF: &str = "0.1";

fn store() -> &'static Store {
    static STORE: OnceLock<(Option<tempfile::TempDir>, Store)> = OnceLock::new();
    &STORE
        .get_or_init(|| {
            if let Ok(dir) = std::env::var("PF_TPCH_STORE") {
                return (None, Store::open(dir).expect("PF_TPCH_STORE opens"));
            }
            let dir = tempfile::tempdir().expect("temp dir");
            let store = Store::builder().root(dir.path()).isolated().open().expect("store");
            generate::load(&store, SF.parse().expect("sf")).expect("generated");
            (Some(dir), store)
        })
        .1
}

fn engines() -> Vec<Engine> {
    let mut engines = Engine::ALL.to_vec();
    if cfg!(feature = "distributed") {
        engines.push(Engine::DataFusion);
    }
    engines
}

/// Runs query `number` on every engine and compares each result with the answer.
fn check(number: u8) {
    let query = &queries::ALL[usize::from(number) - 1];
    let answer = answers::read(&answers::dir(SF), number).expect("answer");
    let mut failures = Vec::new();
    for engine in engines() {
        let result = (query.build)(store()).and_then(|q| q.engine(engine).collect());
        match result {
            Ok(frame) => {
                if let Err(e) = answers::check(&frame, &answer) {
                    failures.push(format!("{engine}: {e}"));
                }
            }
            Err(e) => failures.push(format!("{engine}: error: {e}")),
        }
    }
    assert!(failures.is_empty(), "{query:?}:\n{}", failures.join("\n"));
}

macro_rules! tpch_tests {
    ($($name:ident = $n:literal),* $(,)?) => {$(
        #[test]
        fn $name() {
            check($n);
        }
    )*};
}

tpch_tests!(
    q01 = 1,
    q02 = 2,
    q03 = 3,
    q04 = 4,
    q05 = 5,
    q06 = 6,
    q07 = 7,
    q08 = 8,
    q09 = 9,
    q10 = 10,
    q11 = 11,
    q12 = 12,
    q13 = 13,
    q14 = 14,
    q15 = 15,
    q16 = 16,
    q17 = 17,
    q18 = 18,
    q19 = 19,
    q20 = 20,
    q21 = 21,
    q22 = 22,
);
