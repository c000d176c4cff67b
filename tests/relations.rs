//! Relations: navigation both ways, foreign-key validation, `fk_check =
//! "on_save"`, the `on_delete` policies, the catalog and the entity graph.

use parquetframe::prelude::*;
use parquetframe::{FkCheck, RelationError, StoreOptions};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
    pub name: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "orders/", primary_key = "order_id", format = "avro")]
pub struct Order {
    pub order_id: i64,
    #[relation(User, inverse = "orders")]
    pub user_id: i64,
    pub amount: f64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "lines/", primary_key = "line_id")]
pub struct Line {
    pub line_id: String,
    #[relation(Order, inverse = "lines", on_delete = "cascade")]
    pub order_id: i64,
    pub sku: String,
}

/// A self relation whose parents may go: reports keep their row, lose their manager.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "employees/", primary_key = "employee_id")]
pub struct Employee {
    pub employee_id: u32,
    pub name: String,
    #[relation(Self, inverse = "reports", on_delete = "set_null")]
    pub manager_id: Option<u32>,
}

/// A self relation with cascade: deleting a category deletes its subtree.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "categories/", primary_key = "id")]
pub struct Category {
    pub id: i64,
    #[relation(Category, inverse = "children", on_delete = "cascade")]
    pub parent_id: Option<i64>,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "students/", primary_key = "student_id")]
pub struct Student {
    pub student_id: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "courses/", primary_key = "code")]
pub struct Course {
    pub code: String,
    pub title: String,
}

/// Many-to-many: a join entity with two relations.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "enrollments/", primary_key = "enrollment_id")]
pub struct Enrollment {
    pub enrollment_id: i64,
    #[relation(Student, inverse = "enrollments", on_delete = "cascade")]
    pub student_id: String,
    #[relation(Course, inverse = "enrollments", name = "course")]
    pub course_code: String,
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn store_with(dir: &std::path::Path, fk_check: FkCheck, row_group_size: usize) -> Store {
    let mut options = StoreOptions { fk_check, ..StoreOptions::default() };
    options.write.row_group_size = row_group_size;
    Store::open_with(dir, options).unwrap()
}

fn users(n: i64) -> Vec<User> {
    (1..=n).map(|i| User { user_id: i, name: format!("user {i}") }).collect()
}

fn order(order_id: i64, user_id: i64) -> Order {
    Order { order_id, user_id, amount: order_id as f64 / 2.0 }
}

/// A boss with two reports, one of whom has a report.
fn staff() -> Vec<Employee> {
    let e = |employee_id, name: &str, manager_id| Employee { employee_id, name: name.into(), manager_id };
    vec![e(1, "boss", None), e(2, "a", Some(1)), e(3, "b", Some(1)), e(4, "c", Some(3))]
}

fn sorted<T: Entity>(mut rows: Vec<T>) -> Vec<T> {
    rows.sort_by(|a, b| a.key().cmp(&b.key()));
    rows
}

#[test]
fn navigation_both_ways_follows_upserts_and_deletes() {
    let dir = temp();
    // Small row groups and several files: the inverse index spans units and dead rows.
    let store = store_with(dir.path(), FkCheck::Deferred, 7);
    store.save_all(&users(5)).unwrap();
    let orders: Vec<Order> = (0..60).map(|i| order(i, i % 5 + 1)).collect();
    store.save_all(&orders[..30]).unwrap();
    store.save_all(&orders[30..]).unwrap();

    let ada = store.find::<User>(&2).unwrap().unwrap();
    let mine = sorted(ada.orders_in(&store).unwrap());
    assert_eq!(
        mine.iter().map(|o| o.order_id).collect::<Vec<_>>(),
        (0..60).filter(|i| i % 5 == 1).collect::<Vec<_>>()
    );
    assert_eq!(mine[0].user_in(&store).unwrap(), Some(ada.clone()));
    // The repeated call uses the index and gives the same rows.
    assert_eq!(sorted(ada.orders_in(&store).unwrap()), mine);

    // An upsert moves an order to another user; a delete removes one: the next
    // call sees the new snapshot.
    store.save(&order(1, 3)).unwrap();
    assert!(store.delete::<Order>(&6).unwrap());
    let now: Vec<i64> = sorted(ada.orders_in(&store).unwrap()).iter().map(|o| o.order_id).collect();
    assert_eq!(now, (0..60).filter(|i| i % 5 == 1 && *i != 1 && *i != 6).collect::<Vec<_>>());
    let third = store.find::<User>(&3).unwrap().unwrap();
    assert!(third.orders_in(&store).unwrap().iter().any(|o| o.order_id == 1));

    // A key nobody references, and a dangling forward key.
    assert!(User { user_id: 77, name: String::new() }.orders_in(&store).unwrap().is_empty());
    assert_eq!(order(500, 99).user_in(&store).unwrap(), None);
}

#[test]
fn self_relations_and_optional_keys() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::OnSave, 1024);
    let staff = staff();
    // on_save accepts parents saved in the same call.
    store.save_all(&staff).unwrap();
    let boss = store.find::<Employee>(&1).unwrap().unwrap();
    assert_eq!(boss.manager_in(&store).unwrap(), None);
    let reports: Vec<u32> = sorted(boss.reports_in(&store).unwrap()).iter().map(|e| e.employee_id).collect();
    assert_eq!(reports, vec![2, 3]);
    assert_eq!(staff[3].manager_in(&store).unwrap().map(|m| m.name), Some("b".into()));
    assert!(store.validate().unwrap().is_ok());
}

#[test]
fn many_to_many_through_a_join_entity() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::OnSave, 1024);
    let students: Vec<Student> =
        ["ann", "bo", "cy"].iter().map(|s| Student { student_id: (*s).into() }).collect();
    let courses = vec![
        Course { code: "MATH".into(), title: "Algebra".into() },
        Course { code: "ART".into(), title: "Drawing".into() },
    ];
    store.save_all(&students).unwrap();
    store.save_all(&courses).unwrap();
    let pairs = [("ann", "MATH"), ("ann", "ART"), ("bo", "MATH"), ("cy", "ART")];
    let enrollments: Vec<Enrollment> = pairs
        .iter()
        .enumerate()
        .map(|(i, (s, c))| Enrollment {
            enrollment_id: i as i64,
            student_id: (*s).into(),
            course_code: (*c).into(),
        })
        .collect();
    store.save_all(&enrollments).unwrap();

    let ann_courses: Vec<String> = students[0]
        .enrollments_in(&store)
        .unwrap()
        .iter()
        .map(|e| e.course_in(&store).unwrap().unwrap().title)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(ann_courses, vec!["Algebra", "Drawing"]);
    let math_students: Vec<String> = sorted(courses[0].enrollments_in(&store).unwrap())
        .iter()
        .map(|e| e.student_in(&store).unwrap().unwrap().student_id)
        .collect();
    assert_eq!(math_students, vec!["ann", "bo"]);

    // Deleting a student cascades to their enrollments; courses stay.
    assert!(store.delete::<Student>(&"ann".to_string()).unwrap());
    assert_eq!(store.count::<Enrollment>().unwrap(), 2);
    assert_eq!(store.count::<Course>().unwrap(), 2);
    // Deleting a course is restricted while students are enrolled.
    let err = store.delete::<Course>(&"ART".to_string()).unwrap_err();
    assert!(
        matches!(&err, Error::Relation(RelationError::Restricted { child: "Enrollment", rows: 1, .. })),
        "{err}"
    );
    assert!(store.validate().unwrap().is_ok());
}

#[test]
fn validate_reports_known_orphans_with_sample_keys() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::Deferred, 16);
    store.save_all(&users(10)).unwrap();
    // 100 orders, 7 of them pointing at users that do not exist.
    let mut orders: Vec<Order> = (0..93).map(|i| order(i, i % 10 + 1)).collect();
    orders.extend((93..100).map(|i| order(i, 1000 + i)));
    store.save_all(&orders).unwrap();
    // Orphans appear when parents go, too (a delete without cascade... is
    // restricted, so the orphans here come from deferred saves only).
    let lines = vec![
        Line { line_id: "a".into(), order_id: 1, sku: "x".into() },
        Line { line_id: "b".into(), order_id: 4242, sku: "y".into() },
    ];
    store.save_all(&lines).unwrap();

    let report = store.validate().unwrap();
    assert!(!report.is_ok());
    let r = report.relation("Order", "user_id").unwrap();
    assert_eq!((r.rows, r.orphans, r.nulls, r.required), (100, 7, 0, true));
    assert_eq!(r.orphan_sample.len(), 5);
    assert!(r.orphan_sample.iter().all(|k| k.parse::<i64>().unwrap() >= 1093), "{:?}", r.orphan_sample);
    let l = report.relation("Line", "order_id").unwrap();
    assert_eq!((l.orphans, l.orphan_sample.clone()), (1, vec!["4242".to_string()]));
    assert_eq!(report.orphans(), 8);
    assert_eq!(report.entity("User").unwrap().rows, 10);
    assert_eq!(report.entity("Order").unwrap().duplicate_keys, 0);
    assert_eq!(report.problems(), 2);
    let text = report.to_string();
    assert!(text.contains("validation: 2 problems"), "{text}");
    assert!(text.contains("Order.user_id -> User"), "{text}");
    assert!(text.contains("ORPHANS e.g. 1093"), "{text}");
    // Parents listed before children.
    let names: Vec<&str> = report.entities.iter().map(|e| e.entity.as_str()).collect();
    let pos = |n: &str| names.iter().position(|e| *e == n).unwrap();
    assert!(pos("User") < pos("Order") && pos("Order") < pos("Line"));

    // Fixing the data fixes the report.
    store.delete_all::<Line>(&["b".to_string()]).unwrap();
    store
        .save_all(&(1093..1100).map(|i| User { user_id: i, name: "late".into() }).collect::<Vec<_>>())
        .unwrap();
    let report = store.validate().unwrap();
    assert!(report.is_ok(), "{report}");
    assert!(report.to_string().starts_with("validation: ok"));
}

#[test]
fn on_save_refuses_rows_whose_parents_are_missing_and_writes_nothing() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::OnSave, 1024);
    store.save_all(&users(3)).unwrap();
    let err = store.save_all(&[order(1, 1), order(2, 9), order(3, 8), order(4, 9)]).unwrap_err();
    match &err {
        Error::Relation(RelationError::MissingParents { entity, column, target, missing, sample }) => {
            assert_eq!((*entity, *column, *target, *missing), ("Order", "user_id", "User", 3));
            assert_eq!(sample, &vec!["9".to_string(), "8".to_string(), "9".to_string()]);
        }
        other => panic!("unexpected {other}"),
    }
    assert!(err.to_string().contains("nothing was saved"), "{err}");
    assert_eq!(store.count::<Order>().unwrap(), 0);
    assert!(
        !dir.path().join("orders/data").exists()
            || std::fs::read_dir(dir.path().join("orders/data")).unwrap().count() == 0
    );
    store.save_all(&[order(1, 1), order(2, 3)]).unwrap();
    assert_eq!(store.count::<Order>().unwrap(), 2);
    // Deferred checking saves the same rows.
    let deferred = store_with(dir.path(), FkCheck::Deferred, 1024);
    deferred.save(&order(3, 9)).unwrap();
    assert_eq!(deferred.validate().unwrap().orphans(), 1);
}

#[test]
fn restrict_refuses_the_delete_and_loses_nothing() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::Deferred, 1024);
    store.save_all(&users(3)).unwrap();
    store.save_all(&[order(10, 2), order(11, 2)]).unwrap();
    let err = store.delete::<User>(&2).unwrap_err();
    match &err {
        Error::Relation(RelationError::Restricted { entity, keys, child, column, rows, sample }) => {
            assert_eq!((*entity, *child, *column, *rows), ("User", "Order", "user_id", 2));
            assert_eq!(keys, &vec!["2".to_string()]);
            assert_eq!(sample, &vec!["10".to_string(), "11".to_string()]);
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(store.count::<User>().unwrap(), 3);
    // A user that does not exist deletes nothing, even when orphans name it.
    store.save(&order(12, 99)).unwrap();
    assert!(!store.delete::<User>(&99).unwrap());
    assert!(store.find::<Order>(&12).unwrap().is_some());
    store.delete::<Order>(&12).unwrap();
    // Unreferenced users go; once the orders are gone, so can user 2.
    assert_eq!(store.delete_all::<User>(&[1, 3, 99]).unwrap(), 2);
    store.delete_all::<Order>(&[10, 11]).unwrap();
    assert!(store.delete::<User>(&2).unwrap());
    assert_eq!(store.count::<User>().unwrap(), 0);
}

#[test]
fn cascade_deletes_referencing_rows_recursively() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::Deferred, 1024);
    store.save_all(&users(1)).unwrap();
    store.save_all(&[order(1, 1), order(2, 1)]).unwrap();
    let lines: Vec<Line> =
        (0..6).map(|i| Line { line_id: format!("l{i}"), order_id: i % 2 + 1, sku: "s".into() }).collect();
    store.save_all(&lines).unwrap();
    assert!(store.delete::<Order>(&1).unwrap());
    let left: Vec<String> =
        sorted(store.load_all::<Line>().unwrap()).into_iter().map(|l| l.line_id).collect();
    assert_eq!(left, vec!["l1", "l3", "l5"]);
    // Many referencing rows (over two files, one row replaced): deleted in one pass.
    let many: Vec<Line> =
        (0..40).map(|i| Line { line_id: format!("m{i:02}"), order_id: 2, sku: "s".into() }).collect();
    store.save_all(&many[..25]).unwrap();
    store.save_all(&many[20..]).unwrap();
    assert_eq!(store.count::<Line>().unwrap(), 43);
    assert!(store.delete::<Order>(&2).unwrap());
    assert_eq!(store.count::<Line>().unwrap(), 0);
    assert!(store.validate().unwrap().is_ok());

    // A tree: deleting the root deletes every level below it, and nothing else.
    let tree = vec![
        Category { id: 1, parent_id: None },
        Category { id: 2, parent_id: Some(1) },
        Category { id: 3, parent_id: Some(2) },
        Category { id: 4, parent_id: Some(3) },
        Category { id: 5, parent_id: None },
        Category { id: 6, parent_id: Some(5) },
    ];
    store.save_all(&tree).unwrap();
    assert!(store.delete::<Category>(&1).unwrap());
    let left: Vec<i64> = sorted(store.load_all::<Category>().unwrap()).iter().map(|c| c.id).collect();
    assert_eq!(left, vec![5, 6]);
    assert!(store.validate().unwrap().is_ok());
}

#[test]
fn set_null_clears_the_foreign_key_of_referencing_rows() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::Deferred, 1024);
    let staff = staff();
    store.save_all(&staff).unwrap();
    assert!(store.delete::<Employee>(&1).unwrap());
    let left = sorted(store.load_all::<Employee>().unwrap());
    assert_eq!(
        left.iter().map(|e| (e.employee_id, e.manager_id)).collect::<Vec<_>>(),
        vec![(2, None), (3, None), (4, Some(3))]
    );
    assert!(store.validate().unwrap().is_ok());
}

#[test]
fn the_catalog_records_relations() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::Deferred, 1024);
    store.save_all(&users(1)).unwrap();
    store.save(&order(1, 1)).unwrap();
    let catalog = parquetframe::storage::catalog::read(dir.path()).unwrap();
    let rel = &catalog.entities["Order"].relations;
    assert_eq!(rel.len(), 1);
    assert_eq!(
        (rel[0].column.as_str(), rel[0].target.as_str(), rel[0].inverse.as_str(), rel[0].required),
        ("user_id", "User", "orders", true)
    );
    assert_eq!(rel[0].on_delete, OnDelete::Restrict);
    // Tools can rebuild the graph from the catalog alone.
    let graph = parquetframe::SchemaGraph::from_catalog(&catalog);
    assert_eq!(graph.topological_order().unwrap(), vec!["User", "Order"]);
    assert!(graph.check().is_ok());
}

#[test]
fn the_linked_graph_is_ordered_checked_and_drawn() {
    let graph = parquetframe::schema_graph();
    graph.check().unwrap();
    let order = graph.topological_order().unwrap();
    let pos = |n: &str| order.iter().position(|e| *e == n).unwrap();
    assert!(pos("User") < pos("Order") && pos("Order") < pos("Line"));
    assert!(pos("Student") < pos("Enrollment") && pos("Course") < pos("Enrollment"));
    let infos = parquetframe::registry::entities();
    assert_eq!(infos.len(), 9);
    let relations: Vec<_> = infos.iter().flat_map(|e| e.relations.iter()).collect();
    assert_eq!(relations.len(), 6);
    let mermaid = graph.to_mermaid();
    assert!(mermaid.starts_with("erDiagram\n"), "{mermaid}");
    assert!(mermaid.contains("    User ||--o{ Order : \"user_id\""), "{mermaid}");
    assert!(mermaid.contains("    Employee |o--o{ Employee : \"manager_id\""), "{mermaid}");
    assert!(mermaid.contains("        Int64 order_id PK\n        Int64 user_id FK\n"), "{mermaid}");
    let dot = graph.to_dot();
    assert!(dot.contains("\"Order\" -> \"User\" [label=\"user_id\"];"), "{dot}");
    assert!(dot.contains("\"Category\" -> \"Category\" [label=\"parent_id\", style=dashed];"), "{dot}");
    assert!(dot.contains("user_id: Int64 (PK)\\l"), "{dot}");
}

/// Linked into the program but never written to the test stores, at the path
/// of `User`: validation must not read `User`'s files as its own.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "shadow_id")]
pub struct Shadow {
    pub shadow_id: i64,
}

#[test]
fn validate_checks_only_entities_the_store_holds() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::Deferred, 1024);
    store.save_all(&users(2)).unwrap();
    store.save(&order(1, 2)).unwrap();
    let report = store.validate().unwrap();
    assert!(report.is_ok(), "{report}");
    let names: Vec<&str> = report.entities.iter().map(|e| e.entity.as_str()).collect();
    assert_eq!(names, vec!["User", "Order"]);
    assert_eq!(report.relations.len(), 1);
}

/// `Line`'s columns with a nullable foreign key: what another writer might produce.
#[derive(Record, Debug, Clone, PartialEq)]
pub struct LineRow {
    pub line_id: String,
    pub order_id: Option<i64>,
    pub sku: String,
}

/// The only data file of entity directory `dir`.
fn data_file(dir: &std::path::Path) -> std::path::PathBuf {
    let files: Vec<_> = std::fs::read_dir(dir.join("data")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

#[test]
fn validate_finds_duplicate_keys_and_null_required_keys_in_files_changed_outside() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::Deferred, 1024);
    store.save_all(&users(3)).unwrap();
    store.save_all(&[order(1, 1)]).unwrap();
    store.save_all(&[Line { line_id: "a".into(), order_id: 1, sku: "x".into() }]).unwrap();
    // Replace the files' contents behind the store's back: users with a
    // repeated key, lines with null foreign keys.
    let users_file = data_file(&dir.path().join("users"));
    std::fs::remove_file(&users_file).unwrap();
    User::write_file(&users_file, &[users(3), users(2)].concat()).unwrap();
    let lines_file = data_file(&dir.path().join("lines"));
    std::fs::remove_file(&lines_file).unwrap();
    let rows = vec![
        LineRow { line_id: "a".into(), order_id: None, sku: "x".into() },
        LineRow { line_id: "b".into(), order_id: Some(1), sku: "y".into() },
        LineRow { line_id: "c".into(), order_id: None, sku: "z".into() },
    ];
    LineRow::write_file(&lines_file, &rows).unwrap();

    let report = store.validate().unwrap();
    let users = report.entity("User").unwrap();
    assert_eq!((users.rows, users.duplicate_keys), (5, 2));
    assert_eq!(users.duplicate_sample, vec!["1", "2"]);
    let lines = report.relation("Line", "order_id").unwrap();
    assert_eq!((lines.rows, lines.nulls, lines.orphans, lines.required), (3, 2, 0, true));
    assert_eq!(report.problems(), 2);
    let text = report.to_string();
    assert!(text.contains("DUPLICATE KEYS e.g. 1, 2"), "{text}");
    assert!(text.contains("NULL IN REQUIRED KEY"), "{text}");
}

#[test]
fn a_save_set_saves_parents_first() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::OnSave, 1024);
    let (parents, orders) = (users(2), vec![order(1, 1), order(2, 2)]);
    let lines = vec![Line { line_id: "a".into(), order_id: 2, sku: "x".into() }];
    // Saved one by one in this order, the orders would be refused.
    assert!(store.save_all(&orders).is_err());
    let set = store.save_set().with(&lines).with(&orders).with(&parents);
    assert_eq!(set.order().unwrap(), vec!["User", "Order", "Line"]);
    set.commit().unwrap();
    assert_eq!(
        (store.count::<User>().unwrap(), store.count::<Order>().unwrap(), store.count::<Line>().unwrap()),
        (2, 2, 1)
    );
    // A failing entity is named; the ones before it are saved.
    let bad = vec![Line { line_id: "b".into(), order_id: 99, sku: "y".into() }];
    let more = users(3);
    let err = store.save_set().with(&bad).with(&more).commit().unwrap_err();
    assert!(err.to_string().contains("entity `Line`"), "{err}");
    assert_eq!(store.count::<User>().unwrap(), 3);
}

#[test]
fn navigation_stays_right_across_more_stores_than_indexes_kept() {
    // 20 stores: more than the 16 indexes kept, so early ones are dropped and rebuilt.
    let dirs: Vec<_> = (0..20).map(|_| temp()).collect();
    let stores: Vec<Store> = dirs.iter().map(|d| store_with(d.path(), FkCheck::Deferred, 1024)).collect();
    for (i, store) in stores.iter().enumerate() {
        store.save_all(&users(2)).unwrap();
        store.save_all(&(0..=i as i64).map(|o| order(o, 1)).collect::<Vec<_>>()).unwrap();
    }
    let ada = User { user_id: 1, name: String::new() };
    for _ in 0..2 {
        for (i, store) in stores.iter().enumerate() {
            assert_eq!(ada.orders_in(store).unwrap().len(), i + 1);
        }
    }
}

#[test]
fn navigation_over_sparse_integer_and_negative_keys() {
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::Deferred, 4);
    let ids = [-5i64, 1, 1_000_000_000_000, i64::MIN, i64::MAX];
    store
        .save_all(&ids.iter().map(|&i| User { user_id: i, name: i.to_string() }).collect::<Vec<_>>())
        .unwrap();
    let orders: Vec<Order> = (0..25).map(|o| order(o, ids[o as usize % ids.len()])).collect();
    store.save_all(&orders).unwrap();
    for &id in &ids {
        let user = store.find::<User>(&id).unwrap().unwrap();
        let mine: Vec<i64> = sorted(user.orders_in(&store).unwrap()).iter().map(|o| o.order_id).collect();
        let expected: Vec<i64> = (0..25).filter(|o| ids[*o as usize % ids.len()] == id).collect();
        assert_eq!(mine, expected, "user {id}");
    }
    // Dense and negative: the other index layout.
    let dir = temp();
    let store = store_with(dir.path(), FkCheck::Deferred, 4);
    store.save_all(&(-3..3).map(|i| User { user_id: i, name: String::new() }).collect::<Vec<_>>()).unwrap();
    store.save_all(&(0..30).map(|o| order(o, o % 6 - 3)).collect::<Vec<_>>()).unwrap();
    for id in -3..3 {
        let n = User { user_id: id, name: String::new() }.orders_in(&store).unwrap().len();
        assert_eq!(n, 5, "user {id}");
    }
    assert!(User { user_id: 3, name: String::new() }.orders_in(&store).unwrap().is_empty());
    assert!(User { user_id: -4, name: String::new() }.orders_in(&store).unwrap().is_empty());
}
