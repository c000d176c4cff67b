//! The default store's root from `parquetframe.toml`, searched upwards from the
//! working directory. One test in its own binary: it changes the process's
//! working directory and environment.

use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "notes/", primary_key = "id")]
pub struct Note {
    pub id: i64,
    pub text: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "comments/", primary_key = "id")]
pub struct Comment {
    pub id: i64,
    #[relation(Note, inverse = "comments")]
    pub note_id: i64,
}

#[test]
fn default_root_comes_from_the_nearest_config_file_then_the_environment_then_data() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    let nested = project.join("src/deep");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(project.join("parquetframe.toml"), "[store]\nroot = \"lake\"\nrow_group_size = 1000\n")
        .unwrap();
    // SAFETY: the only test in this binary; nothing else reads the environment meanwhile.
    unsafe {
        std::env::remove_var("PARQUETFRAME_ROOT");
        std::env::remove_var("PARQUETFRAME_CONFIG");
    }
    std::env::set_current_dir(&nested).unwrap();

    // From a subdirectory, the file two levels up applies; its relative root is
    // relative to the file.
    Note { id: 1, text: "a".into() }.save().unwrap();
    assert!(project.join("lake/notes/_delta_log").is_dir());
    assert_eq!(Note::find(&1).unwrap().map(|n| n.text), Some("a".into()));
    assert_eq!(Store::open_default().unwrap().options().write.row_group_size, 1000);

    // The environment wins over the file.
    let elsewhere = dir.path().join("elsewhere");
    unsafe { std::env::set_var("PARQUETFRAME_ROOT", &elsewhere) };
    assert_eq!(Note::count().unwrap(), 0);
    Note { id: 2, text: "b".into() }.save().unwrap();
    assert!(elsewhere.join("notes").is_dir());
    unsafe { std::env::remove_var("PARQUETFRAME_ROOT") };

    // Navigation on the default store, and fk_check from the file.
    std::fs::write(project.join("parquetframe.toml"), "[store]\nroot = \"lake\"\nfk_check = \"on_save\"\n")
        .unwrap();
    Comment { id: 1, note_id: 1 }.save().unwrap();
    let err = Comment { id: 2, note_id: 7 }.save().unwrap_err().to_string();
    assert!(err.contains("reference `Note` keys that do not exist") && err.contains("(keys: 7)"), "{err}");
    assert_eq!(Comment::find(&1).unwrap().unwrap().note().unwrap().map(|n| n.id), Some(1));
    assert_eq!(Note::find(&1).unwrap().unwrap().comments().unwrap().len(), 1);
    // The environment wins: deferred checking saves the orphan, validate finds it.
    unsafe { std::env::set_var("PARQUETFRAME_FK_CHECK", "deferred") };
    Comment { id: 2, note_id: 7 }.save().unwrap();
    unsafe { std::env::remove_var("PARQUETFRAME_FK_CHECK") };
    assert_eq!(Store::open_default().unwrap().validate().unwrap().orphans(), 1);
    std::fs::write(project.join("parquetframe.toml"), "[store]\nfk_check = \"always\"\n").unwrap();
    let err = Store::open_default().unwrap_err().to_string();
    assert!(err.contains("fk_check"), "{err}");

    // An unknown key is an error that names it.
    std::fs::write(project.join("parquetframe.toml"), "[store]\nrooot = \"x\"\n").unwrap();
    let err = Store::open_default().unwrap_err().to_string();
    assert!(err.contains("rooot"), "{err}");

    // Without a file or variable, `./data`.
    std::fs::remove_file(project.join("parquetframe.toml")).unwrap();
    assert_eq!(Store::open_default().unwrap().root(), std::path::Path::new("data"));
    assert!(nested.join("data/_parquetframe").is_dir());
}
