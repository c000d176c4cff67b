//! The commit protocol: one write at a time per entity under its lock, the
//! next manifest published atomically, automatic compaction when files pile
//! up, and what interrupted commits left cleaned away.

use std::collections::HashSet;

use tracing::debug_span;

use super::layout::{self, EntityPaths};
use super::lock::WriterLock;
use super::manifest::{self, Manifest};
use super::{Store, catalog};
use crate::entity::Entity;
use crate::error::{Error, StorageError};
use crate::io;

impl Store {
    /// Runs one write under the entity's lock: registers `T` in the catalog,
    /// cleans what interrupted commits left, applies `change` to the newest
    /// manifest, publishes the result, and compacts when there are too many files.
    pub(super) fn transact<T: Entity, R>(
        &self,
        change: impl FnOnce(&EntityPaths, &Manifest) -> Result<(Option<Manifest>, R), Error>,
    ) -> Result<R, Error> {
        let paths = self.paths::<T>()?;
        io::create_dir_all(&paths.data)?;
        io::create_dir_all(&paths.manifests)?;
        catalog::register::<T>(&self.root, self.options.format)?;
        let merge = |paths: &EntityPaths, m: &Manifest, from: usize| self.merge_files::<T>(paths, m, from);
        self.transact_at(&paths, T::ENTITY_NAME, merge, change)
    }

    /// [`transact`](Self::transact) of the entity `name` at `paths`, already
    /// in the catalog; `merge` compacts files from a position on.
    pub(crate) fn transact_at<R>(
        &self,
        paths: &EntityPaths,
        name: &str,
        merge: impl Fn(&EntityPaths, &Manifest, usize) -> Result<Manifest, Error>,
        change: impl FnOnce(&EntityPaths, &Manifest) -> Result<(Option<Manifest>, R), Error>,
    ) -> Result<R, Error> {
        let _lock = WriterLock::acquire(&paths.lock)?;
        let current = manifest::latest(&paths.manifests, name)?;
        clean_orphans(paths)?;
        let (next, result) = change(paths, &current)?;
        let Some(mut next) = next else { return Ok(result) };
        next.version = current.version + 1;
        if next.files.len() > self.options.compact_max_files {
            let _compact = debug_span!("auto_compact", files = next.files.len()).entered();
            let from = small_suffix(&next);
            let mut merged = merge(paths, &next, from)?;
            if merged.files.len() > self.options.compact_max_files && from > 0 {
                // The small files did not shrink enough: merge everything.
                merged = merge(paths, &next, 0)?;
            }
            next = Manifest { version: next.version, ..merged };
        }
        let _commit = debug_span!("commit", version = next.version).entered();
        if !manifest::publish(&paths.manifests, &next)? {
            return Err(StorageError::Catalog(format!(
                "entity `{name}`: manifest version {} was committed by another writer that ignored the lock",
                next.version
            ))
            .into());
        }
        manifest::prune(&paths.manifests, self.options.keep_manifests)?;
        Ok(result)
    }
}

/// Where automatic compaction starts: the newest files whose rows together are
/// fewer than the file before them (size-tiered), at least two files.
pub(super) fn small_suffix(m: &Manifest) -> usize {
    let n = m.files.len();
    let mut from = n.saturating_sub(1);
    let mut rows = m.files.last().map_or(0, |f| f.rows);
    while from > 0 {
        let prev = &m.files[from - 1];
        if prev.rows > rows && n - from >= 2 {
            break;
        }
        rows += prev.rows;
        from -= 1;
    }
    from
}

/// Removes what interrupted commits left: data files no retained manifest
/// lists. Runs under the writer lock, so no commit is in progress.
pub(super) fn clean_orphans(paths: &EntityPaths) -> Result<(), Error> {
    let mut referenced: HashSet<String> = HashSet::new();
    for v in manifest::versions(&paths.manifests)? {
        match manifest::read(&paths.manifests, v) {
            Ok(m) => referenced.extend(m.files.into_iter().map(|f| f.path)),
            // A manifest we cannot read protects nothing, and deletes nothing either.
            Err(_) => return Ok(()),
        }
    }
    for name in io::list(&paths.data)? {
        let ours = (name.starts_with("part-") || name.starts_with("del-"))
            && (name.ends_with(".parquet") || name.ends_with(".avro"));
        if ours && !referenced.contains(&format!("{}/{name}", layout::DATA_DIR)) {
            io::remove_file(&paths.data.join(&name))?;
        }
    }
    Ok(())
}
