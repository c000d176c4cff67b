//! The store on Parquet: save, load, upsert, find, delete, count, compaction,
//! layout, schema evolution and bad input (the shared suite), plus what only
//! Parquet files have (row-group statistics).

include!("common/store_suite.rs");
entities!("parquet");

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "tags/", primary_key = "tag")]
pub struct Tag {
    pub tag: String,
    pub uses: u32,
}

#[test]
fn find_reads_only_row_groups_whose_key_statistics_allow_the_key() {
    use parquetframe::storage::formats::parquet::DataFile;
    let dir = temp();
    let mut options = StoreOptions::default();
    options.write.row_group_size = 10;
    let store = Store::open_with(dir.path(), options).unwrap();
    store.save_all(&(0..95).map(|i| user(i, "p")).collect::<Vec<_>>()).unwrap();
    let file = DataFile::open(&only_data_file(dir.path())).unwrap();
    let candidates = file.row_groups_may_contain("user_id", &57i64);
    assert_eq!(candidates.iter().filter(|&&c| c).count(), 1);
    assert!(candidates[5]);
    assert!(file.row_groups_may_contain("user_id", &1000i64).iter().all(|&c| !c));
    // Every key is still found, missing keys are not, deletes and upserts still win.
    for i in 0..95 {
        assert_eq!(store.find::<User>(&i).unwrap().map(|u| u.user_id), Some(i));
    }
    assert_eq!(store.find::<User>(&-1).unwrap(), None);
    assert_eq!(store.find::<User>(&95).unwrap(), None);
    store.save(&user(42, "new")).unwrap();
    assert!(store.delete::<User>(&43).unwrap());
    assert_eq!(store.find::<User>(&42).unwrap().map(|u| u.name), Some("new".into()));
    assert_eq!(store.find::<User>(&43).unwrap(), None);

    // String keys: statistics compare the way Rust orders strings.
    let tags: Vec<Tag> = (0..40).map(|i| Tag { tag: format!("tag-{i:03}"), uses: i }).collect();
    store.save_all(&tags).unwrap();
    let data = std::fs::read_dir(dir.path().join("tags/data")).unwrap().next().unwrap().unwrap().path();
    let file = DataFile::open(&data).unwrap();
    let hits = file.row_groups_may_contain("tag", &"tag-017".to_string());
    assert_eq!(hits, vec![false, true, false, false]);
    assert_eq!(store.find::<Tag>(&"tag-017".into()).unwrap().map(|t| t.uses), Some(17));
    assert_eq!(store.find::<Tag>(&"zzz".into()).unwrap(), None);
}
