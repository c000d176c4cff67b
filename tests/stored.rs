//! Entities read, queried, validated and compacted from the catalog alone
//! (`StoredEntity`), against the typed API on the same store.

use parquetframe::prelude::*;
use parquetframe::{StoredEntity, col};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
    pub name: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "orders/", primary_key = "order_id", format = "avro")]
pub struct Order {
    pub order_id: String,
    #[relation(User, inverse = "orders")]
    pub user_id: i64,
    pub total: f64,
}

fn filled() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::builder().root(dir.path()).isolated().open().unwrap();
    let users: Vec<User> = (0..50).map(|i| User { user_id: i, name: format!("u{i}") }).collect();
    store.save_all(&users).unwrap();
    // Upserts and deletes: several files and a delete file, merged on read.
    store
        .save_all(&[User { user_id: 3, name: "three".into() }, User { user_id: 60, name: "new".into() }])
        .unwrap();
    store.delete_all::<User>(&[4, 5]).unwrap();
    let orders: Vec<Order> =
        (0..120).map(|i| Order { order_id: format!("o{i:03}"), user_id: i % 55, total: i as f64 }).collect();
    store.save_all(&orders).unwrap();
    store.save(&Order { order_id: "o001".into(), user_id: 1, total: 99.0 }).unwrap();
    store.delete::<Order>(&"o002".to_owned()).unwrap();
    (dir, store)
}

#[test]
fn catalog_entities_read_like_their_types() {
    let (_dir, store) = filled();
    let users = StoredEntity::open(&store, "User").unwrap();
    let orders = StoredEntity::open(&store, "Order").unwrap();
    assert_eq!(StoredEntity::all(&store).unwrap().len(), 2);

    let rows = |batches: Vec<arrow::array::RecordBatch>| batches.iter().map(|b| b.num_rows()).sum::<usize>();
    assert_eq!(rows(users.batches(&store).unwrap()), store.count::<User>().unwrap());
    assert_eq!(rows(orders.batches(&store).unwrap()), store.count::<Order>().unwrap());
    assert_eq!(users.live_files(&store).unwrap().rows as usize, store.count::<User>().unwrap());

    // Queries see the same live rows as typed queries, on every engine.
    for engine in Engine::ALL {
        let untyped = users.query(&store).engine(engine).filter(col("name").eq("three")).collect().unwrap();
        assert_eq!(untyped.height(), 1, "{engine}");
        let typed = store.query::<Order>().filter(Order::TOTAL.ge(100.0)).count().unwrap();
        let untyped = orders.query(&store).engine(engine).filter(col("total").ge(100.0)).collect().unwrap();
        assert_eq!(untyped.height(), typed, "{engine}");
    }

    // Validation from the catalog finds what typed validation finds.
    let typed = store.validate().unwrap();
    let untyped = store.validate_catalog().unwrap();
    assert_eq!(untyped.orphans(), typed.orphans());
    assert!(untyped.orphans() > 0);
    assert_eq!(
        untyped.relation("Order", "user_id").unwrap().orphan_sample,
        typed.relation("Order", "user_id").unwrap().orphan_sample
    );

    // Compaction without the types keeps exactly the live rows.
    let before_users = store.load_all::<User>().unwrap();
    let before_orders = store.load_all::<Order>().unwrap();
    let done = users.compact(&store).unwrap();
    assert_eq!((done.files_after, done.rows as usize), (1, before_users.len()));
    assert!(done.files_before >= 2, "deletes add no files, upserts do");
    assert_eq!(orders.compact(&store).unwrap().files_after, 1);
    assert_eq!(store.load_all::<User>().unwrap(), before_users);
    assert_eq!(store.load_all::<Order>().unwrap(), before_orders);
    assert_eq!(store.snapshot::<Order>().unwrap().files.len(), 1);
    // Writes after an untyped compaction still merge correctly.
    store.save(&User { user_id: 3, name: "again".into() }).unwrap();
    assert_eq!(store.find::<User>(&3).unwrap().unwrap().name, "again");
    assert_eq!(store.count::<User>().unwrap(), before_users.len());

    let err = StoredEntity::open(&store, "Usr").unwrap_err().to_string();
    assert!(err.contains("no entity `Usr`") && err.contains("Order, User"), "{err}");
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "notes/", primary_key = "id")]
pub struct Note {
    pub id: i64,
    pub text: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "tags/", primary_key = "id", format = "parquet")]
pub struct Tag {
    pub id: i64,
}

fn extensions(dir: &std::path::Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path().extension().unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn store_format_applies_to_entities_that_declare_none_and_the_catalog_keeps_it() {
    use parquetframe::Format;
    let dir = tempfile::tempdir().unwrap();
    let avro = Store::builder().root(dir.path()).format(Format::Avro).isolated().open().unwrap();
    avro.save_all(&(0..10).map(|id| Note { id, text: format!("n{id}") }).collect::<Vec<_>>()).unwrap();
    // Declared formats win: Tag is Parquet whatever the store says.
    avro.save(&Tag { id: 1 }).unwrap();
    assert_eq!(extensions(&dir.path().join("notes/data")), ["avro"]);
    assert_eq!(extensions(&dir.path().join("tags/data")), ["parquet"]);
    assert_eq!(StoredEntity::open(&avro, "Note").unwrap().entry.format, "avro");
    assert_eq!(avro.format_of::<Note>().unwrap(), Format::Avro);

    // A store whose default is Parquet keeps Avro for the entity the catalog records.
    let parquet = Store::builder().root(dir.path()).isolated().open().unwrap();
    parquet.save(&Note { id: 3, text: "three".into() }).unwrap();
    parquet.delete::<Note>(&4).unwrap();
    assert_eq!(extensions(&dir.path().join("notes/data")), ["avro"]);
    assert_eq!(parquet.load_all::<Note>().unwrap().len(), 9);
    for engine in Engine::ALL {
        let q = parquet.query::<Note>().engine(engine).filter(Note::TEXT.eq("three"));
        assert_eq!(q.count().unwrap(), 1, "{engine}");
    }
    // From a variable too.
    let err = Store::builder()
        .root(dir.path())
        .set("store.format", "orc")
        .isolated()
        .open()
        .unwrap_err()
        .to_string();
    assert!(err.contains("store.format") && err.contains("orc"), "{err}");
}
