//! Engine overrides from the environment and `parquetframe.toml`, and the
//! memory monitor's warning and hard limit. One test in its own binary: it
//! changes the process's environment.

use parquetframe::engine::Engine;
use parquetframe::prelude::*;
use parquetframe::{Error, QueryError};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "events/", primary_key = "id")]
pub struct Event {
    pub id: i64,
    pub kind: String,
    pub payload: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "accounts/", primary_key = "account_id")]
pub struct Account {
    pub account_id: i64,
    pub region: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "charges/", primary_key = "charge_id")]
pub struct Charge {
    pub charge_id: i64,
    #[relation(Account, inverse = "charges")]
    pub account_id: i64,
    pub cents: i64,
}

fn set(var: &str, value: Option<&str>) {
    // SAFETY: the only test in this binary; nothing else reads the environment meanwhile.
    unsafe {
        match value {
            Some(v) => std::env::set_var(var, v),
            None => std::env::remove_var(var),
        }
    }
}

include!("common/captured.rs");

#[test]
fn overrides_origins_and_the_memory_monitor() {
    let dir = tempfile::tempdir().unwrap();
    for var in ["ENGINE", "CONFIG", "MEMORY_LIMIT_MB", "WARN_FRACTION", "MEMORY_THRESHOLD_MB"] {
        set(&format!("PARQUETFRAME_{var}"), None);
    }
    std::env::set_current_dir(dir.path()).unwrap();
    let store = Store::open(dir.path().join("store")).unwrap();
    let events: Vec<Event> = (0..40_000)
        .map(|i| Event { id: i, kind: ["a", "b", "c"][(i % 3) as usize].into(), payload: format!("{i:064}") })
        .collect();
    store.save_all(&events).unwrap();
    let q = || store.query::<Event>().filter(Event::KIND.eq("b"));

    // Nothing set: automatic.
    assert_eq!(q().explain().unwrap().choice.overridden_by, None);

    // The environment variable, named in explain; the query's own choice wins over it.
    set("PARQUETFRAME_ENGINE", Some("streaming"));
    let e = q().explain().unwrap();
    assert_eq!(e.engine(), Engine::Streaming);
    assert!(e.to_string().contains("override: PARQUETFRAME_ENGINE=streaming"), "{e}");
    assert_eq!(q().count().unwrap(), events.iter().filter(|e| e.kind == "b").count());
    assert_eq!(q().engine(Engine::Lazy).explain().unwrap().engine(), Engine::Lazy);

    // A bad value names the variable.
    set("PARQUETFRAME_ENGINE", Some("warp"));
    let text = q().count().err().unwrap().to_string();
    assert!(text.contains("warp") && text.contains("PARQUETFRAME_"), "{text}");
    set("PARQUETFRAME_ENGINE", None);

    // The configuration file, named with its key.
    let file = dir.path().join("parquetframe.toml");
    std::fs::write(&file, "[engine]\ndefault = \"lazy\"\n").unwrap();
    let e = q().explain().unwrap();
    assert_eq!(e.engine(), Engine::Lazy);
    assert!(e.to_string().contains("parquetframe.toml [engine] default"), "{e}");
    std::fs::write(&file, "[engine]\ndefualt = \"lazy\"\n").unwrap();
    let text = q().count().err().unwrap().to_string();
    assert!(text.contains("defualt"), "{text}");
    std::fs::remove_file(&file).unwrap();

    // The memory monitor warns through tracing above the warning fraction...
    set("PARQUETFRAME_WARN_FRACTION", Some("0"));
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
    tracing::subscriber::with_default(subscriber, || {
        assert_eq!(store.load_all::<Event>().unwrap().len(), events.len());
    });
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("WARN") && log.contains("load_all of `Event`") && log.contains("streaming"),
        "{log}"
    );
    set("PARQUETFRAME_WARN_FRACTION", None);

    // ...and refuses above the hard limit, suggesting the streaming engine.
    set("PARQUETFRAME_MEMORY_LIMIT_MB", Some("1"));
    let err = store.load_all::<Event>().err().unwrap();
    assert!(matches!(err, Error::Query(QueryError::MemoryLimit { .. })), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("load_all of `Event`") && text.contains("streaming"), "{text}");
    // (Earlier queries cached the frame: a cached frame is in memory already.)
    parquetframe::engine::clear_cache();
    let err = q().engine(Engine::Memory).count().err().unwrap();
    assert!(matches!(err, Error::Query(QueryError::MemoryLimit { .. })), "{err:?}");
    // Automatically, the query streams, and completes.
    let e = q().explain().unwrap();
    assert_eq!(e.engine(), Engine::Streaming, "{e}");
    assert!(e.to_string().contains("memory limit: 1.0 MiB"), "{e}");
    assert_eq!(q().count().unwrap(), events.iter().filter(|e| e.kind == "b").count());

    // Under the limit, a join then group-by on the streaming engine does
    // not aggregate first (the partial aggregates' table would cost more memory); without
    // a limit it aggregates first. The totals agree.
    let accounts: Vec<Account> = (0..10)
        .map(|i| Account { account_id: i, region: ["north", "south"][i as usize % 2].into() })
        .collect();
    let charges: Vec<Charge> =
        (0..200).map(|i| Charge { charge_id: i, account_id: i % 10, cents: i * 3 }).collect();
    store.save_all(&accounts).unwrap();
    store.save_all(&charges).unwrap();
    // (Too small to stream by itself: the engine is asked for.)
    let totals = || {
        store
            .query::<Charge>()
            .engine(Engine::Streaming)
            .join::<Account>()
            .unwrap()
            .group_by([Account::REGION])
            .proxy([Charge::CENTS.sum()])
    };
    let limited = totals().explain().unwrap();
    assert_eq!(limited.engine(), Engine::Streaming, "{limited}");
    assert!(!limited.to_string().contains("aggregate first"), "{limited}");
    assert_eq!(limited.polars_plan.matches("AGGREGATE").count(), 1, "{limited}");
    let sorted =
        |df: parquetframe::polars::prelude::DataFrame| df.sort(["region"], Default::default()).unwrap();
    let streamed = sorted(totals().collect().unwrap());
    set("PARQUETFRAME_MEMORY_LIMIT_MB", None);
    let free = totals().explain().unwrap();
    assert!(free.to_string().contains("joins that aggregate first: 1"), "{free}");
    assert_eq!(free.polars_plan.matches("AGGREGATE").count(), 2, "{free}");
    assert!(sorted(totals().collect().unwrap()).equals_missing(&streamed));
    let north: i64 = charges.iter().filter(|c| c.account_id % 2 == 0).map(|c| c.cents).sum();
    assert_eq!(streamed.column("cents").unwrap().i64().unwrap().get(0), Some(north));
}
