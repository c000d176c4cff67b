//! Reads: every live row, one row by key, the count; each on the newest
//! snapshot, retried once when a compaction removed a file under it.

use rayon::prelude::*;
use tracing::field::Empty;
use tracing::{debug_span, info_span};

use super::Store;
use super::layout::EntityPaths;
use super::live::locate;
use super::scan;
use super::table::snapshot::Snapshot;
use crate::entity::{Entity, PrimaryKey};
use crate::error::{Error, StorageError};
use crate::io::{in_file, missing_path};
use crate::ux::progress::Progress;
use crate::ux::trace::Operation;

impl Store {
    /// Runs `read` on the newest snapshot; if a file vanished under it (a
    /// compaction finished meanwhile), once more on the then newest snapshot.
    pub(crate) fn with_snapshot<T: Entity, R>(
        &self,
        read: impl Fn(&EntityPaths, &Snapshot) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.with_snapshot_at(T::STORAGE_PATH, T::ENTITY_NAME, read)
    }

    /// [`with_snapshot`](Self::with_snapshot) of the entity `name` at `storage_path`.
    pub(crate) fn with_snapshot_at<R>(
        &self,
        storage_path: &str,
        name: &'static str,
        read: impl Fn(&EntityPaths, &Snapshot) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let paths = EntityPaths::new(&self.location, storage_path)?;
        let first = self.read_snapshot(storage_path, name)?;
        match read(&paths, &first) {
            Err(e) if missing_path(&e).is_some() => {
                let second = self.read_snapshot(storage_path, name)?;
                if second.version == first.version {
                    let path = missing_path(&e).unwrap_or_default();
                    return Err(
                        StorageError::MissingDataFile { entity: name, path, version: first.version }.into()
                    );
                }
                read(&paths, &second)
            }
            other => other,
        }
    }

    /// Every live row of `T`, in storage order. Files and row groups are read
    /// and converted in parallel.
    pub fn load_all<T: Entity>(&self) -> Result<Vec<T>, Error> {
        let op = Operation::start(info_span!(
            "load_all",
            entity = T::ENTITY_NAME,
            rows = Empty,
            files = Empty,
            bytes = Empty,
            threads = Empty,
            duration_ms = Empty
        ));
        self.load_rows::<T>(&op, None)
    }

    /// The live rows of `T` in snapshot `snapshot` (see [`load_version`](Self::load_version)).
    pub(super) fn load_snapshot<T: Entity>(&self, snapshot: &Snapshot) -> Result<Vec<T>, Error> {
        let op = Operation::start(info_span!(
            "load_version",
            entity = T::ENTITY_NAME,
            version = snapshot.version,
            rows = Empty,
            files = Empty,
            bytes = Empty,
            threads = Empty,
            duration_ms = Empty
        ));
        self.load_rows::<T>(&op, Some(snapshot))
    }

    /// The live rows of `T` in `pinned`, else in the newest snapshot, under
    /// `op` on the configured threads, watched by the memory monitor.
    fn load_rows<T: Entity>(&self, op: &Operation, pinned: Option<&Snapshot>) -> Result<Vec<T>, Error> {
        let _entered = op.span().enter();
        let config = self.resolved()?;
        let monitor = crate::ux::memory::MemoryMonitor::from_config(&config.config.engine);
        crate::threads::run(config.config.performance.threads, op.span(), || match pinned {
            None => {
                self.with_snapshot::<T, _>(|paths, m| self.read_all::<T>(paths, m, op, &config, &monitor))
            }
            Some(snapshot) => {
                let paths = EntityPaths::new(&self.location, T::STORAGE_PATH)?;
                self.read_all::<T>(&paths, snapshot, op, &config, &monitor)
            }
        })
    }

    fn read_all<T: Entity>(
        &self,
        paths: &EntityPaths,
        m: &Snapshot,
        op: &Operation,
        config: &crate::config::Resolved,
        monitor: &crate::ux::memory::MemoryMonitor,
    ) -> Result<Vec<T>, Error> {
        op.record("threads", rayon::current_num_threads());
        let opened = debug_span!("open").in_scope(|| scan::Opened::new::<T>(paths, m, false))?;
        let what = format!("load_all of `{}`", T::ENTITY_NAME);
        let estimated = opened.estimated_bytes(std::mem::size_of::<T>());
        op.record("files", opened.files.len());
        op.record("bytes", estimated);
        monitor.check(&what, estimated)?;
        let total = opened.units.iter().fold(0usize, |sum, u| sum.saturating_add(u.live));
        let progress = Progress::new(&what, total as u64, config.config.ux.progress);
        let _read = debug_span!("read").entered();
        // The result is allocated once, at its exact size; row groups are read
        // in waves of one per thread and appended, so beside the result only a
        // few row groups are in memory at any time.
        let mut out = crate::formats::claims::claimed_vec(total);
        let wave = rayon::current_num_threads().max(1);
        for chunk in opened.units.chunks(wave) {
            let parts: Vec<Vec<T>> =
                chunk.par_iter().map(|u| read_unit::<T>(&opened, u)).collect::<Result<_, Error>>()?;
            for part in parts {
                progress.inc(
                    part.len() as u64,
                    estimated.saturating_mul(part.len() as u64).checked_div(total as u64).unwrap_or(0),
                );
                out.extend(part);
            }
        }
        op.record("rows", out.len());
        Ok(out)
    }

    /// The live row with primary key `key`, if any.
    pub fn find<T: Entity>(&self, key: &T::Key) -> Result<Option<T>, Error> {
        let op = Operation::start(info_span!("find", entity = T::ENTITY_NAME, duration_ms = Empty));
        let _entered = op.span().enter();
        self.with_snapshot::<T, _>(|paths, m| {
            let Some((_, data, rg, offset)) = locate::<T>(paths, m, key.borrow())? else { return Ok(None) };
            for batch in data.read_row(rg, offset)? {
                let mut rows = T::from_record_batch(&batch).map_err(|e| in_file(data.path(), e))?;
                if let Some(found) = rows.pop() {
                    return Ok(Some(found));
                }
            }
            Ok(None)
        })
    }

    /// The number of live rows of `T`.
    pub fn count<T: Entity>(&self) -> Result<usize, Error> {
        let op =
            Operation::start(info_span!("count", entity = T::ENTITY_NAME, rows = Empty, duration_ms = Empty));
        let _entered = op.span().enter();
        self.with_snapshot::<T, _>(|_, m| {
            // Each file's row count and its deletion vector's cardinality are
            // in the log: no file is opened.
            let rows = usize::try_from(m.live_rows()).unwrap_or(usize::MAX);
            op.record("rows", rows);
            Ok(rows)
        })
    }
}

/// One row group of a data file, masked and converted.
fn read_unit<T: Entity>(opened: &scan::Opened, unit: &scan::Unit) -> Result<Vec<T>, Error> {
    let data = opened.data(unit)?;
    let mut rows = crate::formats::claims::claimed_vec(unit.live);
    for batch in data.read_row_group(unit.rg, opened.deleted(unit))? {
        rows.extend(T::from_record_batch(&batch).map_err(|e| in_file(data.path(), e))?);
    }
    Ok(rows)
}
