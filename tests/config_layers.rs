//! Configuration layers, origins and errors. One test in its own binary: it
//! changes the working directory and the environment.

use parquetframe::config::{self, EngineSetting, Origin};
use parquetframe::prelude::*;

fn set(var: &str, value: Option<&str>) {
    // SAFETY: the only test in this binary; nothing else reads the environment meanwhile.
    unsafe {
        match value {
            Some(v) => std::env::set_var(var, v),
            None => std::env::remove_var(var),
        }
    }
}

fn origin_of(key: &str) -> Origin {
    config::effective().unwrap().into_iter().find(|s| s.key == key).unwrap().origin
}

#[test]
fn layers_origins_unknown_keys_and_bad_values() {
    let dir = tempfile::tempdir().unwrap();
    for (var, _) in std::env::vars().filter(|(k, _)| k.starts_with("PARQUETFRAME_")) {
        set(&var, None);
    }
    std::env::set_current_dir(dir.path()).unwrap();
    let file = dir.path().join("parquetframe.toml");

    // Defaults: every key listed, each with its default origin.
    let all = config::effective().unwrap();
    assert_eq!(all.len(), config::keys::KEYS.len());
    assert!(all.iter().all(|s| s.origin == Origin::Default), "{all:?}");
    assert_eq!(all.iter().find(|s| s.key == "engine.memory_threshold_mb").unwrap().value, "1024");

    // file < environment < arguments.
    std::fs::write(
        &file,
        "[engine]\nmemory_limit_mb = 100\ndefault = \"lazy\"\n[performance]\ncache_mb = 7\n",
    )
    .unwrap();
    assert_eq!(config::load().unwrap().engine.memory_limit_mb, 100);
    assert_eq!(origin_of("engine.memory_limit_mb"), Origin::File { path: file.clone() });
    set("PARQUETFRAME_MEMORY_LIMIT_MB", Some("200"));
    assert_eq!(config::load().unwrap().engine.memory_limit_mb, 200);
    assert_eq!(
        origin_of("engine.memory_limit_mb"),
        Origin::Env { var: "PARQUETFRAME_MEMORY_LIMIT_MB", value: "200".into() }
    );
    let store = Store::builder().root(dir.path().join("s")).memory_limit_mb(300).open().unwrap();
    let c = store.config().unwrap();
    assert_eq!(
        (c.engine.memory_limit_mb, c.engine.default, c.performance.cache_mb),
        (300, EngineSetting::Lazy, 7)
    );
    let settings = store.effective_config().unwrap();
    let limit = settings.iter().find(|s| s.key == "engine.memory_limit_mb").unwrap();
    assert_eq!((limit.value.as_str(), &limit.origin), ("300", &Origin::Argument));
    // The store's own setting wins for its queries, a plain store follows the layers.
    assert_eq!(Store::open(dir.path().join("t")).unwrap().config().unwrap().engine.memory_limit_mb, 200);

    // Isolated: neither the file nor the environment.
    let isolated = Store::builder().root(dir.path().join("i")).isolated().open().unwrap();
    let c = isolated.config().unwrap();
    assert_eq!(
        (c.engine.memory_limit_mb, c.engine.default, c.performance.cache_mb),
        (0, EngineSetting::Auto, 1024)
    );
    set("PARQUETFRAME_MEMORY_LIMIT_MB", None);

    // A bad value names the variable and its value...
    set("PARQUETFRAME_CACHE_MB", Some("lots"));
    let err = config::load().unwrap_err().to_string();
    assert!(err.contains("performance.cache_mb") && err.contains("PARQUETFRAME_CACHE_MB=lots"), "{err}");
    set("PARQUETFRAME_CACHE_MB", None);
    // ...or the file, section and key.
    std::fs::write(&file, "[engine]\nwarn_fraction = -1.0\n").unwrap();
    let err = config::load().unwrap_err().to_string();
    assert!(
        err.contains("engine.warn_fraction") && err.contains("parquetframe.toml [engine] warn_fraction"),
        "{err}"
    );
    std::fs::write(&file, "[store]\ncodec = \"lz5\"\n").unwrap();
    let err = config::load().unwrap_err().to_string();
    assert!(err.contains("store.codec") && err.contains("lz5"), "{err}");
    std::fs::write(&file, "[ux]\nprogress = \"sometimes\"\n").unwrap();
    let err = config::load().unwrap_err().to_string();
    assert!(err.contains("ux.progress") && err.contains("sometimes"), "{err}");

    // Unknown keys: "did you mean", also across sections.
    std::fs::write(&file, "[engine]\ncache_mb = 64\n").unwrap();
    let err = config::load().unwrap_err().to_string();
    assert!(
        err.contains("`engine.cache_mb`") && err.contains("did you mean `performance.cache_mb`"),
        "{err}"
    );
    assert!(err.contains(&file.display().to_string()), "{err}");
    // A retired key points at what replaced it.
    std::fs::write(&file, "[store]\nkeep_manifests = 5\n").unwrap();
    let err = config::load().unwrap_err().to_string();
    assert!(err.contains("did you mean `store.retention_hours`"), "{err}");
    std::fs::write(&file, "root = \"x\"\n").unwrap();
    let err = config::load().unwrap_err().to_string();
    assert!(err.contains("unknown configuration key `root`"), "{err}");
    std::fs::write(&file, "[store\n").unwrap();
    let err = config::load().unwrap_err().to_string();
    assert!(err.contains("configuration file") && err.contains("parquetframe.toml"), "{err}");
    std::fs::remove_file(&file).unwrap();
    set("PARQUETFRAME_ENIGNE", Some("lazy"));
    let err = config::load().unwrap_err().to_string();
    assert!(
        err.contains("PARQUETFRAME_ENIGNE") && err.contains("did you mean `PARQUETFRAME_ENGINE`"),
        "{err}"
    );
    set("PARQUETFRAME_ENIGNE", None);
    let err = Store::builder().root(dir.path()).set("engine.defualt", "lazy").open().unwrap_err().to_string();
    assert!(err.contains("did you mean `engine.default`") && err.contains("store builder"), "{err}");

    // PARQUETFRAME_CONFIG names the file; a missing one is an error naming it.
    let other = dir.path().join("elsewhere.toml");
    std::fs::write(&other, "[store]\nrow_group_size = 5\n").unwrap();
    set("PARQUETFRAME_CONFIG", Some(other.to_str().unwrap()));
    assert_eq!(config::load().unwrap().store.row_group_size, 5);
    assert_eq!(Store::open(dir.path().join("u")).unwrap().options().write.row_group_size, 5);
    set("PARQUETFRAME_CONFIG", Some("/nonexistent/pf.toml"));
    let err = config::load().unwrap_err().to_string();
    assert!(err.contains("/nonexistent/pf.toml"), "{err}");
    set("PARQUETFRAME_CONFIG", None);

    // Without PARQUETFRAME_LOG the library installs no subscriber; with it,
    // its first operation installs one (the application has none here).
    let store = Store::builder().root(dir.path().join("logs")).open().unwrap();
    store.save(&Note { id: 1 }).unwrap();
    let subscriber = || tracing::dispatcher::get_default(|d| !d.is::<tracing::subscriber::NoSubscriber>());
    assert!(!subscriber());
    set("PARQUETFRAME_LOG", Some("parquetframe=info"));
    store.save(&Note { id: 2 }).unwrap();
    assert!(subscriber());
    set("PARQUETFRAME_LOG", None);
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "notes/", primary_key = "id")]
pub struct Note {
    pub id: i64,
}
