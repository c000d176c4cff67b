//! Compaction: the live rows of many files rewritten into one, on request
//! (`store.compact`) or automatically inside a commit.

use std::collections::HashSet;
use std::path::PathBuf;

use arrow::array::RecordBatch;
use tracing::field::Empty;
use tracing::info_span;

use super::layout::EntityPaths;
use super::live::all_keys;
use super::manifest::{FileKind, Manifest};
use super::write::entity_schemas;
use super::{Compaction, Store, merge};
use crate::entity::Entity;
use crate::error::Error;
use crate::formats::{DataFile, Target};
use crate::io::in_file;
use crate::ux::progress::Progress;
use crate::ux::trace::Operation;

impl Store {
    /// Rewrites every live row of `T` into one file, dropping replaced and
    /// deleted rows and delete files.
    pub fn compact<T: Entity>(&self) -> Result<Compaction, Error> {
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
        let done = crate::threads::run(threads, op.span(), || self.compact_inner::<T>())?;
        op.record("files_before", done.files_before);
        op.record("files_after", done.files_after);
        op.record("rows", done.rows);
        Ok(done)
    }

    pub(super) fn compact_inner<T: Entity>(&self) -> Result<Compaction, Error> {
        self.transact::<T, _>(|paths, current| {
            let before = current.files.len();
            if before <= 1 && !current.files.iter().any(|f| f.kind == FileKind::Deletes) {
                return Ok((
                    None,
                    Compaction { files_before: before, files_after: before, rows: current.stored_rows() },
                ));
            }
            let next = self.merge_files::<T>(paths, current, 0)?;
            let report =
                Compaction { files_before: before, files_after: next.files.len(), rows: next.stored_rows() };
            Ok((Some(next), report))
        })
    }

    /// Merges the files from position `from` on (all when 0) into one data file
    /// (plus, when older files remain, one delete file).
    pub(super) fn merge_files<T: Entity>(
        &self,
        paths: &EntityPaths,
        current: &Manifest,
        from: usize,
    ) -> Result<Manifest, Error> {
        let (keep, merge) = current.files.split_at(from.min(current.files.len()));
        let tail = Manifest { files: merge.to_vec(), ..current.clone() };
        let keys = all_keys::<T>(paths, &tail)?;
        let masks = merge::live_rows(&keys);
        let seq = current.next_seq;
        let mut batches: Vec<(PathBuf, Option<Vec<bool>>)> = Vec::new();
        for (file, mask) in merge.iter().zip(masks.iter()) {
            if file.kind == FileKind::Data {
                batches.push((paths.dir.join(&file.path), mask.clone()));
            }
        }
        let what = format!("compaction of `{}`", T::ENTITY_NAME);
        let progress = Progress::new(&what, tail.stored_rows(), self.resolved()?.config.ux.progress);
        let chunks =
            batches.into_iter().flat_map(|(path, mask)| file_batches::<T>(path, mask)).inspect(|b| {
                if let Ok(b) = b {
                    progress.inc(b.num_rows() as u64, b.get_array_memory_size() as u64);
                }
            });
        let mut files = keep.to_vec();
        files.push(self.write_file::<T>(paths, FileKind::Data, seq, &entity_schemas::<T>(), chunks)?);
        let mut next_seq = seq + 1;
        if !keep.is_empty() {
            // Deletes in the merged files must still hide rows in the older files.
            let live = merge::live_keys(&keys, &masks);
            let deleted: Vec<&T::Key> = keys
                .iter()
                .filter(|f| f.kind == FileKind::Deletes)
                .flat_map(|f| f.keys.iter())
                .filter(|k| !live.contains(k))
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            if !deleted.is_empty() {
                files.push(self.write_deletes::<T>(paths, next_seq, &deleted)?);
                next_seq += 1;
            }
        }
        Ok(Manifest { files, next_seq, ..current.clone() })
    }
}

/// The batches of one data file's live rows, converted through `T` so that
/// files written by older versions of the struct are brought up to date.
pub(super) fn file_batches<T: Entity>(
    path: PathBuf,
    mask: Option<Vec<bool>>,
) -> Vec<Result<RecordBatch, Error>> {
    let data = match DataFile::open(&path, &Target::of::<T>()) {
        Ok(d) => d,
        Err(e) => return vec![Err(e)],
    };
    let mut out = Vec::new();
    let mut offset = 0;
    for (rg, rows) in data.row_group_rows().into_iter().enumerate() {
        let live = mask.as_ref().and_then(|m| m.get(offset..offset + rows));
        offset += rows;
        match data.read_row_group(rg, live) {
            Ok(batches) => {
                for batch in batches {
                    out.push(
                        T::from_record_batch(&batch)
                            .and_then(|rows| T::to_record_batch(&rows))
                            .map_err(|e| in_file(&path, e)),
                    );
                }
            }
            Err(e) => out.push(Err(e)),
        }
    }
    out
}
