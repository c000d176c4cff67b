//! Spans of public operations carry their figures; the profile mode prints
//! per-stage timings.

use std::sync::{Arc, Mutex};

use parquetframe::prelude::*;
use parquetframe::ux::profile::ProfileLayer;
use tracing_subscriber::layer::SubscriberExt;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "items/", primary_key = "id")]
pub struct Item {
    pub id: i64,
    pub label: String,
}

include!("common/captured.rs");

fn run(store: &Store) {
    let items: Vec<Item> = (0..1000).map(|id| Item { id, label: format!("item {id}") }).collect();
    store.save_all(&items).unwrap();
    store.save(&Item { id: 5, label: "five".into() }).unwrap();
    assert_eq!(store.load_all::<Item>().unwrap().len(), 1000);
    assert_eq!(store.query::<Item>().filter(Item::ID.lt(10)).count().unwrap(), 10);
    store.compact::<Item>().unwrap();
    assert!(store.validate().unwrap().is_ok());
    let file = store.root().join("items.avro");
    Item::write_file(&file, &items[..10]).unwrap();
    assert_eq!(Item::read_file(&file).unwrap().len(), 10);
}

#[test]
fn operations_are_spans_with_their_figures() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::builder().root(dir.path()).isolated().open().unwrap();
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    let single = Store::builder().root(dir.path().join("single")).threads(1).isolated().open().unwrap();
    tracing::subscriber::with_default(subscriber, || {
        run(&store);
        single.save_all(&[Item { id: 1, label: "one".into() }]).unwrap();
        assert_eq!(single.load_all::<Item>().unwrap().len(), 1);
    });
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // The line where span `name` itself closes: `name{fields}: target: close`.
    let line = |name: &str| {
        let closes = |l: &&str| {
            l.contains("close")
                && l.find(&format!(" {name}{{"))
                    .is_some_and(|at| l[at..].split_once('}').is_some_and(|(_, rest)| rest.starts_with(": ")))
        };
        log.lines().find(closes).unwrap_or_else(|| panic!("{name}: {log}")).to_owned()
    };
    let save = line("save_all");
    assert!(save.contains("entity=\"Item\"") || save.contains("entity=Item"), "{save}");
    assert!(
        save.contains("rows=1000")
            && save.contains("files=1")
            && save.contains("bytes=")
            && save.contains("duration_ms="),
        "{save}"
    );
    let load = line("load_all");
    assert!(
        load.contains("rows=1000") && load.contains("files=2") && load.contains("duration_ms="),
        "{load}"
    );
    // performance.threads: the store's pool, named in the span.
    let threads =
        |l: &str| l.split("threads=").nth(1).and_then(|t| t.split([' ', '}']).next()).map(str::to_owned);
    let loads: Vec<String> =
        log.lines().filter(|l| l.contains(" load_all{") && l.contains("close")).filter_map(threads).collect();
    assert_eq!(loads.last().map(String::as_str), Some("1"), "{loads:?}");
    assert_eq!(loads.first(), Some(&rayon::current_num_threads().to_string()), "{loads:?}");
    let query = line("query");
    assert!(
        query.contains("engine=") && query.contains("rows=1") && query.contains("estimated_bytes="),
        "{query}"
    );
    let compact = line("compact");
    assert!(compact.contains("files_before=2") && compact.contains("files_after=1"), "{compact}");
    assert!(line("write_file").contains("rows=10"), "{log}");
    assert!(line("read_file").contains("rows=10"), "{log}");
    let validate = line("validate");
    assert!(validate.contains("orphans=0"), "{validate}");
    // Stages are child spans.
    assert!(log.contains("save_all{") && log.contains(":commit{"), "{log}");
}

#[test]
fn the_profile_mode_prints_each_operation_with_its_stages() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::builder().root(dir.path()).isolated().open().unwrap();
    let reports = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = reports.clone();
    let subscriber = tracing_subscriber::registry()
        .with(ProfileLayer::to(move |text| sink.lock().unwrap().push(text.to_owned())));
    tracing::subscriber::with_default(subscriber, || run(&store));
    let reports = reports.lock().unwrap();
    let save =
        reports.iter().find(|r| r.starts_with("profile: save_all")).unwrap_or_else(|| panic!("{reports:?}"));
    // save_all, then its stages indented, each with milliseconds.
    assert!(save.contains(" ms") && save.contains("\n  write ") && save.contains("\n  commit "), "{save}");
    assert!(save.contains("rows=1000") && save.contains("duration_ms="), "{save}");
    let query = reports.iter().find(|r| r.starts_with("profile: query")).unwrap();
    assert!(query.contains("\n  plan ") && query.contains("\n  execute "), "{query}");
    assert!(
        reports.iter().any(|r| r.starts_with("profile: load_all") && r.contains("\n  read ")),
        "{reports:?}"
    );
}
