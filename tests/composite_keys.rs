//! Composite primary keys (`primary_key = ["order_id", "line"]`): the key is
//! a tuple, and find, upsert, delete, deletion vectors, `on_delete`,
//! validation, queries, the catalog and the graph handle it as one key.

use parquetframe::prelude::*;
use parquetframe::{PrimaryKey, StoreOptions};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "orders/", primary_key = "order_id")]
pub struct Order {
    pub order_id: i64,
    pub customer: String,
}

/// A line of an order: the key is (order, line number), as in TPC-H's lineitem.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "lines/", primary_key = ["order_id", "line"])]
pub struct Line {
    #[relation(Order, inverse = "lines", on_delete = "cascade")]
    pub order_id: i64,
    pub line: i32,
    pub sku: String,
    pub quantity: u32,
}

/// The same key in Avro files, with a string part and the columns in
/// another order than the fields.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "stock/", primary_key = ["warehouse", "sku", "bin"], format = "avro")]
pub struct Stock {
    pub sku: String,
    pub bin: u16,
    pub warehouse: String,
    pub count: i64,
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn store(dir: &std::path::Path) -> Store {
    let mut options = StoreOptions::default();
    // Several row groups per file, so lookups prune by the first key column.
    options.write.row_group_size = 16;
    Store::open_with(dir, options).unwrap()
}

fn line(order_id: i64, line: i32, quantity: u32) -> Line {
    Line { order_id, line, sku: format!("sku-{order_id}-{line}"), quantity }
}

fn lines(orders: i64, per_order: i32) -> Vec<Line> {
    (1..=orders)
        .flat_map(|o| (1..=per_order).map(move |l| line(o, l, (o * 10 + i64::from(l)) as u32)))
        .collect()
}

#[test]
fn the_key_is_a_tuple_of_the_key_fields() {
    assert_eq!(<Line as Entity>::KEY_COLUMNS, &["order_id", "line"]);
    assert_eq!(<Line as Entity>::PRIMARY_KEY, "(order_id, line)");
    assert_eq!(<Order as Entity>::KEY_COLUMNS, &["order_id"]);
    let l = line(7, 2, 1);
    assert_eq!(l.key(), (&7, &2));
    assert_eq!(l.to_key(), (7, 2));
    let s = Stock { sku: "a".into(), bin: 3, warehouse: "w".into(), count: 0 };
    assert_eq!(s.to_key(), ("w".to_owned(), "a".to_owned(), 3));
    assert_eq!(<(String, String, u16) as PrimaryKey>::WIDTH, 3);
}

#[test]
fn find_upsert_and_delete_by_the_whole_key() {
    let dir = temp();
    let store = store(dir.path());
    store.save_all(&[Order { order_id: 1, customer: "a".into() }]).unwrap();
    // 40 orders of 4 lines: the same order ids and line numbers repeat
    // across keys, only the pair is unique.
    let all = lines(40, 4);
    store.save_all(&all).unwrap();
    assert_eq!(store.count::<Line>().unwrap(), 160);
    for l in [&all[0], &all[77], &all[159]] {
        assert_eq!(store.find::<Line>(&l.to_key()).unwrap().as_ref(), Some(l));
    }
    assert_eq!(store.find::<Line>(&(3, 5)).unwrap(), None);
    assert_eq!(store.find::<Line>(&(41, 1)).unwrap(), None);

    // One upsert replaces one line, not its order's other lines.
    store.save(&line(3, 2, 999)).unwrap();
    assert_eq!(store.count::<Line>().unwrap(), 160);
    assert_eq!(store.find::<Line>(&(3, 2)).unwrap().map(|l| l.quantity), Some(999));
    assert_eq!(store.find::<Line>(&(3, 1)).unwrap().map(|l| l.quantity), Some(31));

    // Many keys at once (the bulk path probes every file's key columns).
    let changed: Vec<Line> = (1..=40).map(|o| line(o, 4, 0)).collect();
    store.save_all(&changed).unwrap();
    assert_eq!(store.count::<Line>().unwrap(), 160);
    let zeros = store.load_all::<Line>().unwrap().iter().filter(|l| l.quantity == 0).count();
    assert_eq!(zeros, 40);

    // Within one save, the last row with a key wins.
    store.save_all(&[line(5, 1, 1), line(5, 1, 2), line(5, 9, 3)]).unwrap();
    assert_eq!(store.find::<Line>(&(5, 1)).unwrap().map(|l| l.quantity), Some(2));
    assert_eq!(store.count::<Line>().unwrap(), 161);

    assert!(store.delete::<Line>(&(5, 9)).unwrap());
    assert!(!store.delete::<Line>(&(5, 9)).unwrap());
    let doomed: Vec<(i64, i32)> = (1..=20).map(|o| (o, 1)).chain([(99, 1)]).collect();
    assert_eq!(store.delete_all::<Line>(&doomed).unwrap(), 20);
    assert_eq!(store.count::<Line>().unwrap(), 140);
    assert_eq!(store.find::<Line>(&(1, 1)).unwrap(), None);
    assert_eq!(store.find::<Line>(&(1, 2)).unwrap().map(|l| l.line), Some(2));

    // Time travel sees the rows as they were.
    let history = store.history::<Line>().unwrap();
    assert!(history.len() >= 5, "{history:?}");
    let first = history.iter().find(|c| c.rows_added == 160).expect("the first save");
    assert_eq!(store.load_version::<Line>(first.version).unwrap().len(), 160);
}

#[test]
fn avro_entities_and_string_parts() {
    let dir = temp();
    let store = store(dir.path());
    let rows: Vec<Stock> = (0..60)
        .map(|i| Stock {
            sku: format!("s{}", i % 7),
            bin: (i / 7) as u16,
            warehouse: ["north", "south"][i % 2].into(),
            count: i as i64,
        })
        .collect();
    store.save_all(&rows).unwrap();
    assert_eq!(store.count::<Stock>().unwrap(), 60);
    let key = rows[33].to_key();
    assert_eq!(store.find::<Stock>(&key).unwrap().map(|s| s.count), Some(33));
    let mut moved = rows[33].clone();
    moved.count = -1;
    store.save(&moved).unwrap();
    assert_eq!(store.count::<Stock>().unwrap(), 60);
    assert_eq!(store.find::<Stock>(&key).unwrap().map(|s| s.count), Some(-1));
    assert!(store.delete::<Stock>(&key).unwrap());
    assert_eq!(store.find::<Stock>(&key).unwrap(), None);
    assert_eq!(store.count::<Stock>().unwrap(), 59);
}

#[test]
fn deleting_an_order_cascades_to_its_lines() {
    let dir = temp();
    let store = store(dir.path());
    let orders: Vec<Order> = (1..=5).map(|i| Order { order_id: i, customer: format!("c{i}") }).collect();
    store.save_all(&orders).unwrap();
    store.save_all(&lines(5, 3)).unwrap();
    assert_eq!(store.delete_all::<Order>(&[2, 4]).unwrap(), 2);
    let left: Vec<(i64, i32)> = {
        let mut keys: Vec<_> = store.load_all::<Line>().unwrap().iter().map(Entity::to_key).collect();
        keys.sort();
        keys
    };
    assert_eq!(left.len(), 9);
    assert!(left.iter().all(|(o, _)| ![2, 4].contains(o)), "{left:?}");
    // Navigation from the parent, and to it.
    let first = store.find::<Order>(&1).unwrap().unwrap();
    assert_eq!(first.lines_in(&store).unwrap().len(), 3);
    let l = store.find::<Line>(&(3, 3)).unwrap().unwrap();
    assert_eq!(l.order_in(&store).unwrap().map(|o| o.customer), Some("c3".into()));
}

#[test]
fn validate_counts_duplicate_composite_keys() {
    let dir = temp();
    let store = store(dir.path());
    store.save_all(&[Order { order_id: 1, customer: "a".into() }]).unwrap();
    store.save_all(&lines(1, 3)).unwrap();
    let report = store.validate().unwrap();
    assert_eq!(report.entity("Line").map(|e| (e.rows, e.duplicate_keys)), Some((3, 0)));
    assert!(report.is_ok(), "{report}");
    // Rewrite the file behind the store's back: (1, 2) twice, and the same
    // line number under another order, which is no duplicate.
    let data = std::fs::read_dir(dir.path().join("lines/data")).unwrap().next().unwrap().unwrap().path();
    std::fs::remove_file(&data).unwrap();
    Line::write_file(&data, &[line(1, 1, 0), line(1, 2, 0), line(1, 2, 5)]).unwrap();
    let report = store.validate().unwrap();
    let lines = report.entity("Line").unwrap();
    assert_eq!((lines.rows, lines.duplicate_keys), (3, 1));
    assert_eq!(lines.duplicate_sample, vec!["{order_id: 1, line: 2}"]);
    assert!(report.to_string().contains("DUPLICATE KEYS"), "{report}");
}

#[test]
fn queries_see_only_live_rows() {
    let dir = temp();
    let store = store(dir.path());
    store.save_all(&[Order { order_id: 1, customer: "a".into() }]).unwrap();
    store.save_all(&lines(10, 3)).unwrap();
    store.save(&line(2, 2, 500)).unwrap();
    store.delete::<Line>(&(3, 3)).unwrap();
    for engine in [Engine::Memory, Engine::Lazy, Engine::Streaming] {
        let q = store.query::<Line>().engine(engine);
        assert_eq!(q.count().unwrap(), 29, "{engine:?}");
        let big = store.query::<Line>().filter(Line::QUANTITY.gt(400u32)).engine(engine).fetch().unwrap();
        assert_eq!(big, vec![line(2, 2, 500)], "{engine:?}");
    }
}

/// DataFusion (in process, as on the cluster) drops a file's deleted rows
/// by their keys: for a composite key, the struct of the key columns is
/// none of the deleted keys, one hashed list however many were deleted.
#[test]
fn datafusion_drops_many_deleted_composite_keys() {
    if !Engine::DataFusion.compiled() {
        return eprintln!("skipped: this build has no DataFusion (feature `distributed`)");
    }
    let dir = temp();
    let store = store(dir.path());
    let rows = lines(1000, 4);
    store.save_all(&rows).unwrap();
    // Every (o, 2) and (o, 3) for even orders: 1000 keys dead in one file,
    // beside live rows that share either part of each.
    let dead: Vec<(i64, i32)> = (1..=1000).filter(|o| o % 2 == 0).flat_map(|o| [(o, 2), (o, 3)]).collect();
    store.delete_all::<Line>(&dead).unwrap();
    let live = store.query::<Line>().engine(Engine::DataFusion).fetch().unwrap();
    let mut expected: Vec<Line> =
        rows.into_iter().filter(|l| !dead.contains(&(l.order_id, l.line))).collect();
    let mut live = live;
    live.sort_by_key(|l| (l.order_id, l.line));
    expected.sort_by_key(|l| (l.order_id, l.line));
    assert_eq!(live.len(), 3000);
    assert_eq!(live, expected);
}

#[test]
fn the_catalog_the_table_and_the_graph_name_every_key_column() {
    let dir = temp();
    let store = store(dir.path());
    store.save_all(&lines(2, 2)).unwrap();
    let stored = parquetframe::StoredEntity::open(&store, "Line").unwrap();
    assert_eq!(stored.primary_key(), "(order_id, line)");
    assert_eq!(stored.key_columns(), &["order_id", "line"]);
    assert_eq!(stored.entry.key_columns(), vec!["order_id", "line"]);
    // Outside readers find the key columns in the Delta table's properties.
    let log = std::fs::read_to_string(dir.path().join("lines/_delta_log/00000000000000000000.json")).unwrap();
    assert!(log.contains(r#"parquetframe.keyColumns":"[\"order_id\",\"line\"]"#), "{log}");
    // A catalog-only validation reads the key columns too.
    let report = store.validate_catalog().unwrap();
    assert_eq!(report.entity("Line").map(|e| (e.rows, e.duplicate_keys)), Some((4, 0)));
    let graph = parquetframe::schema_graph();
    let dot = graph.to_dot();
    assert!(dot.contains("order_id: Int64 (PK, FK)\\lline: Int32 (PK)\\l"), "{dot}");
    assert!(graph.to_text().contains("Line (key (order_id, line), 4 columns)"), "{}", graph.to_text());
}
