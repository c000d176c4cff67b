//! The commit protocol: a write is planned on the newest snapshot and
//! committed as the next Delta log version with put-if-absent. When another
//! writer committed first, the plan is thrown away (with the files it
//! wrote) and made again on the newer snapshot, a bounded number of times.
//! The OS writer lock only keeps this process's and its neighbours' writers
//! from racing on local disk; correctness does not depend on it.

use deltalake_core::kernel::Action;
use deltalake_core::protocol::{DeltaOperation, SaveMode};
use roaring::RoaringTreemap;
use std::collections::HashMap;
use tracing::debug_span;

use super::layout::EntityPaths;
use super::lock::WriterLock;
use super::table::dv::{self, DvFile};
use super::table::history::METRICS_KEY;
use super::table::snapshot::{FileEntry, Snapshot};
use super::table::{Table, schema};
use super::{Store, catalog};
use crate::entity::Entity;
use crate::error::{Error, StorageError};
use crate::io::{self, Location};

/// Attempts before a write gives up on a table other writers keep changing.
const MAX_ATTEMPTS: u32 = 64;

/// What a write does to the table, planned on one snapshot.
pub(crate) struct Change {
    /// The files of the next version.
    pub files: Vec<FileEntry>,
    /// Files this plan wrote: removed again if it does not commit.
    pub written: Vec<Location>,
    /// The operation recorded in the log.
    pub kind: ChangeKind,
    /// Rows added and removed (for the history).
    pub rows_added: u64,
    /// See `rows_added`.
    pub rows_removed: u64,
    /// Whether the data directory was synced after the files were written
    /// (else the commit syncs it before the log names them).
    pub data_synced: bool,
}

/// The operation a change is recorded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChangeKind {
    /// Rows appended or upserted.
    Write,
    /// Rows deleted.
    Delete,
    /// Files rewritten without changing the live rows.
    Compact,
}

impl ChangeKind {
    fn operation(self) -> DeltaOperation {
        match self {
            Self::Write => {
                DeltaOperation::Write { mode: SaveMode::Append, partition_by: None, predicate: None }
            }
            Self::Delete => DeltaOperation::Delete { predicate: None },
            Self::Compact => DeltaOperation::Optimize { predicate: None, target_size: 0 },
        }
    }
}

/// The Delta table properties that describe an entity (by its catalog
/// entry) to outside readers: name, primary key, format and relations.
pub(crate) fn entity_properties(entry: &catalog::CatalogEntry) -> HashMap<String, String> {
    let relations: Vec<serde_json::Value> = entry
        .relations
        .iter()
        .map(|r| {
            let mut relation = serde_json::json!({
                "column": r.column, "parent": r.target, "parentKey": r.target_key,
                "inverse": r.inverse, "onDelete": r.on_delete.as_str(),
            });
            // A key over several columns: `column` shows `(a, b)`, these are the columns.
            if !r.columns.is_empty() {
                relation["columns"] = serde_json::json!(r.columns);
            }
            relation
        })
        .collect();
    HashMap::from([
        ("parquetframe.entity".to_owned(), entry.name.clone()),
        ("parquetframe.primaryKey".to_owned(), entry.primary_key.clone()),
        ("parquetframe.keyColumns".to_owned(), serde_json::json!(entry.key_columns()).to_string()),
        ("parquetframe.format".to_owned(), entry.format.clone()),
        ("parquetframe.relations".to_owned(), serde_json::Value::Array(relations).to_string()),
    ])
}

impl Store {
    /// Runs one write of `T`: registers it in the catalog, creates its table
    /// when missing, plans `change` on the newest snapshot and commits it,
    /// compacting when files pile up.
    pub(super) fn transact<T: Entity, R>(
        &self,
        change: impl FnMut(&EntityPaths, &Snapshot) -> Result<(Option<Change>, R), Error>,
    ) -> Result<R, Error> {
        let paths = self.paths::<T>()?;
        self.writable(T::ENTITY_NAME)?;
        paths.refuse_old_layout()?;
        let format = self.format_of::<T>()?;
        catalog::register::<T>(&self.location, self.options.format)?;
        let create = || -> Result<_, Error> {
            let entry = catalog::CatalogEntry {
                format: format.as_str().to_owned(),
                ..catalog::CatalogEntry::of::<T>()
            };
            Ok((schema::delta_columns(&T::arrow_schema(), T::ENTITY_NAME)?, entity_properties(&entry)))
        };
        let merge =
            |paths: &EntityPaths, m: &Snapshot, from: usize| self.merge_files::<T>(paths, m, from, &[]);
        self.transact_at(&paths, T::ENTITY_NAME, &T::arrow_schema(), create, merge, change)
    }

    /// [`transact`](Self::transact) of the entity `name` at `paths`, already
    /// in the catalog, whose rows have `entity_schema`; `create` gives the
    /// table's columns and properties, `merge` compacts files from a position on.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn transact_at<R>(
        &self,
        paths: &EntityPaths,
        name: &str,
        entity_schema: &arrow::datatypes::Schema,
        create: impl Fn() -> Result<(Vec<deltalake_core::kernel::StructField>, HashMap<String, String>), Error>,
        merge: impl Fn(&EntityPaths, &Snapshot, usize) -> Result<Change, Error>,
        mut change: impl FnMut(&EntityPaths, &Snapshot) -> Result<(Option<Change>, R), Error>,
    ) -> Result<R, Error> {
        self.writable(name)?;
        paths.refuse_old_layout()?;
        match (&paths.data, &self.location) {
            (Location::Local(data), _) => io::create_dir_all(data)?,
            // Commits in a bucket rely on its conditional put alone.
            (Location::Object(_), Location::Object(root)) => {
                root.bucket().check_put_if_absent(&self.location.join(super::layout::META_DIR))?
            }
            (Location::Object(_), Location::Local(_)) => {}
        }
        let table = Table::at(&paths.dir)?;
        let _lock = match &paths.lock {
            Some(lock) if self.options.writer_lock => Some(WriterLock::acquire(lock)?),
            _ => None,
        };
        if !table.exists()? {
            let (columns, properties) = create()?;
            table.create(name, columns, properties)?;
            // The new directories' own entries reach the disk too, up to the root.
            if let (Some(dir), Some(root)) = (paths.dir.local(), self.location.local()) {
                let mut dir = Some(dir);
                while let Some(d) = dir.filter(|d| d.starts_with(root)) {
                    io::sync_dir(d)?;
                    dir = d.parent();
                }
            }
        }
        for attempt in 0..MAX_ATTEMPTS {
            let current = table.snapshot(name, None)?;
            if let Some(reason) = &current.unwritable {
                return Err(StorageError::Catalog(format!("entity `{name}`: {reason}")).into());
            }
            // A struct that gained fields widens the table's schema in the same commit.
            let evolved = match &current.table {
                Some(meta) => schema::widened(meta, entity_schema, name)?,
                None => None,
            };
            let (next, result) = change(paths, &current)?;
            let Some(mut next) = next else { return Ok(result) };
            if next.files.len() > self.options.compact_max_files {
                let _compact = debug_span!("auto_compact", files = next.files.len()).entered();
                let planned = Snapshot { files: next.files.clone(), ..current.clone() };
                let from = small_suffix(&planned);
                match auto_compaction(paths, &planned, from, self.options.compact_max_files, &merge)? {
                    Some(merged) => {
                        next.written.extend(merged.written);
                        next.files = merged.files;
                        next.data_synced = false;
                    }
                    None => tracing::warn!(
                        entity = name,
                        files = next.files.len(),
                        "automatic compaction skipped: the files hold columns this program's struct \
                         lacks (compact with the program that wrote them)"
                    ),
                }
            }
            let _commit = debug_span!("commit", base = current.version, attempt).entered();
            if !next.written.is_empty()
                && !next.data_synced
                && let Some(data) = paths.data.local()
            {
                // The new files' directory entries reach the disk before the log names them.
                io::sync_dir(data)?;
            }
            let actions = diff(&current.files, &next.files);
            let metrics = HashMap::from([(
                METRICS_KEY.to_owned(),
                serde_json::json!({ "rowsAdded": next.rows_added, "rowsRemoved": next.rows_removed }),
            )]);
            // A compaction that rewrote every file also brings the declared
            // column types up to what the files now hold.
            let rewrote_all = next.kind == ChangeKind::Compact
                && next.files.iter().all(|f| next.written.contains(&paths.dir.join(&f.path)));
            let evolved = match (&evolved, &current.table) {
                (_, Some(meta)) if rewrote_all => {
                    let base = evolved.clone().unwrap_or_else(|| meta.clone());
                    match schema::retyped(&base, entity_schema, name) {
                        Ok(retyped) => retyped.or(evolved),
                        Err(e) => {
                            remove_written(&next.written);
                            return Err(e);
                        }
                    }
                }
                _ => evolved,
            };
            match table.commit(&current, evolved, actions, next.kind.operation(), metrics, &next.files) {
                Ok(Some(_)) => {
                    // Data files this plan wrote and then compacted away were never
                    // part of any version: no reader can hold them.
                    let unreferenced: Vec<Location> = next
                        .written
                        .iter()
                        .filter(|p| p.starts_with(&paths.data))
                        .filter(|p| !next.files.iter().any(|f| paths.dir.join(&f.path) == **p))
                        .cloned()
                        .collect();
                    remove_written(&unreferenced);
                    return Ok(result);
                }
                Ok(None) => {
                    // Another writer committed first: plan again on its version.
                    remove_written(&next.written);
                    std::thread::sleep(std::time::Duration::from_millis(u64::from(attempt.min(20)) * 5));
                }
                // Whether the log entry was written is unknown: the files stay
                // (a vacuum removes them if no version lists them).
                Err(e) => return Err(e),
            }
        }
        Err(StorageError::Catalog(format!(
            "entity `{name}`: gave up after {MAX_ATTEMPTS} attempts: other writers committed to `{}` \
             before each of them; nothing of this write was committed",
            paths.dir.display()
        ))
        .into())
    }
}

fn remove_written(files: &[Location]) {
    for f in files {
        let _ = f.remove();
    }
}

/// The log actions turning `current`'s files into `next`'s: a file whose
/// deletion vector changed is removed and added again with the new one.
fn diff(current: &[FileEntry], next: &[FileEntry]) -> Vec<Action> {
    let mut actions = Vec::new();
    for old in current.iter().filter(|f| !next.iter().any(|n| n.same_version(f))) {
        actions.push(Action::Remove(old.remove()));
    }
    for new in next.iter().filter(|f| !current.iter().any(|c| c.same_version(f))) {
        actions.push(Action::Add(new.add()));
    }
    actions
}

/// `files` with the rows `marked` (per file, same order) added to their
/// deletion vectors. Vectors too large for the log go into one new file
/// in `paths.dir`, returned so it can be removed if the commit fails.
pub(super) fn mark_deleted(
    paths: &EntityPaths,
    files: &[FileEntry],
    marked: &[RoaringTreemap],
) -> Result<(Vec<FileEntry>, Option<Location>, u64), Error> {
    let mut out = Vec::with_capacity(files.len());
    let mut dv_file = DvFile::new();
    let mut removed = 0;
    for (file, new) in files.iter().zip(marked) {
        if new.is_empty() {
            out.push(file.clone());
            continue;
        }
        let mut all = file.deleted_rows(&paths.dir)?;
        let before = all.len();
        all |= new;
        removed += all.len() - before;
        if all.len() >= file.rows {
            continue; // every row deleted: the file leaves the table
        }
        let descriptor = if all.serialized_size() + 4 <= dv::INLINE_MAX_BYTES {
            dv::inline(&all)?
        } else {
            dv_file.push(&all)?
        };
        out.push(file.with_dv(descriptor, all.len()));
    }
    let written = if dv_file.is_empty() { None } else { Some(dv_file.write(&paths.dir)?) };
    Ok((out, written, removed))
}

/// The merge automatic compaction makes of `planned`: the small files from
/// `from` on, or everything when that leaves more than `max_files`. `None`
/// when the files hold columns the struct lacks: a save must not fail, nor
/// drop them, because of an automatic step.
fn auto_compaction(
    paths: &EntityPaths,
    planned: &Snapshot,
    from: usize,
    max_files: usize,
    merge: &impl Fn(&EntityPaths, &Snapshot, usize) -> Result<Change, Error>,
) -> Result<Option<Change>, Error> {
    let attempt = |from| match merge(paths, planned, from) {
        Ok(merged) => Ok(Some(merged)),
        Err(Error::Storage(StorageError::WouldDropColumns { .. })) => Ok(None),
        Err(e) => Err(e),
    };
    let Some(merged) = attempt(from)? else { return Ok(None) };
    if merged.files.len() > max_files && from > 0 {
        // The small files did not shrink enough: merge everything.
        remove_written(&merged.written);
        return attempt(0);
    }
    Ok(Some(merged))
}

/// Where automatic compaction starts: the newest files whose live rows
/// together are fewer than the file before them (size-tiered), at least two files.
pub(super) fn small_suffix(m: &Snapshot) -> usize {
    let n = m.files.len();
    let mut from = n.saturating_sub(1);
    let mut rows = m.files.last().map_or(0, FileEntry::live_rows);
    while from > 0 {
        let prev = &m.files[from - 1];
        if prev.live_rows() > rows && n - from >= 2 {
            break;
        }
        rows += prev.live_rows();
        from -= 1;
    }
    from
}
