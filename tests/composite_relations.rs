//! Relations over several columns (`#[relation(Target, columns = [..])]` on
//! the struct): a foreign key that references a composite primary key, as
//! TPC-H's lineitem (l_partkey, l_suppkey) references partsupp. Navigation
//! both ways, `fk_check = "on_save"`, validation, the three `on_delete`
//! policies, typed joins, the catalog and the graph treat the columns as one
//! key, and a row matches only when every part matches.

use parquetframe::prelude::*;
use parquetframe::{FkCheck, RelationError, StoreOptions};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "parts/", primary_key = "part_id")]
pub struct Part {
    pub part_id: i64,
    pub name: String,
}

/// What a supplier asks for a part: the key is (part, supplier).
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "offers/", primary_key = ["part_id", "supplier_id"])]
pub struct Offer {
    #[relation(Part, inverse = "offers", on_delete = "cascade")]
    pub part_id: i64,
    pub supplier_id: i32,
    pub cost: f64,
}

/// A sold line references the offer it was bought under, by both columns;
/// its own columns are named otherwise, and deleting the offer deletes it.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "lines/", primary_key = "line_id")]
#[relation(Offer, columns = ["part", "supplier"], name = "offer", inverse = "lines", on_delete = "cascade")]
pub struct Line {
    pub line_id: i64,
    pub part: i64,
    pub supplier: i32,
    pub quantity: u32,
}

/// An optional reference (either part may be null): deleting the offer
/// clears both columns. The navigation name defaults to the target's, in
/// snake case (`offer()`).
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "quotes/", primary_key = "quote_id")]
#[relation(Offer, columns = ["part", "supplier"], inverse = "quotes", on_delete = "set_null")]
pub struct Quote {
    pub quote_id: i64,
    pub part: Option<i64>,
    pub supplier: Option<i32>,
    pub price: f64,
}

/// A restricting reference: an audited offer cannot be deleted.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "audits/", primary_key = "audit_id")]
#[relation(Offer, columns = ["part_id", "supplier_id"], name = "audited", inverse = "audits")]
pub struct Audit {
    pub audit_id: i64,
    pub part_id: i64,
    pub supplier_id: i32,
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn store_with(dir: &std::path::Path, fk_check: FkCheck) -> Store {
    let mut options = StoreOptions { fk_check, ..StoreOptions::default() };
    // Several row groups per file: lookups read only the groups they need.
    options.write.row_group_size = 8;
    Store::open_with(dir, options).unwrap()
}

/// Parts 1..=4; offers for every (part, supplier) with supplier 1..=3.
fn seed(store: &Store) {
    let parts: Vec<Part> = (1..=4).map(|i| Part { part_id: i, name: format!("p{i}") }).collect();
    store.save_all(&parts).unwrap();
    let offers: Vec<Offer> = (1..=4)
        .flat_map(|p| {
            (1..=3).map(move |s| Offer { part_id: p, supplier_id: s, cost: (p * 10) as f64 + f64::from(s) })
        })
        .collect();
    store.save_all(&offers).unwrap();
}

/// Lines over every offer, two each: line ids are `part * 100 + supplier * 10 + n`.
fn lines() -> Vec<Line> {
    (1..=4)
        .flat_map(|p| {
            (1..=3).flat_map(move |s| {
                (0..2).map(move |n| Line {
                    line_id: p * 100 + i64::from(s) * 10 + n,
                    part: p,
                    supplier: s,
                    quantity: 1,
                })
            })
        })
        .collect()
}

fn line_ids(store: &Store) -> Vec<i64> {
    let mut ids: Vec<i64> = store.load_all::<Line>().unwrap().iter().map(|l| l.line_id).collect();
    ids.sort_unstable();
    ids
}

#[test]
fn the_relation_lists_its_columns_in_the_targets_key_order() {
    let [r] = <Line as Entity>::RELATIONS else { panic!("one relation") };
    assert_eq!((r.name, r.column, r.target, r.inverse), ("offer", "(part, supplier)", "Offer", "lines"));
    assert_eq!(r.columns, &["part", "supplier"]);
    assert_eq!(r.target_columns, &["part_id", "supplier_id"]);
    assert_eq!(r.target_key, "(part_id, supplier_id)");
    assert!(r.required && r.is_composite());
    let [q] = <Quote as Entity>::RELATIONS else { panic!("one relation") };
    assert_eq!((q.name, q.required, q.on_delete), ("offer", false, OnDelete::SetNull));
    // A relation on a field stays one column.
    let [o] = <Offer as Entity>::RELATIONS else { panic!("one relation") };
    assert_eq!((o.column, o.columns, o.is_composite()), ("part_id", &["part_id"][..], false));
}

#[test]
fn navigation_matches_both_columns() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::Deferred);
    seed(&store);
    store.save_all(&lines()).unwrap();
    let line = store.find::<Line>(&231).unwrap().unwrap();
    let offer = line.offer_in(&store).unwrap().unwrap();
    assert_eq!((offer.part_id, offer.supplier_id, offer.cost), (2, 3, 23.0));
    // The offer's lines: the same part under other suppliers, or the same
    // supplier for other parts, are not among them.
    let mut ids: Vec<i64> = offer.lines_in(&store).unwrap().iter().map(|l| l.line_id).collect();
    ids.sort_unstable();
    assert_eq!(ids, vec![230, 231]);
    // A deleted line is gone from the navigation; a null part means no offer.
    store.delete::<Line>(&230).unwrap();
    assert_eq!(offer.lines_in(&store).unwrap().len(), 1);
    let quote = Quote { quote_id: 1, part: Some(2), supplier: None, price: 1.0 };
    store.save(&quote).unwrap();
    assert_eq!(quote.offer_in(&store).unwrap(), None);
    assert!(offer.quotes_in(&store).unwrap().is_empty());
    let quote = Quote { quote_id: 2, part: Some(2), supplier: Some(3), price: 1.0 };
    store.save(&quote).unwrap();
    assert_eq!(quote.offer_in(&store).unwrap().map(|o| o.cost), Some(23.0));
    assert_eq!(offer.quotes_in(&store).unwrap(), vec![quote]);
    // A key naming no live offer navigates to none.
    let stray = Line { line_id: 9, part: 2, supplier: 9, quantity: 1 };
    assert_eq!(stray.offer_in(&store).unwrap(), None);
}

#[test]
fn on_save_checks_every_part_of_the_key() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::OnSave);
    seed(&store);
    store.save_all(&lines()).unwrap();
    // Part 2 and supplier 3 both exist, but not (2, 7) nor (7, 3).
    let bad = vec![
        Line { line_id: 1, part: 2, supplier: 7, quantity: 1 },
        Line { line_id: 2, part: 7, supplier: 3, quantity: 1 },
        Line { line_id: 3, part: 2, supplier: 3, quantity: 1 },
    ];
    let err = store.save_all(&bad).unwrap_err();
    match &err {
        Error::Relation(RelationError::MissingParents { entity, column, target, missing, sample }) => {
            assert_eq!((*entity, *column, *target, *missing), ("Line", "(part, supplier)", "Offer", 2));
            assert_eq!(
                sample,
                &vec!["{part: 2, supplier: 7}".to_string(), "{part: 7, supplier: 3}".to_string()]
            );
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(store.count::<Line>().unwrap(), 24, "nothing written");
    // A key with a null part references nothing: the optional relation accepts it.
    store.save(&Quote { quote_id: 1, part: None, supplier: Some(7), price: 0.0 }).unwrap();
}

#[test]
fn validate_finds_orphans_and_null_keys() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::Deferred);
    seed(&store);
    let mut all = lines();
    all.push(Line { line_id: 1, part: 4, supplier: 4, quantity: 1 });
    all.push(Line { line_id: 2, part: 5, supplier: 1, quantity: 1 });
    store.save_all(&all).unwrap();
    store
        .save_all(&[
            Quote { quote_id: 1, part: Some(1), supplier: Some(1), price: 0.0 },
            Quote { quote_id: 2, part: Some(1), supplier: None, price: 0.0 },
            Quote { quote_id: 3, part: None, supplier: None, price: 0.0 },
        ])
        .unwrap();
    for report in [store.validate().unwrap(), store.validate_catalog().unwrap()] {
        let r = report.relation("Line", "(part, supplier)").expect("the relation is checked");
        assert_eq!((r.rows, r.orphans, r.nulls, r.required), (26, 2, 0, true), "{report}");
        let mut sample = r.orphan_sample.clone();
        sample.sort();
        assert_eq!(sample, vec!["{part: 4, supplier: 4}", "{part: 5, supplier: 1}"]);
        let q = report.relation("Quote", "(part, supplier)").unwrap();
        assert_eq!((q.rows, q.orphans, q.nulls), (3, 0, 2), "{report}");
        assert!(report.to_string().contains("Line.(part, supplier) -> Offer"), "{report}");
        assert_eq!(report.orphans(), 2);
    }
}

#[test]
fn deletes_follow_each_policy_through_both_columns() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::Deferred);
    seed(&store);
    store.save_all(&lines()).unwrap();
    store
        .save_all(&[
            Quote { quote_id: 1, part: Some(1), supplier: Some(2), price: 5.0 },
            Quote { quote_id: 2, part: Some(1), supplier: Some(3), price: 6.0 },
        ])
        .unwrap();
    store.save(&Audit { audit_id: 1, part_id: 3, supplier_id: 1 }).unwrap();

    // Offer (1, 2): its two lines go (cascade), its quote loses both parts
    // (set_null); lines of (1, 1), (1, 3) and (2, 2) stay.
    assert!(store.delete::<Offer>(&(1, 2)).unwrap());
    let ids = line_ids(&store);
    assert_eq!(ids.len(), 22);
    assert!(!ids.contains(&120) && !ids.contains(&121), "{ids:?}");
    assert!(ids.contains(&110) && ids.contains(&130) && ids.contains(&220), "{ids:?}");
    let q1 = store.find::<Quote>(&1).unwrap().unwrap();
    assert_eq!((q1.part, q1.supplier, q1.price), (None, None, 5.0));
    assert_eq!(store.find::<Quote>(&2).unwrap().unwrap().supplier, Some(3));

    // Part 2: its offers go (cascade over one column), and their lines in turn.
    assert!(store.delete::<Part>(&2).unwrap());
    assert_eq!(store.count::<Offer>().unwrap(), 8);
    assert!(line_ids(&store).iter().all(|id| id / 100 != 2));

    // An audited offer cannot go: the delete names the child and the key.
    let err = store.delete::<Offer>(&(3, 1)).unwrap_err();
    match &err {
        Error::Relation(RelationError::Restricted { entity, keys, child, column, rows, sample }) => {
            assert_eq!((*entity, *child, *column, *rows), ("Offer", "Audit", "(part_id, supplier_id)", 1));
            assert_eq!(keys, &vec!["{part_id: 3, supplier_id: 1}".to_string()]);
            assert_eq!(sample, &vec!["1".to_string()]);
        }
        other => panic!("unexpected {other}"),
    }
    // Nor can its part, whose cascade would reach it; nothing was deleted.
    assert!(store.delete::<Part>(&3).is_err());
    assert_eq!(store.count::<Offer>().unwrap(), 8);
    assert!(store.validate().unwrap().is_ok());
}

#[test]
fn typed_joins_match_both_columns_on_every_engine() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::Deferred);
    seed(&store);
    store.save_all(&lines()).unwrap();
    store.delete::<Line>(&111).unwrap();
    for engine in [Engine::Memory, Engine::Lazy, Engine::Streaming] {
        // Each line joins its one offer: a join on one column would give three.
        let joined = store
            .query::<Line>()
            .join::<Offer>()
            .unwrap()
            .engine(engine)
            .order_by(Line::LINE_ID.asc())
            .to_dataframe()
            .unwrap();
        assert_eq!(joined.height(), 23, "{engine:?}");
        let cost = joined.column("cost").unwrap().f64().unwrap().clone();
        let first: Vec<Option<f64>> = (0..3).map(|i| cost.get(i)).collect();
        assert_eq!(first, vec![Some(11.0), Some(12.0), Some(12.0)], "{engine:?}");
        // And from the other side, the offer holding no key.
        let back = store.query::<Offer>().join::<Line>().unwrap().engine(engine).count().unwrap();
        assert_eq!(back, 23, "{engine:?}");
    }
    let plan = store.query::<Line>().join::<Offer>().unwrap().explain().unwrap().to_string();
    assert!(plan.contains("join on part, supplier = part_id, supplier_id"), "{plan}");
}

#[test]
fn the_catalog_the_table_and_the_graph_record_the_columns() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::Deferred);
    seed(&store);
    store.save_all(&lines()).unwrap();
    let stored = parquetframe::StoredEntity::open(&store, "Line").unwrap();
    let [r] = stored.entry.relations.as_slice() else { panic!("one relation") };
    assert_eq!(r.column, "(part, supplier)");
    assert_eq!(r.key_columns(), vec!["part", "supplier"]);
    let log = std::fs::read_to_string(dir.path().join("lines/_delta_log/00000000000000000000.json")).unwrap();
    assert!(log.contains(r#"\"columns\":[\"part\",\"supplier\"]"#), "{log}");
    let graph = parquetframe::schema_graph();
    assert!(graph.check().is_ok());
    let order = graph.topological_order().unwrap();
    let pos = |n: &str| order.iter().position(|e| *e == n).unwrap();
    assert!(pos("Part") < pos("Offer") && pos("Offer") < pos("Line") && pos("Offer") < pos("Audit"));
    // Both columns are marked as a foreign key in the drawings.
    let dot = graph.to_dot();
    assert!(dot.contains("part: Int64 (FK)\\l") && dot.contains("supplier: Int32 (FK)\\l"), "{dot}");
    assert!(
        graph.to_mermaid().contains("Offer ||--o{ Line : \"(part, supplier)\""),
        "{}",
        graph.to_mermaid()
    );
    let text = graph.to_text();
    assert!(text.contains("(part, supplier)"), "{text}");
}
