// The store suite, shared by tests/store.rs (Parquet) and tests/store_avro.rs
// (Avro): one storage code path, so the same behaviour is required of both.
// The including file invokes `entities!("parquet")` or `entities!("avro")`.

use std::path::Path;

use chrono::{DateTime, Utc};
use parquetframe::prelude::*;
use parquetframe::{Error, StoreOptions};

/// The suite's entities, stored in `$format`.
macro_rules! entities {
    ($format:tt) => {
        /// The format under test.
        const FORMAT: &str = $format;

        #[derive(Entity, Debug, Clone, PartialEq)]
        #[entity(storage_path = "users/", primary_key = "user_id", format = $format)]
        pub struct User {
            pub user_id: i64,
            pub name: String,
            pub email: Option<String>,
            pub age: i32,
            pub signup: DateTime<Utc>,
        }

        #[derive(Entity, Debug, Clone, PartialEq)]
        #[entity(storage_path = "users/", primary_key = "user_id", name = "Impostor", format = $format)]
        pub struct Impostor {
            pub user_id: i64,
        }

        /// `users/` spelled another way: the same directory on every file
        /// system (`./`), or on case-insensitive ones (`Users`).
        #[derive(Entity, Debug, Clone, PartialEq)]
        #[entity(storage_path = "./Users//", primary_key = "user_id", name = "Shadow", format = $format)]
        pub struct Shadow {
            pub user_id: i64,
        }

        mod v1 {
            use parquetframe::prelude::*;
            #[derive(Entity, Debug, Clone, PartialEq)]
            #[entity(storage_path = "items/", primary_key = "id", name = "Item", format = $format)]
            pub struct Item {
                pub id: i32,
                pub label: String,
                pub legacy: i64,
            }
        }

        mod v2 {
            use parquetframe::prelude::*;
            #[derive(Entity, Debug, Clone, PartialEq)]
            #[entity(storage_path = "items/", primary_key = "id", name = "Item", format = $format)]
            pub struct Item {
                pub id: i64,
                pub label: String,
                #[entity(default)]
                pub note: Option<String>,
                #[entity(default)]
                pub tags: Vec<String>,
            }
        }

        /// v2's key type with v1's columns: an older program on v2's table.
        mod v1_compatible {
            use parquetframe::prelude::*;
            #[derive(Entity, Debug, Clone, PartialEq)]
            #[entity(storage_path = "items/", primary_key = "id", name = "Item", format = $format)]
            pub struct Item {
                pub id: i64,
                pub label: String,
            }
        }

        mod v3 {
            use parquetframe::prelude::*;
            #[derive(Entity, Debug, Clone, PartialEq)]
            #[entity(storage_path = "items/", primary_key = "id", name = "Item", format = $format)]
            pub struct Item {
                pub id: i64,
                pub label: i32,
            }
        }
    };
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

fn sorted(mut users: Vec<User>) -> Vec<User> {
    users.sort_by_key(|u| u.user_id);
    users
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn open_creates_a_missing_root() {
    let dir = temp();
    let root = dir.path().join("a/b/store");
    Store::open(&root).unwrap();
    assert!(root.join("_parquetframe").is_dir());
}

#[test]
fn save_then_load_returns_the_rows() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    let users: Vec<User> = (0..100).map(|i| user(i, "u")).collect();
    store.save_all(&users).unwrap();
    assert_eq!(sorted(store.load_all::<User>().unwrap()), users);
    assert_eq!(store.count::<User>().unwrap(), 100);
}

#[test]
fn empty_store_loads_nothing_and_finds_nothing() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    assert!(store.load_all::<User>().unwrap().is_empty());
    assert_eq!(store.find::<User>(&1).unwrap(), None);
    assert_eq!(store.count::<User>().unwrap(), 0);
    assert!(!store.delete::<User>(&1).unwrap());
}

#[test]
fn upsert_replaces_row_with_same_key() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&[user(1, "a"), user(2, "b")]).unwrap();
    store.save(&user(2, "b2")).unwrap();
    store.save_all(&[user(3, "c"), user(1, "a2")]).unwrap();
    assert_eq!(sorted(store.load_all::<User>().unwrap()), vec![user(1, "a2"), user(2, "b2"), user(3, "c")]);
    assert_eq!(store.count::<User>().unwrap(), 3);
    assert_eq!(store.find::<User>(&2).unwrap(), Some(user(2, "b2")));
}

#[test]
fn last_duplicate_within_one_save_wins() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&[user(1, "first"), user(2, "x"), user(1, "last")]).unwrap();
    assert_eq!(sorted(store.load_all::<User>().unwrap()), vec![user(1, "last"), user(2, "x")]);
    assert_eq!(store.count::<User>().unwrap(), 2);
}

#[test]
fn find_of_a_missing_key_is_none() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&[user(1, "a")]).unwrap();
    assert_eq!(store.find::<User>(&2).unwrap(), None);
}

#[test]
fn delete_removes_and_reports_whether_it_did() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&(0..10).map(|i| user(i, "u")).collect::<Vec<_>>()).unwrap();
    assert!(store.delete::<User>(&3).unwrap());
    assert!(!store.delete::<User>(&3).unwrap());
    assert!(!store.delete::<User>(&42).unwrap());
    assert_eq!(store.find::<User>(&3).unwrap(), None);
    assert_eq!(store.count::<User>().unwrap(), 9);
    assert!(store.load_all::<User>().unwrap().iter().all(|u| u.user_id != 3));
    // Saving a deleted key brings it back.
    store.save(&user(3, "back")).unwrap();
    assert_eq!(store.find::<User>(&3).unwrap(), Some(user(3, "back")));
    assert_eq!(store.count::<User>().unwrap(), 10);
}

#[test]
fn upserts_and_deletes_do_not_rewrite_the_entity() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&(0..1000).map(|i| user(i, "u")).collect::<Vec<_>>()).unwrap();
    let first = store.snapshot::<User>().unwrap().files[0].clone();
    store.save(&user(5, "changed")).unwrap();
    store.delete::<User>(&6).unwrap();
    let files = store.snapshot::<User>().unwrap().files;
    assert_eq!(files.len(), 2, "the big file and the one saved row");
    assert_eq!((&files[0].path, files[0].bytes, files[0].rows), (&first.path, first.bytes, 1000));
    assert_eq!(files[0].deleted, 2, "the replaced and the deleted row are marked in its deletion vector");
    assert_eq!((files[1].rows, files[1].deleted), (1, 0));
    let on_disk = std::fs::metadata(dir.path().join("users").join(&first.path)).unwrap().len();
    assert_eq!(on_disk, first.bytes, "the big file is untouched");
    assert_eq!(store.count::<User>().unwrap(), 999);
    assert_eq!(store.find::<User>(&5).unwrap(), Some(user(5, "changed")));
    assert_eq!(store.find::<User>(&6).unwrap(), None);
}

#[test]
fn compaction_keeps_exactly_the_live_rows() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&(0..100).map(|i| user(i, "u")).collect::<Vec<_>>()).unwrap();
    for i in 0..5 {
        store.save(&user(i, "v2")).unwrap();
        store.delete::<User>(&(50 + i)).unwrap();
    }
    let before = sorted(store.load_all::<User>().unwrap());
    let report = store.compact::<User>().unwrap();
    assert_eq!(report.files_before, 6, "deletes add no file");
    assert_eq!(report.files_after, 1);
    assert_eq!(report.rows, 95);
    assert_eq!(sorted(store.load_all::<User>().unwrap()), before);
    assert_eq!(store.count::<User>().unwrap(), 95);
    assert_eq!(store.snapshot::<User>().unwrap().files.len(), 1);
}

#[test]
fn older_versions_stay_readable_after_compaction() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&(0..10).map(|i| user(i, "u")).collect::<Vec<_>>()).unwrap();
    let first = store.version::<User>().unwrap().unwrap();
    store.save(&user(1, "v2")).unwrap();
    store.delete::<User>(&3).unwrap();
    store.compact::<User>().unwrap();
    store.save(&user(2, "v2")).unwrap();
    assert_eq!(store.count::<User>().unwrap(), 9);
    let old = sorted(store.load_version::<User>(first).unwrap());
    assert_eq!(old, (0..10).map(|i| user(i, "u")).collect::<Vec<_>>(), "time travel reads the first save");
    let history = store.history::<User>().unwrap();
    let ops: Vec<&str> = history.iter().map(|c| c.operation.as_str()).collect();
    assert_eq!(ops, ["CREATE TABLE", "WRITE", "WRITE", "DELETE", "OPTIMIZE", "WRITE"]);
    assert_eq!((history[1].rows_added, history[2].rows_added, history[2].rows_removed), (10, 1, 1));
    assert_eq!((history[3].rows_added, history[3].rows_removed), (0, 1));
    assert_eq!(history.last().unwrap().version, store.version::<User>().unwrap().unwrap());
}

#[test]
fn vacuum_removes_only_files_older_than_the_retention_that_no_version_needs() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&(0..3000).map(|i| user(i, "u")).collect::<Vec<_>>()).unwrap();
    let first = store.version::<User>().unwrap().unwrap();
    // 2,500 rows replaced: a deletion vector past the inline limit, in a file.
    store.save_all(&(0..2500).map(|i| user(i, "v2")).collect::<Vec<_>>()).unwrap();
    store.compact::<User>().unwrap();
    let data = dir.path().join("users/data");
    let count = |d: &std::path::Path, prefix: &str| {
        std::fs::read_dir(d).unwrap().filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with(prefix)).count()
    };
    assert_eq!(count(&data, "part-"), 3, "compaction leaves replaced files for older versions");
    // Within the retention nothing goes: the first version still loads.
    assert!(store.vacuum::<User>().unwrap().files_removed.is_empty());
    assert_eq!(store.load_version::<User>(first).unwrap().len(), 3000);
    // A retention of zero: every file the newest version does not list goes.
    let now = Store::open_with(dir.path(), StoreOptions { retention_hours: 0, ..StoreOptions::default() }).unwrap();
    let removed = now.vacuum::<User>().unwrap().files_removed;
    assert_eq!(removed.len(), 3, "two replaced data files and the deletion-vector file: {removed:?}");
    assert_eq!((count(&data, "part-"), count(&dir.path().join("users"), "deletion_vector_")), (1, 0));
    assert_eq!(sorted(store.load_all::<User>().unwrap()).len(), 3000);
    let err = store.load_version::<User>(first).unwrap_err().to_string();
    assert!(err.contains("users/data/part-"), "a vacuumed version names its missing file: {err}");
}

#[test]
fn upserts_find_keys_on_page_boundaries_of_a_large_row_group() {
    // 20,000 rows: one row group of three 8K-row pages; the lookups read
    // only the page whose statistics allow the key (Parquet).
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&(0..20_000).map(|i| user(i, "u")).collect::<Vec<_>>()).unwrap();
    let edges = [0i64, 8191, 8192, 16_383, 16_384, 19_999];
    for &i in &edges {
        store.save(&user(i, "v2")).unwrap();
    }
    assert!(store.delete::<User>(&8193).unwrap());
    assert_eq!(store.count::<User>().unwrap(), 19_999);
    for &i in &edges {
        assert_eq!(store.find::<User>(&i).unwrap(), Some(user(i, "v2")));
    }
    assert_eq!(store.find::<User>(&8193).unwrap(), None);
    let all = store.load_all::<User>().unwrap();
    assert_eq!(all.len(), 19_999);
    assert_eq!(all.iter().filter(|u| u.name == "v2").count(), edges.len());
}

#[test]
fn checkpoints_are_written_on_request_and_every_hundredth_version_and_time_travel_reads_them() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.checkpoint::<User>().unwrap(), None, "no table yet");
    for i in 0..3 {
        store.save(&user(i, "u")).unwrap();
    }
    let log = dir.path().join("users/_delta_log");
    assert_eq!(store.checkpoint::<User>().unwrap(), Some(3));
    assert!(log.join("00000000000000000003.checkpoint.parquet").is_file());
    for i in 3..101 {
        store.save(&user(i, "u")).unwrap();
    }
    assert_eq!(store.version::<User>().unwrap(), Some(101));
    // Version 100's is written in the background: the commit does not wait for it.
    assert!(parquetframe::storage::table::wait_for_checkpoints(std::time::Duration::from_secs(60)));
    assert!(log.join("00000000000000000100.checkpoint.parquet").is_file());
    let last: serde_json::Value =
        serde_json::from_slice(&std::fs::read(log.join("_last_checkpoint")).unwrap()).unwrap();
    assert_eq!(last["version"], 100);
    // Versions are read from a checkpoint and the JSON commits after it.
    assert_eq!(sorted(store.load_version::<User>(101).unwrap()), (0..101).map(|i| user(i, "u")).collect::<Vec<_>>());
    assert_eq!(sorted(store.load_version::<User>(4).unwrap()), (0..4).map(|i| user(i, "u")).collect::<Vec<_>>());
}

#[test]
fn a_view_as_of_a_time_reads_the_versions_then_and_refuses_writes() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    let before = chrono::Utc::now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    store.save_all(&(0..5).map(|i| user(i, "u")).collect::<Vec<_>>()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let middle = chrono::Utc::now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    store.save(&user(1, "later")).unwrap();
    store.delete::<User>(&2).unwrap();
    let then = store.as_of(middle);
    assert_eq!(then.count::<User>().unwrap(), 5);
    assert_eq!(then.find::<User>(&1).unwrap(), Some(user(1, "u")));
    assert_eq!(then.find::<User>(&2).unwrap(), Some(user(2, "u")));
    assert_eq!(store.as_of(before).count::<User>().unwrap(), 0, "the table did not exist yet");
    let err = then.save(&user(9, "x")).unwrap_err().to_string();
    assert!(err.contains("read-only view") && err.contains("`User`"), "{err}");
    assert_eq!(store.count::<User>().unwrap(), 4);
}

#[test]
fn the_old_layout_is_refused_naming_the_directory_and_left_alone() {
    let dir = temp();
    let old = dir.path().join("users/_manifest");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(old.join("00000000000000000001.json"), b"{}").unwrap();
    let store = Store::open(dir.path()).unwrap();
    for err in [store.save(&user(1, "a")).unwrap_err(), store.load_all::<User>().unwrap_err()] {
        let text = err.to_string();
        assert!(text.contains("old parquetframe layout") && text.contains("users"), "{text}");
    }
    assert_eq!(std::fs::read(old.join("00000000000000000001.json")).unwrap(), b"{}");
    assert!(!dir.path().join("users/_delta_log").exists(), "nothing was created");
}

#[test]
fn automatic_compaction_bounds_the_number_of_files() {
    let dir = temp();
    let options = StoreOptions { compact_max_files: 4, ..StoreOptions::default() };
    let store = Store::open_with(dir.path(), options).unwrap();
    store.save_all(&(0..200).map(|i| user(i, "u")).collect::<Vec<_>>()).unwrap();
    for i in 0..30 {
        store.save(&user(i * 3, "again")).unwrap();
        if i % 4 == 0 {
            store.delete::<User>(&(100 + i)).unwrap();
        }
        assert!(store.snapshot::<User>().unwrap().files.len() <= 4);
    }
    let users = sorted(store.load_all::<User>().unwrap());
    assert_eq!(users.len(), 200 - 8);
    assert_eq!(users.iter().find(|u| u.user_id == 87).map(|u| u.name.as_str()), Some("again"));
    assert!(users.iter().all(|u| ![100, 104, 108, 112, 116, 120, 124, 128].contains(&u.user_id)));
    assert_eq!(store.count::<User>().unwrap(), 192);
}

#[test]
fn catalog_describes_the_entity() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save(&user(1, "a")).unwrap();
    let catalog = parquetframe::storage::catalog::read(dir.path()).unwrap();
    let entry = &catalog.entities["User"];
    assert_eq!(
        (entry.path.as_str(), entry.primary_key.as_str(), entry.format.as_str()),
        ("users/", "user_id", FORMAT)
    );
    assert_eq!(entry.arrow_schema[4].data_type, r#"Timestamp(µs, "UTC")"#);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("_parquetframe/catalog.json")).unwrap())
            .unwrap();
    assert_eq!(json["entities"]["User"]["primary_key"], "user_id");
}

#[test]
fn two_entities_cannot_share_a_storage_path() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save(&user(1, "a")).unwrap();
    let err = store.save(&Impostor { user_id: 1 }).unwrap_err();
    assert!(err.to_string().contains("entity `User` is stored at `users/`, the same directory"), "{err}");
}

// ---- schema evolution ----------------------------------------------------------

#[test]
fn new_default_fields_load_old_files_and_removed_columns_are_ignored() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&[v1::Item { id: 1, label: "old".into(), legacy: 7 }]).unwrap();
    let items = store.load_all::<v2::Item>().unwrap();
    assert_eq!(items, vec![v2::Item { id: 1, label: "old".into(), note: None, tags: vec![] }]);
    store
        .save(&v2::Item { id: 2, label: "new".into(), note: Some("n".into()), tags: vec!["t".into()] })
        .unwrap();
    assert_eq!(store.count::<v2::Item>().unwrap(), 2);
    assert_eq!(store.find::<v2::Item>(&1).unwrap().map(|i| i.label), Some("old".into()));
    // The table's schema gained the new fields, so outside readers see them
    // (a struct lacking some never narrows it: the unit tests of
    // `storage/table/schema.rs`).
    let wide = ["id", "label", "legacy", "note", "tags"];
    assert_eq!(delta_columns(&dir.path().join("items")), wide);
    store.save(&v2::Item { id: 3, label: "again".into(), note: None, tags: vec![] }).unwrap();
    assert_eq!(delta_columns(&dir.path().join("items")), wide);
    assert_eq!(store.count::<v2::Item>().unwrap(), 3);
    // Compaction rewrites rows through the struct: it would drop `legacy`,
    // which v1's file holds, so it is refused unless asked to drop it.
    let err = store.compact::<v2::Item>().unwrap_err();
    assert!(matches!(err, Error::Storage(parquetframe::error::StorageError::WouldDropColumns { .. })), "{err}");
    assert!(err.to_string().contains("`legacy`") && err.to_string().contains("Nothing was changed"), "{err}");
    assert_eq!(store.count::<v2::Item>().unwrap(), 3);
    store.compact_dropping::<v2::Item>(&["legacy"]).unwrap();
    assert_eq!(store.load_all::<v2::Item>().unwrap().len(), 3);
}

#[test]
fn an_older_program_compacting_refuses_to_drop_columns_a_newer_one_wrote() {
    // Issue #20 item 7: compaction converted rows through the struct, so an
    // older binary (v1 lacks `note` and `tags`), and the automatic
    // compaction inside its saves, dropped what a newer one wrote.
    let dir = temp();
    let newer = Store::open(dir.path()).unwrap();
    newer.save(&v2::Item { id: 1, label: "new".into(), note: Some("kept".into()), tags: vec!["t".into()] }).unwrap();
    newer.save(&v2::Item { id: 10, label: "new".into(), note: None, tags: vec![] }).unwrap();
    let options = StoreOptions { compact_max_files: 2, ..StoreOptions::default() };
    let older = Store::open_with(dir.path(), options).unwrap();
    let err = older.compact::<v1_compatible::Item>().unwrap_err().to_string();
    assert!(err.contains("`note`, `tags`") && err.contains("Nothing was changed"), "{err}");
    // Saves whose automatic compaction would drop them skip it, and succeed.
    for id in 2..6 {
        older.save(&v1_compatible::Item { id, label: format!("old{id}") }).unwrap();
    }
    assert_eq!(newer.count::<v2::Item>().unwrap(), 6);
    let first = newer.find::<v2::Item>(&1).unwrap().unwrap();
    assert_eq!((first.note.as_deref(), first.tags.len()), (Some("kept"), 1));
    // The newer program compacts everything, keeping its columns.
    newer.compact::<v2::Item>().unwrap();
    assert_eq!(newer.find::<v2::Item>(&1).unwrap().unwrap().note.as_deref(), Some("kept"));
}

#[test]
fn registering_an_older_struct_never_narrows_the_catalog() {
    // Issue #20 item 8: the catalog entry was overwritten by whichever
    // program registered last, so an older one removed the newer columns.
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save(&v2::Item { id: 1, label: "new".into(), note: None, tags: vec![] }).unwrap();
    store.save(&v1_compatible::Item { id: 2, label: "old".into() }).unwrap();
    let catalog: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("_parquetframe/catalog.json")).unwrap()).unwrap();
    let item = &catalog["entities"]["Item"];
    let columns: Vec<&str> =
        item["arrow_schema"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(columns, ["id", "label", "note", "tags"]);
    let fields: Vec<&str> =
        item["avro_schema"]["fields"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(fields, ["id", "label", "note", "tags"]);
}

#[test]
fn equivalent_storage_paths_are_one_table() {
    // Issue #20 item 9: `users`, `./users` and (on case-insensitive file
    // systems) `Users` are one directory; two entities there would share a table.
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save(&user(1, "a")).unwrap();
    let err = store.save(&Shadow { user_id: 1 }).unwrap_err().to_string();
    assert!(err.contains("entity `Shadow` cannot use storage path `./Users//`") && err.contains("`User`"), "{err}");
    assert_eq!(store.count::<User>().unwrap(), 1);
}

/// The column names of the newest schema in the Delta log of `table`.
fn delta_columns(table: &Path) -> Vec<String> {
    let log = table.join("_delta_log");
    let mut names: Vec<_> = std::fs::read_dir(&log)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
        .collect();
    names.sort();
    let schema = names
        .iter()
        .flat_map(|n| std::fs::read_to_string(log.join(n)).unwrap().lines().map(str::to_owned).collect::<Vec<_>>())
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(&l).unwrap().get("metaData").cloned())
        .next_back()
        .unwrap();
    let schema: serde_json::Value = serde_json::from_str(schema["schemaString"].as_str().unwrap()).unwrap();
    schema["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn unsafe_type_change_is_an_error_naming_file_and_column() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&[v1::Item { id: 1, label: "old".into(), legacy: 7 }]).unwrap();
    let err = store.load_all::<v3::Item>().unwrap_err();
    let msg = err.to_string();
    match FORMAT {
        // Parquet columns are read by name, then the type is checked.
        "parquet" => assert!(
            matches!(&err, Error::InFile { source, .. } if matches!(**source, Error::ColumnType { ref column, .. } if column == "label")),
            "{msg}"
        ),
        // Avro files are resolved against the entity's schema first.
        _ => assert!(matches!(&err, Error::Resolution { entity: "Item", .. }), "{msg}"),
    }
    assert!(msg.contains("items/data/part-") && msg.contains("`label`"), "{msg}");
}

// ---- bad input ----------------------------------------------------------------

fn only_data_file(root: &Path) -> std::path::PathBuf {
    let mut files: Vec<_> =
        std::fs::read_dir(root.join("users/data")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.pop().unwrap()
}

#[test]
fn truncated_data_file_is_an_error_naming_it() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&(0..50).map(|i| user(i, "u")).collect::<Vec<_>>()).unwrap();
    let file = only_data_file(dir.path());
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let err = store.load_all::<User>().unwrap_err();
    assert!(err.to_string().contains(&file.display().to_string()), "{err}");
    let err = store.find::<User>(&1).unwrap_err();
    assert!(err.to_string().contains(&file.display().to_string()), "{err}");
}

#[test]
fn corrupt_data_file_is_an_error_naming_it() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&(0..50).map(|i| user(i, "u")).collect::<Vec<_>>()).unwrap();
    let file = only_data_file(dir.path());
    let mut bytes = std::fs::read(&file).unwrap();
    for b in bytes.iter_mut().skip(4).take(200) {
        *b ^= 0x5a;
    }
    std::fs::write(&file, &bytes).unwrap();
    let err = store.load_all::<User>().unwrap_err();
    assert!(err.to_string().contains(&file.display().to_string()), "{err}");
}

#[test]
fn missing_listed_file_is_an_error_naming_it() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&[user(1, "a")]).unwrap();
    let file = only_data_file(dir.path());
    std::fs::remove_file(&file).unwrap();
    let err = store.load_all::<User>().unwrap_err();
    assert!(
        matches!(err, Error::Storage(parquetframe::error::StorageError::MissingDataFile { .. })),
        "{err}"
    );
    assert!(err.to_string().contains(&file.display().to_string()), "{err}");
}

#[test]
fn foreign_file_with_another_schema_is_an_error_naming_it() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&[user(1, "a")]).unwrap();
    // Replace the live file with a file of another entity's schema.
    let other = temp();
    let other_store = Store::open(other.path()).unwrap();
    other_store.save_all(&[v1::Item { id: 1, label: "x".into(), legacy: 1 }]).unwrap();
    let foreign = std::fs::read_dir(other.path().join("items/data")).unwrap().next().unwrap().unwrap().path();
    let file = only_data_file(dir.path());
    std::fs::copy(&foreign, &file).unwrap();
    let err = store.load_all::<User>().unwrap_err();
    assert!(err.to_string().contains(&file.display().to_string()), "{err}");
}

#[test]
fn root_that_is_a_regular_file_is_an_error_naming_it() {
    let dir = temp();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = Store::open(&file).unwrap_err();
    assert!(err.to_string().contains(&file.display().to_string()), "{err}");
}

#[test]
fn read_only_root_is_an_error_naming_the_path_and_loses_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&[user(1, "a")]).unwrap();
    let users = dir.path().join("users");
    let set = |mode| {
        for d in [users.clone(), users.join("data"), users.join("_delta_log")] {
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    };
    set(0o555);
    let probe = users.join("data/probe");
    let writable = std::fs::write(&probe, b"x").is_ok(); // root ignores permissions
    let _ = std::fs::remove_file(&probe);
    let result = store.save(&user(2, "b"));
    set(0o755);
    if !writable {
        let err = result.unwrap_err();
        assert!(err.to_string().contains(&users.display().to_string()), "{err}");
    }
    assert!(store.find::<User>(&1).unwrap().is_some(), "committed data survives");
}

#[test]
fn leftovers_of_an_interrupted_commit_are_ignored() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&[user(1, "a")]).unwrap();
    let data = dir.path().join("users/data");
    std::fs::write(data.join("part-000000000099-crashed.parquet"), b"half a file").unwrap();
    std::fs::write(dir.path().join("users/_delta_log/.00000000000000000002.json.crashed.tmp"), b"{").unwrap();
    assert_eq!(store.load_all::<User>().unwrap().len(), 1, "readers ignore leftovers");
    store.save(&user(2, "b")).unwrap();
    assert_eq!(store.count::<User>().unwrap(), 2);
    assert_eq!(store.load_all::<User>().unwrap().len(), 2);
}

#[test]
fn readers_see_the_old_or_the_new_state_never_a_part() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&(0..1000).map(|i| user(i, "v0")).collect::<Vec<_>>()).unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            for round in 1..=20 {
                let name = format!("v{round}");
                store.save_all(&(0..1000).map(|i| user(i, &name)).collect::<Vec<_>>()).unwrap();
            }
        });
        for _ in 0..40 {
            let users = store.load_all::<User>().unwrap();
            assert_eq!(users.len(), 1000);
            let first = &users[0].name;
            assert!(users.iter().all(|u| &u.name == first), "a load mixed two commits");
        }
    });
}

#[test]
fn default_store_comes_from_the_environment() {
    let dir = temp();
    // SAFETY: this is the only test in this binary that touches the environment.
    unsafe { std::env::set_var("PARQUETFRAME_ROOT", dir.path()) };
    user(7, "env").save().unwrap();
    User::save_all(&[user(8, "env")]).unwrap();
    assert_eq!(User::find(&7).unwrap(), Some(user(7, "env")));
    assert_eq!(User::count().unwrap(), 2);
    assert!(User::delete(&8).unwrap());
    assert_eq!(User::load_all().unwrap(), vec![user(7, "env")]);
    assert!(dir.path().join("users/_delta_log").is_dir());
}

#[test]
fn many_row_groups_round_trip_in_order() {
    let dir = temp();
    let mut options = StoreOptions::default();
    options.write.row_group_size = 10;
    let store = Store::open_with(dir.path(), options).unwrap();
    let users: Vec<User> = (0..95).map(|i| user(i, "rg")).collect();
    store.save_all(&users).unwrap();
    let file = only_data_file(dir.path());
    if FORMAT == "parquet" {
        let reader =
            parquet::file::reader::SerializedFileReader::new(std::fs::File::open(&file).unwrap()).unwrap();
        assert_eq!(parquet::file::reader::FileReader::num_row_groups(&reader), 10);
    } else {
        let avro = parquetframe::avro::AvroFile::open(&file).unwrap();
        assert_eq!((avro.blocks().len(), avro.rows()), (10, 95), "a block per written batch");
    }
    assert_eq!(store.load_all::<User>().unwrap(), users, "storage order is save order");
    assert_eq!(store.find::<User>(&57).unwrap(), Some(user(57, "rg")));
    // Unsorted keys with a duplicate across row groups: the last one wins.
    let mut mixed: Vec<User> = (0..30).rev().map(|i| user(i, "m")).collect();
    mixed.push(user(29, "last"));
    store.save_all(&mixed).unwrap();
    assert_eq!(store.find::<User>(&29).unwrap(), Some(user(29, "last")));
    assert_eq!(store.count::<User>().unwrap(), 95);
}

#[test]
fn corrupt_commit_is_an_error_naming_the_log_and_writers_do_not_clobber_it() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&[user(1, "a")]).unwrap();
    let log = dir.path().join("users/_delta_log");
    let manifest = log.join("00000000000000000001.json");
    std::fs::write(&manifest, b"{ not json").unwrap();
    // Whoever replays the log fails, naming it: time travel here, any read in
    // another process. (This process keeps the snapshot its commit made.)
    let err = store.load_version::<User>(1).unwrap_err();
    assert!(err.to_string().contains(&log.display().to_string()), "{err}");
    // Once another writer commits, this process replays the log too.
    std::fs::write(log.join("00000000000000000002.json"), b"{\"commitInfo\":{\"timestamp\":0}}\n").unwrap();
    let err = store.load_all::<User>().unwrap_err();
    assert!(err.to_string().contains(&log.display().to_string()), "{err}");
    let err = store.save(&user(2, "b")).unwrap_err();
    assert!(err.to_string().contains(&log.display().to_string()), "{err}");
    assert_eq!(std::fs::read(&manifest).unwrap(), b"{ not json", "left for a person to inspect");
}

#[test]
fn writer_threads_in_one_process_lose_no_commit() {
    let dir = temp();
    let store = Store::open(dir.path()).unwrap();
    std::thread::scope(|s| {
        for t in 0..4i64 {
            let store = store.clone();
            s.spawn(move || {
                for i in 0..15 {
                    let id = t * 1000 + i;
                    store.save(&user(id, "thread")).unwrap();
                    if i % 5 == 4 {
                        assert!(store.delete::<User>(&(id - 1)).unwrap());
                    }
                }
            });
        }
    });
    assert_eq!(store.count::<User>().unwrap(), 4 * (15 - 3));
    let users = store.load_all::<User>().unwrap();
    assert_eq!(users.len(), 48);
    for t in 0..4i64 {
        for i in 0..15 {
            let deleted = i % 5 == 3;
            assert_eq!(users.iter().any(|u| u.user_id == t * 1000 + i), !deleted, "thread {t} row {i}");
        }
    }
}

#[test]
fn vacuums_with_no_retention_racing_writers_and_readers_lose_no_write() {
    // Retention 0: every replaced file goes at once. Files a writer has
    // written but not yet committed must survive (they are younger than the
    // orphan grace); readers holding a replaced version may find a file gone
    // (what a retention of 0 means) and say which, but never read wrong rows.
    // No writer lock either, as on object storage: nothing but the log and
    // the files' ages keeps the vacuum off a writer's uncommitted files.
    let dir = temp();
    let store =
        Store::open_with(dir.path(), StoreOptions { writer_lock: false, ..StoreOptions::default() }).unwrap();
    let eager = Store::open_with(
        dir.path(),
        StoreOptions { retention_hours: 0, writer_lock: false, ..StoreOptions::default() },
    )
    .unwrap();
    store.save_all(&(0..50).map(|i| user(i, "u")).collect::<Vec<_>>()).unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    /// Ends the vacuum and reader loops however the writer ends (a writer
    /// that panicked left them spinning, and the test hanging).
    struct Done<'a>(&'a std::sync::atomic::AtomicBool);
    impl Drop for Done<'_> {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let (removed, reads) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let _done = Done(&done);
            for i in 0..60i64 {
                store.save(&user(i % 50, &format!("v{i}"))).unwrap();
                store.save(&user(1000 + i, "new")).unwrap();
                if i % 20 == 19 {
                    store.compact::<User>().unwrap();
                }
            }
        });
        let vacuum = s.spawn(|| {
            let mut removed = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                removed += eager.vacuum::<User>().unwrap().files_removed.len();
            }
            removed
        });
        let reader = s.spawn(|| {
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                match store.load_all::<User>() {
                    Ok(users) => {
                        let mut ids: Vec<i64> = users.iter().map(|u| u.user_id).collect();
                        ids.sort_unstable();
                        let n = ids.len();
                        ids.dedup();
                        assert_eq!(ids.len(), n, "a key live twice");
                        assert!((50..=110).contains(&n), "{n} rows");
                        reads += 1;
                    }
                    Err(e) => assert!(e.to_string().contains("users/"), "{e}"),
                }
            }
            reads
        });
        writer.join().unwrap();
        (vacuum.join().unwrap(), reader.join().unwrap())
    });
    let users = store.load_all::<User>().unwrap();
    assert_eq!(users.len(), 110, "every acknowledged save is there");
    for i in 0..50i64 {
        let last = (0..60).filter(|j| j % 50 == i).max().unwrap();
        let u = users.iter().find(|u| u.user_id == i).unwrap();
        assert_eq!(u.name, format!("v{last}"));
    }
    assert!(removed > 0, "the vacuums removed replaced files");
    println!("{removed} files vacuumed, {reads} reads during the race");
}
