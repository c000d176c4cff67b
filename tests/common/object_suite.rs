// The store on object storage, shared by tests/store_memory.rs (`memory://`,
// no server) and tests/store_s3.rs (`s3://` on the local S3 server). The
// including file defines `fn root(name: &str) -> Option<String>`: a fresh
// store URL for one test, or `None` (with a printed reason) to skip.

use chrono::{DateTime, Utc};
use parquetframe::prelude::*;
use parquetframe::{Error, FkCheck, StoreOptions};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub age: i32,
    pub signup: DateTime<Utc>,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "orders/", primary_key = "order_id")]
pub struct Order {
    pub order_id: i64,
    #[relation(User, inverse = "orders")]
    pub user_id: i64,
    pub amount: f64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "notes/", primary_key = "id", format = "avro")]
pub struct Note {
    pub id: i64,
    #[relation(User, inverse = "notes")]
    pub user_id: i64,
    pub text: String,
}

fn note(id: i64) -> Note {
    Note { id, user_id: id % 7, text: format!("note {id}") }
}

fn user(id: i64, name: &str) -> User {
    User {
        user_id: id,
        name: name.into(),
        email: (id % 2 == 0).then(|| format!("{name}@example.org")),
        age: 20 + (id % 50) as i32,
        signup: DateTime::from_timestamp(1_700_000_000 + id, 0).unwrap(),
    }
}

fn users(n: i64) -> Vec<User> {
    (0..n).map(|i| user(i, &format!("u{i}"))).collect()
}

fn sorted<T: Entity>(mut rows: Vec<T>) -> Vec<T> {
    rows.sort_by(|a, b| a.key().cmp(&b.key()));
    rows
}

/// A fresh store for the test `name`, or `None` to skip it.
fn open(name: &str) -> Option<(String, Store)> {
    open_with(name, StoreOptions::default())
}

fn open_with(name: &str, options: StoreOptions) -> Option<(String, Store)> {
    let url = root(name)?;
    let store = Store::open_with(&url, options).unwrap_or_else(|e| panic!("opening {url}: {e}"));
    Some((url, store))
}

#[test]
fn save_find_load_and_count_in_a_bucket() {
    let Some((url, store)) = open("basics") else { return };
    assert!(store.is_remote());
    assert_eq!(store.location().to_string(), url);
    assert_eq!(store.count::<User>().unwrap(), 0);
    assert!(store.load_all::<User>().unwrap().is_empty());
    store.save_all(&users(50)).unwrap();
    store.save(&user(50, "last")).unwrap();
    assert_eq!(store.count::<User>().unwrap(), 51);
    assert_eq!(store.find::<User>(&7).unwrap(), Some(user(7, "u7")));
    assert_eq!(store.find::<User>(&500).unwrap(), None);
    let mut all = users(50);
    all.push(user(50, "last"));
    assert_eq!(sorted(store.load_all::<User>().unwrap()), all);
    // Another store on the same URL sees the same rows.
    let again = Store::open(&url).unwrap();
    assert_eq!(again.count::<User>().unwrap(), 51);
    // The catalog is in the bucket too.
    let catalog = parquetframe::storage::catalog::read(store.location()).unwrap();
    assert_eq!(catalog.entities["User"].path, "users/");
}

#[test]
fn upserts_and_deletes_are_deletion_vectors_with_history_and_time_travel() {
    let Some((_, store)) = open("upserts") else { return };
    store.save_all(&users(100)).unwrap();
    let first = store.version::<User>().unwrap().unwrap();
    let changed: Vec<User> = (0..10).map(|i| user(i, "changed")).collect();
    store.save_all(&changed).unwrap();
    for id in [20, 21, 22] {
        assert!(store.delete::<User>(&id).unwrap());
    }
    assert!(!store.delete::<User>(&999).unwrap());
    assert_eq!(store.count::<User>().unwrap(), 97);
    assert_eq!(store.find::<User>(&3).unwrap().unwrap().name, "changed");
    assert_eq!(store.find::<User>(&21).unwrap(), None);
    // The first file stays, its replaced and deleted rows marked.
    let snapshot = store.snapshot::<User>().unwrap();
    assert_eq!(snapshot.files.len(), 2, "{:?}", snapshot.files);
    assert_eq!(snapshot.files[0].deleted, 13);
    // History and time travel.
    let history = store.history::<User>().unwrap();
    let operations: Vec<&str> = history.iter().map(|c| c.operation.as_str()).collect();
    assert_eq!(operations, ["CREATE TABLE", "WRITE", "WRITE", "DELETE", "DELETE", "DELETE"]);
    assert_eq!(sorted(store.load_version::<User>(first).unwrap()), users(100));
    let before = history[2].timestamp;
    let view = store.as_of(before);
    assert_eq!(view.count::<User>().unwrap(), 100);
}

#[test]
fn writers_in_several_threads_lose_no_row() {
    let Some((url, store)) = open("writers") else { return };
    store.save(&user(0, "seed")).unwrap();
    std::thread::scope(|s| {
        for w in 0..4i64 {
            let url = url.clone();
            s.spawn(move || {
                // Each writer opens its own store: they share nothing but the bucket.
                let mine = Store::open(&url).unwrap();
                for i in 0..8 {
                    mine.save(&user(1 + w * 100 + i, "w")).unwrap();
                }
            });
        }
    });
    assert_eq!(store.count::<User>().unwrap(), 33);
    // One version per commit, no gaps.
    let history = store.history::<User>().unwrap();
    let versions: Vec<u64> = history.iter().map(|c| c.version).collect();
    assert_eq!(versions, (0..=33).collect::<Vec<_>>());
}

#[test]
fn compaction_checkpoints_and_vacuum() {
    let Some((url, store)) = open("compact") else { return };
    for chunk in users(60).chunks(10) {
        store.save_all(chunk).unwrap();
    }
    assert!(store.delete::<User>(&5).unwrap());
    assert_eq!(store.snapshot::<User>().unwrap().files.len(), 6);
    store.compact::<User>().unwrap();
    assert_eq!(store.snapshot::<User>().unwrap().files.len(), 1);
    assert_eq!(store.count::<User>().unwrap(), 59);
    let version = store.checkpoint::<User>().unwrap().unwrap();
    // A reader starting afresh in another process would start from the
    // checkpoint; here, the version it names reads the same rows.
    assert_eq!(store.load_version::<User>(version).unwrap().len(), 59);
    let eager = Store::open_with(&url, StoreOptions { retention_hours: 0, ..StoreOptions::default() }).unwrap();
    let removed = eager.vacuum::<User>().unwrap().files_removed;
    // The one deleted row's vector is inline in the log: six data files go.
    assert_eq!(removed.len(), 6, "the six compacted data files: {removed:?}");
    assert!(removed.iter().all(|f| f.starts_with("data/part-")), "{removed:?}");
    assert_eq!(sorted(store.load_all::<User>().unwrap()).len(), 59);
    assert!(eager.vacuum::<User>().unwrap().files_removed.is_empty());
}

#[test]
fn relations_navigation_and_validation() {
    let options = StoreOptions { fk_check: FkCheck::Deferred, ..StoreOptions::default() };
    let Some((_, store)) = open_with("relations", options) else { return };
    store.save_all(&users(5)).unwrap();
    let orders: Vec<Order> =
        (0..20).map(|i| Order { order_id: i, user_id: i % 7, amount: i as f64 }).collect();
    store.save_all(&orders).unwrap();
    let two = store.find::<User>(&2).unwrap().unwrap();
    let mine: Vec<i64> = sorted(two.orders_in(&store).unwrap()).iter().map(|o| o.order_id).collect();
    assert_eq!(mine, vec![2, 9, 16]);
    assert_eq!(orders[9].user_in(&store).unwrap(), Some(two));
    let report = store.validate().unwrap();
    let r = report.relation("Order", "user_id").unwrap();
    // Users 5 and 6 do not exist: orders 5, 6, 12, 13, 19.
    assert_eq!((r.rows, r.orphans), (20, 5));
}

#[test]
fn queries_run_on_the_polars_engines() {
    let Some((_, store)) = open("queries") else { return };
    store.save_all(&users(200)).unwrap();
    store.save_all(&(0..20).map(|i| user(i, "new")).collect::<Vec<_>>()).unwrap();
    for engine in [Engine::Memory, Engine::Lazy, Engine::Streaming] {
        let rows = store
            .query::<User>()
            .filter(User::AGE.gt(60))
            .order_by(User::USER_ID.asc())
            .engine(engine)
            .fetch()
            .unwrap();
        let expected: Vec<i64> = (0..200).filter(|i| 20 + i % 50 > 60).collect();
        assert_eq!(rows.iter().map(|u| u.user_id).collect::<Vec<_>>(), expected, "{engine:?}");
        let renamed = store.query::<User>().filter(User::NAME.eq("new")).engine(engine).count().unwrap();
        assert_eq!(renamed, 20, "{engine:?}");
    }
}

#[test]
fn errors_name_the_url() {
    let Some((url, store)) = open("errors") else { return };
    // A data file the log lists but the bucket lost.
    store.save_all(&users(3)).unwrap();
    let file = store.snapshot::<User>().unwrap().files[0].path.clone();
    let lost = parquetframe::io::Location::parse(&format!("{url}/users/{file}"), &[]).unwrap();
    lost.remove().unwrap();
    let err = store.load_all::<User>().unwrap_err();
    assert!(matches!(err, Error::Storage(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&file) && text.contains("missing"), "{text}");
}

#[test]
fn find_and_a_single_save_make_few_requests() {
    let Some((_, store)) = open("requests") else { return };
    store.save_all(&users(100)).unwrap();
    let bucket = store.location().object().unwrap().bucket().clone();
    // A warm process: the table's snapshot and the catalog are known.
    assert!(store.find::<User>(&1).unwrap().is_some());
    let before = bucket.requests();
    assert_eq!(store.find::<User>(&42).unwrap(), Some(user(42, "u42")));
    let find = bucket.requests() - before;
    let before = bucket.requests();
    store.save(&user(1000, "new")).unwrap();
    let save = bucket.requests() - before;
    eprintln!("find: {find}; single save: {save}");
    // find: a HEAD of the next log entry, a GET of the one data file.
    assert_eq!((find.head, find.get, find.total()), (1, 1, 2), "find: {find}");
    // save: a HEAD of the next log entry, a PUT of the data file, a PUT of
    // the commit (no file holds the new key: nothing is read).
    assert_eq!((save.head, save.put, save.total()), (1, 2, 3), "single save: {save}");
    // The files this process wrote are known too: a stream of single saves
    // stays at 3 requests each (below the automatic compaction's threshold).
    let before = bucket.requests();
    for id in 1001..1011 {
        store.save(&user(id, "next")).unwrap();
    }
    let ten = bucket.requests() - before;
    assert_eq!((ten.get, ten.total()), (0, 30), "ten single saves: {ten}");
}

#[test]
fn read_takes_parquet_files_in_a_bucket() {
    let Some((url, store)) = open("read") else { return };
    store.save_all(&users(30)).unwrap();
    // Loose Parquet files (not a table): two files under a prefix.
    let files = format!("{url}-files");
    let dir = tempfile::tempdir().unwrap();
    for (i, chunk) in users(30).chunks(15).enumerate() {
        let local = dir.path().join(format!("part-{i}.parquet"));
        User::write_file(&local, chunk).unwrap();
        let at = parquetframe::io::Location::parse(&format!("{files}/part-{i}.parquet"), &[]).unwrap();
        at.put(std::fs::read(&local).unwrap().into()).unwrap();
    }
    let all = parquetframe::read(&files).unwrap().collect().unwrap();
    assert_eq!(all.height(), 30);
    let one = parquetframe::read(format!("{files}/part-1.parquet")).unwrap();
    let old = one.filter(parquetframe::engine::col("age").gt(parquetframe::engine::lit(40))).collect().unwrap();
    assert_eq!(old.height(), (15..30).filter(|i| 20 + i % 50 > 40).count());
    // A table's directory is refused: its files hold replaced rows too.
    let err = parquetframe::read(format!("{url}/users")).err().expect("a table's prefix is refused").to_string();
    assert!(err.contains("Delta Lake table"), "{err}");
}

/// A fresh store for the test `name` holding `users(8000)` in one file of
/// eight row groups of 1000 rows.
fn eight_row_groups(name: &str) -> Option<Store> {
    let mut options = StoreOptions::default();
    options.write.row_group_size = 1000;
    let (_, store) = open_with(name, options)?;
    store.save_all(&users(8000)).unwrap();
    Some(store)
}

#[test]
fn a_find_fetches_one_row_group_not_the_file() {
    let Some(store) = eight_row_groups("ranged") else { return };
    let bucket = store.location().object().unwrap().bucket().clone();
    let file = store.snapshot::<User>().unwrap().files[0].bytes;
    let before = bucket.requests();
    // This process put the file: its footer is known, its rows are not.
    assert_eq!(store.find::<User>(&4321).unwrap(), Some(user(4321, "u4321")));
    assert_eq!(store.find::<User>(&4999).unwrap(), Some(user(4999, "u4999")));
    let two = bucket.requests() - before;
    // Each find: a HEAD of the next log entry, one ranged GET of the row
    // group holding its key (one of eight).
    assert_eq!((two.head, two.get), (2, 2), "{two}");
    assert!(two.bytes_read * 4 < file, "{two}; the file is {file} bytes");
    // A scan of the whole table still reads every row.
    assert_eq!(store.load_all::<User>().unwrap().len(), 8000);
}

#[test]
fn a_query_fetches_each_row_group_once_whatever_its_columns() {
    let Some(store) = eight_row_groups("scan") else { return };
    let bucket = store.location().object().unwrap().bucket().clone();
    let before = bucket.requests();
    let rows = store.query::<User>().filter(User::AGE.gt(60)).engine(Engine::Lazy).fetch().unwrap();
    assert_eq!(rows.len(), (0..8000).filter(|i| 20 + i % 50 > 60).count());
    let scan = bucket.requests() - before;
    // Five columns in eight row groups: one ranged GET per row group (not
    // one per column chunk, 40), and the catalog read twice while planning.
    assert_eq!(scan.get, 8 + 2, "{scan}");
}

#[test]
fn a_filtered_query_skips_the_row_groups_its_statistics_rule_out() {
    let Some(store) = eight_row_groups("pushdown") else { return };
    // Rows 7000.. replaced: the newest file and the old file's last row group.
    store.save_all(&(7000..7100).map(|i| user(i, "new")).collect::<Vec<_>>()).unwrap();
    let bucket = store.location().object().unwrap().bucket().clone();
    // The first query reads the first file's deletion vector, once.
    assert_eq!(store.query::<User>().filter(User::USER_ID.eq(7050)).count().unwrap(), 1);
    for engine in [Engine::Lazy, Engine::Streaming] {
        let before = bucket.requests();
        let rows = store
            .query::<User>()
            .filter(User::USER_ID.ge(6950).and(User::AGE.lt(30)))
            .order_by(User::USER_ID.asc())
            .engine(engine)
            .fetch()
            .unwrap();
        let expected: Vec<User> = (6950..8000)
            .filter(|i| 20 + i % 50 < 30)
            .map(|i| user(i, &if (7000..7100).contains(&i) { "new".to_owned() } else { format!("u{i}") }))
            .collect();
        assert_eq!(rows, expected, "{engine:?}");
        let scan = bucket.requests() - before;
        // Row groups 6000..6999 and 7000..7999 of the first file (two of
        // eight) and the second file's one; the catalog read twice (the
        // deletion vector was read by the warm-up). Without pruning: 9 + 2.
        assert_eq!(scan.get, 3 + 2, "{engine:?}: {scan}");
        // A key no row group holds reads no rows.
        let before = bucket.requests();
        assert_eq!(store.query::<User>().filter(User::USER_ID.eq(9000)).engine(engine).count().unwrap(), 0);
        assert_eq!((bucket.requests() - before).get, 2, "{engine:?}");
        // is_in, and a comparison written value first, prune too.
        let before = bucket.requests();
        let n = store.query::<User>().filter(User::USER_ID.is_in([5, 2500])).engine(engine).count().unwrap();
        assert_eq!(n, 2);
        assert_eq!((bucket.requests() - before).get, 2 + 2, "{engine:?}");
    }
}

#[test]
fn avro_entities_work_in_a_bucket() {
    let Some((_, store)) = open("avro") else { return };
    store.save_all(&users(7)).unwrap();
    store.save_all(&(0..500).map(note).collect::<Vec<_>>()).unwrap();
    let mut edited: Vec<Note> = (100..110).map(note).collect();
    for n in &mut edited {
        n.text = format!("edited {}", n.id);
    }
    store.save_all(&edited).unwrap();
    store.delete_all::<Note>(&[3, 104]).unwrap();
    let names: Vec<String> =
        store.snapshot::<Note>().unwrap().files.iter().map(|f| f.path.clone()).collect();
    assert!(names.iter().all(|n| n.ends_with(".avro")), "{names:?}");
    assert_eq!(store.count::<Note>().unwrap(), 498);
    assert_eq!(store.find::<Note>(&105).unwrap().map(|n| n.text), Some("edited 105".to_owned()));
    assert_eq!(store.find::<Note>(&104).unwrap(), None);
    let all = sorted(store.load_all::<Note>().unwrap());
    let mut expected: Vec<Note> = (0..500).filter(|i| ![3, 104].contains(i)).map(note).collect();
    for n in &mut expected {
        if (100..110).contains(&n.id) {
            n.text = format!("edited {}", n.id);
        }
    }
    assert_eq!(all, expected);
    for engine in [Engine::Memory, Engine::Lazy, Engine::Streaming] {
        let n = store.query::<Note>().filter(Note::TEXT.starts_with("edited")).engine(engine).count().unwrap();
        assert_eq!(n, 9, "{engine:?}");
    }
    assert_eq!(store.validate().unwrap().orphans(), 0);
    // History and time travel: the first version holds the unedited text.
    let history = store.history::<Note>().unwrap();
    let saved = history.iter().find(|c| c.rows_added == 500).expect("the first save").version;
    let past = store.load_version::<Note>(saved).unwrap();
    assert_eq!(past.len(), 500);
    assert!(past.iter().any(|n| n.id == 105 && n.text == "note 105"));
    store.compact::<Note>().unwrap();
    assert_eq!(sorted(store.load_all::<Note>().unwrap()), expected);
}
