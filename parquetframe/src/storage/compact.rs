//! Compaction: the live rows of many files rewritten into one, dropping
//! their deletion vectors, on request (`store.compact`) or automatically
//! inside a commit.

use arrow::array::RecordBatch;
use roaring::RoaringTreemap;
use tracing::field::Empty;
use tracing::info_span;

use super::commit::{Change, ChangeKind};
use super::layout::EntityPaths;
use super::table::snapshot::{FileEntry, Snapshot};
use super::write::entity_schemas;
use super::{Compaction, Store};
use crate::entity::Entity;
use crate::error::{Error, StorageError};
use crate::formats::claims::Deleted;
use crate::formats::{DataFile, Target};
use crate::io::{Location, in_file};
use crate::ux::progress::Progress;
use crate::ux::trace::Operation;

impl Store {
    /// Rewrites every live row of `T` into one file, dropping replaced and
    /// deleted rows and delete files.
    ///
    /// Rows are rewritten through `T`, so a file holding columns `T` lacks
    /// (written by a program whose struct has them) is refused with
    /// [`StorageError::WouldDropColumns`] naming them, and nothing changes;
    /// [`compact_dropping`](Self::compact_dropping) drops columns on purpose.
    pub fn compact<T: Entity>(&self) -> Result<Compaction, Error> {
        self.compact_dropping::<T>(&[])
    }

    /// [`compact`](Self::compact), allowed to drop `columns` (ones removed
    /// from the struct) from the rewritten rows; any other column `T`
    /// lacks is still refused. The table's schema keeps listing them (it
    /// never narrows): outside readers see them null in the new file.
    pub fn compact_dropping<T: Entity>(&self, columns: &[&str]) -> Result<Compaction, Error> {
        let op = Operation::start(info_span!(
            "compact",
            entity = T::ENTITY_NAME,
            files_before = Empty,
            files_after = Empty,
            rows = Empty,
            duration_ms = Empty
        ));
        let _entered = op.span().enter();
        let threads = self.resolved()?.config.performance.threads;
        let done = crate::threads::run(threads, op.span(), || self.compact_inner::<T>(columns))?;
        op.record("files_before", done.files_before);
        op.record("files_after", done.files_after);
        op.record("rows", done.rows);
        Ok(done)
    }

    pub(super) fn compact_inner<T: Entity>(&self, droppable: &[&str]) -> Result<Compaction, Error> {
        self.transact::<T, _>(|paths, current| {
            let before = current.files.len();
            if before <= 1
                && current.files.iter().all(|f| f.deleted == 0)
                && !holds_legacy_types(paths, current, &Target::of::<T>())?
            {
                return Ok((
                    None,
                    Compaction { files_before: before, files_after: before, rows: current.live_rows() },
                ));
            }
            let next = self.merge_files::<T>(paths, current, 0, droppable)?;
            let rows = next.files.iter().map(|f| f.rows).sum();
            let report = Compaction { files_before: before, files_after: next.files.len(), rows };
            Ok((Some(next), report))
        })
    }

    /// Merges the files from position `from` on (all when 0) into one data
    /// file without deleted rows; the files before `from` stay as they are.
    /// Refused when a file holds columns `T` lacks, but for `droppable` ones.
    pub(super) fn merge_files<T: Entity>(
        &self,
        paths: &EntityPaths,
        current: &Snapshot,
        from: usize,
        droppable: &[&str],
    ) -> Result<Change, Error> {
        let (keep, merge) = current.files.split_at(from.min(current.files.len()));
        refuse_dropping_columns(paths, merge, T::ENTITY_NAME, &Target::of::<T>(), droppable)?;
        let tail = Snapshot { files: merge.to_vec(), ..current.clone() };
        let sets = tail.deleted_sets(&paths.dir)?;
        let batches: Vec<(Location, Option<RoaringTreemap>)> =
            merge.iter().zip(sets).map(|(file, deleted)| (paths.dir.join(&file.path), deleted)).collect();
        let what = format!("compaction of `{}`", T::ENTITY_NAME);
        let progress = Progress::new(&what, tail.live_rows(), self.resolved()?.config.ux.progress);
        let chunks =
            batches.into_iter().flat_map(|(path, deleted)| file_batches::<T>(path, deleted)).inspect(|b| {
                if let Ok(b) = b {
                    progress.inc(b.num_rows() as u64, b.get_array_memory_size() as u64);
                }
            });
        let mut files = keep.to_vec();
        let written = self.write_file::<T>(paths, &entity_schemas::<T>(), chunks)?;
        let path = paths.dir.join(&written.path);
        if written.rows > 0 {
            files.push(written);
        } else {
            let _ = path.remove();
        }
        Ok(Change {
            files,
            written: vec![path],
            kind: ChangeKind::Compact,
            rows_added: 0,
            rows_removed: 0,
            data_synced: false,
        })
    }
}

/// An error when a file of `files` holds columns `target` lacks (but for
/// `droppable` ones): rows are converted through the struct, which would
/// drop them for good (an older program compacting what a newer one wrote).
pub(super) fn refuse_dropping_columns(
    paths: &EntityPaths,
    files: &[FileEntry],
    entity: &'static str,
    target: &Target,
    droppable: &[&str],
) -> Result<(), Error> {
    for file in files {
        let path = paths.dir.join(&file.path);
        let data = DataFile::open_at(&path, target, false)?;
        let beyond: Vec<String> = data
            .column_names()
            .into_iter()
            .filter(|c| target.arrow.field_with_name(c).is_err() && !droppable.contains(&c.as_str()))
            .map(|c| format!("`{c}`"))
            .collect();
        if !beyond.is_empty() {
            return Err(StorageError::WouldDropColumns {
                entity,
                path: path.name(),
                columns: beyond.join(", "),
            }
            .into());
        }
    }
    Ok(())
}

/// Whether a file of `current` holds columns in the types used before tables
/// stored them as Delta types: a compaction then rewrites it even when
/// nothing else would (see `formats::table_types`).
pub(super) fn holds_legacy_types(
    paths: &EntityPaths,
    current: &Snapshot,
    target: &Target,
) -> Result<bool, Error> {
    for file in &current.files {
        let data = DataFile::open_at(&paths.dir.join(&file.path), target, false)?;
        if !data.legacy_columns(&target.arrow).is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The batches of one data file's live rows, converted through `T` so that
/// files written by older versions of the struct are brought up to date.
pub(super) fn file_batches<T: Entity>(
    path: Location,
    deleted: Option<RoaringTreemap>,
) -> Vec<Result<RecordBatch, Error>> {
    let data = match DataFile::open_at(&path, &Target::of::<T>(), false) {
        Ok(d) => d,
        Err(e) => return vec![Err(e)],
    };
    let mut out = Vec::new();
    let mut offset = 0usize;
    for (rg, rows) in data.row_group_rows().into_iter().enumerate() {
        let live = deleted.as_ref().map(|d| Deleted::new(d, offset as u64));
        offset = offset.saturating_add(rows);
        match data.read_row_group(rg, live) {
            Ok(batches) => {
                for batch in batches {
                    out.push(
                        T::from_record_batch(&batch)
                            .and_then(|rows| T::to_record_batch(&rows))
                            .map_err(|e| in_file(&path.name(), e)),
                    );
                }
            }
            Err(e) => out.push(Err(e)),
        }
    }
    out
}
