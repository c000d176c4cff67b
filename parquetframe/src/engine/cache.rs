//! The memory engine's cache: whole `DataFrame`s keyed by what identifies a
//! committed snapshot (store root, entity, manifest version) or a set of
//! files (paths, sizes, modification times). A new commit gets a new key, so
//! entries never go stale; the least recently used go when the configured
//! byte budget is exceeded.

use std::sync::{Arc, Mutex};

use polars::prelude::DataFrame;

struct Entry {
    key: String,
    frame: Arc<DataFrame>,
    bytes: u64,
}

static CACHE: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

fn lock() -> std::sync::MutexGuard<'static, Vec<Entry>> {
    // A panic while holding the lock leaves a consistent Vec: keep using it.
    CACHE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The cached frame of `key`, marked most recently used.
pub(crate) fn get(key: &str) -> Option<Arc<DataFrame>> {
    let mut cache = lock();
    let i = cache.iter().position(|e| e.key == key)?;
    let entry = cache.remove(i);
    let frame = entry.frame.clone();
    cache.push(entry);
    Some(frame)
}

/// Whether `key` is cached (without touching its recency).
pub(crate) fn contains(key: &str) -> bool {
    lock().iter().any(|e| e.key == key)
}

/// Caches `frame` under `key`, evicting the least recently used entries
/// beyond `budget` bytes. A frame larger than the budget is not kept.
pub(crate) fn put(key: String, frame: Arc<DataFrame>, budget: u64) {
    let bytes = frame.estimated_size() as u64;
    if bytes > budget {
        return;
    }
    let mut cache = lock();
    cache.retain(|e| e.key != key);
    cache.push(Entry { key, frame, bytes });
    let mut total: u64 = cache.iter().map(|e| e.bytes).sum();
    while total > budget && !cache.is_empty() {
        let evicted = cache.remove(0);
        total -= evicted.bytes;
    }
}

/// Empties the cache.
pub fn clear() {
    lock().clear();
}
