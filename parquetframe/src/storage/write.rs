//! Writes: an upsert writes its rows as one new data file and marks the rows
//! they replace in their files' deletion vectors; a delete only marks rows.
//! No write rewrites an existing data file. Each is one commit (`commit.rs`).

use std::collections::HashSet;

use arrow::array::{ArrayRef, BooleanArray, RecordBatch};
use arrow::compute::filter_record_batch;
use tracing::field::Empty;
use tracing::{debug_span, info_span};

use super::commit::{Change, ChangeKind, mark_deleted};
use super::layout::{self, EntityPaths};
use super::live::live_positions;
use super::table::snapshot::FileEntry;
use super::{SaveSet, Store, cascade, fk_check};
use crate::config::FkCheck;
use crate::entity::{Entity, KeyRef};
use crate::error::Error;
use crate::formats::{self, Schemas, WriteOptions};
use crate::ux::progress::Progress;
use crate::ux::trace::Operation;

impl Store {
    /// The write options for `T`: the entity's `codec` attribute wins over the store's.
    pub(super) fn write_options<T: Entity>(&self) -> WriteOptions {
        WriteOptions { codec: T::CODEC.unwrap_or(self.options.write.codec), ..self.options.write }
    }

    /// Writes a new data file of `T`; returns its entry. The file is removed
    /// again when writing fails.
    pub(super) fn write_file<T: Entity>(
        &self,
        paths: &EntityPaths,
        schemas: &Schemas<'_>,
        batches: impl Iterator<Item = Result<RecordBatch, Error>>,
    ) -> Result<FileEntry, Error> {
        let format = self.format_of::<T>()?;
        let name = layout::data_file_name(format);
        let path = paths.dir.join(&name);
        match formats::write_table_file_at(format, &path, schemas, &self.write_options::<T>(), batches) {
            Ok((rows, bytes)) => Ok(FileEntry::new(name, rows, bytes)),
            Err(e) => {
                let _ = path.remove();
                Err(e)
            }
        }
    }

    /// Writes `rows` (those `last` flags, when given) as one new data file.
    /// Conversion runs on a second thread, a bounded channel ahead of the
    /// encoder, while this thread writes: memory stays at a few row groups
    /// whatever the number of rows.
    fn write_rows<T: Entity>(
        &self,
        paths: &EntityPaths,
        rows: &[T],
        chunk: usize,
        last: Option<&[bool]>,
        progress: &Progress,
    ) -> Result<FileEntry, Error> {
        if rows.len() <= chunk {
            // One batch: converted here (a thread would cost more than it saves).
            let batch = T::to_record_batch(rows)?;
            progress.inc(batch.num_rows() as u64, batch.get_array_memory_size() as u64);
            let batch = match last {
                None => batch,
                Some(flags) => filter(&batch, flags)?,
            };
            return self.write_file::<T>(paths, &entity_schemas::<T>(), std::iter::once(Ok(batch)));
        }
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<RecordBatch, Error>>(2);
            scope.spawn(move || {
                for part in rows.chunks(chunk) {
                    if tx.send(T::to_record_batch(part)).is_err() {
                        break; // the writer stopped on an error
                    }
                }
            });
            let batches = rx.into_iter().enumerate().map(|(i, batch)| {
                let batch = batch?;
                progress.inc(batch.num_rows() as u64, batch.get_array_memory_size() as u64);
                match last {
                    None => Ok(batch),
                    Some(flags) => {
                        let start = i * chunk;
                        filter(&batch, flags.get(start..start + batch.num_rows()).unwrap_or(&[]))
                    }
                }
            });
            self.write_file::<T>(paths, &entity_schemas::<T>(), batches)
        })
    }

    /// Saves `rows`: an upsert by primary key (a row replaces the stored row
    /// with the same key; within `rows`, the last one with a key wins). One
    /// atomic commit; only the new rows are written.
    pub fn save_all<T: Entity>(&self, rows: &[T]) -> Result<(), Error> {
        if rows.is_empty() {
            return Ok(());
        }
        let op = Operation::start(info_span!(
            "save_all",
            entity = T::ENTITY_NAME,
            rows = rows.len(),
            files = Empty,
            bytes = Empty,
            duration_ms = Empty
        ));
        let _entered = op.span().enter();
        if self.options.fk_check == FkCheck::OnSave && !T::RELATIONS.is_empty() {
            debug_span!("fk_check").in_scope(|| fk_check::check_parents(self, rows))?;
        }
        let what = format!("save_all of `{}`", T::ENTITY_NAME);
        let config = self.resolved()?;
        let progress = Progress::new(&what, rows.len() as u64, config.config.ux.progress);
        crate::threads::run(config.config.performance.threads, op.span(), || {
            self.transact::<T, _>(|paths, current| {
                let _write = debug_span!("write").entered();
                let chunk = self.options.write.row_group_size.max(1);
                let last = last_occurrences::<T>(rows);
                let keys: Vec<KeyRef<'_, T>> = match &last {
                    None => rows.iter().map(T::key).collect(),
                    Some(flags) => {
                        rows.iter().zip(flags).filter(|(_, l)| **l).map(|(r, _)| r.key()).collect()
                    }
                };
                // The new file is written (and synced: mostly waiting on the
                // disk) while the rows it replaces are found and marked.
                let (entry, marked) = rayon::join(
                    || {
                        let _file = debug_span!(parent: op.span(), "write_file").entered();
                        let entry = self.write_rows::<T>(paths, rows, chunk, last.as_deref(), &progress)?;
                        // Its directory entry reaches the disk here, beside the
                        // lookups, rather than on the commit's path.
                        if let Some(data) = paths.data.local() {
                            crate::io::sync_dir(data).inspect_err(|_| {
                                let _ = paths.dir.join(&entry.path).remove();
                            })?;
                        }
                        Ok(entry)
                    },
                    || {
                        let _locate = debug_span!(parent: op.span(), "locate_replaced").entered();
                        let replaced = live_positions::<T>(paths, current, &keys)?;
                        mark_deleted(paths, &current.files, &replaced)
                    },
                );
                let (entry, (mut files, dv_file, removed)) = match (entry, marked) {
                    (Ok(entry), Ok(marked)) => (entry, marked),
                    // One side failed: what the other wrote goes again.
                    (Err(e), marked) => {
                        if let Ok((_, Some(dv_file), _)) = marked {
                            let _ = dv_file.remove();
                        }
                        return Err(e);
                    }
                    (Ok(entry), Err(e)) => {
                        let _ = paths.dir.join(&entry.path).remove();
                        return Err(e);
                    }
                };
                let new_file = paths.dir.join(&entry.path);
                op.record("files", 1);
                op.record("bytes", entry.bytes);
                let rows_added = entry.rows;
                files.push(entry);
                let change = Change {
                    files,
                    written: std::iter::once(new_file).chain(dv_file).collect(),
                    kind: ChangeKind::Write,
                    rows_added,
                    rows_removed: removed,
                    data_synced: true,
                };
                Ok((Some(change), ()))
            })
        })
    }

    /// Rows of several entities to save together, parents before children
    /// (the entity graph's topological order): see [`SaveSet`].
    pub fn save_set(&self) -> SaveSet<'_> {
        SaveSet::new(self)
    }

    /// Saves one row (an upsert).
    pub fn save<T: Entity>(&self, row: &T) -> Result<(), Error> {
        self.save_all(std::slice::from_ref(row))
    }

    /// Deletes the row with primary key `key`. `Ok(false)` when there is none
    /// (nothing is written then). Relations referencing `T` are honoured
    /// (`on_delete`: restrict, cascade, set_null); see [`delete_all`](Self::delete_all).
    pub fn delete<T: Entity>(&self, key: &T::Key) -> Result<bool, Error> {
        Ok(self.delete_all::<T>(std::slice::from_ref(key))? > 0)
    }

    /// Deletes the rows with primary keys `keys`; returns how many were live.
    ///
    /// When entities linked into the program reference `T`, their `on_delete`
    /// policy applies first: `restrict` refuses the whole delete (nothing is
    /// written) while live rows reference the keys, `cascade` deletes the
    /// referencing rows (recursively), `set_null` clears their foreign key.
    /// Referencing rows are updated before the parents are deleted, so an
    /// interruption leaves no orphans behind (each entity commits on its own).
    pub fn delete_all<T: Entity>(&self, keys: &[T::Key]) -> Result<usize, Error> {
        if keys.is_empty() {
            return Ok(0);
        }
        let op = Operation::start(info_span!(
            "delete_all",
            entity = T::ENTITY_NAME,
            keys = keys.len(),
            rows = Empty,
            duration_ms = Empty
        ));
        let _entered = op.span().enter();
        let deleted = cascade::delete::<T>(self, keys)?;
        op.record("rows", deleted);
        Ok(deleted)
    }

    /// Deletes the live rows among `keys`, ignoring relations; returns how many there were.
    pub(crate) fn delete_keys<T: Entity>(&self, keys: &[KeyRef<'_, T>]) -> Result<usize, Error> {
        self.delete_keys_guarded::<T>(keys, &|_| Ok(()))
    }

    /// [`delete_keys`](Self::delete_keys), with `guard` run inside the
    /// commit on the key column of `keys` (it refuses the delete by failing).
    pub(crate) fn delete_keys_guarded<T: Entity>(
        &self,
        keys: &[KeyRef<'_, T>],
        guard: &dyn Fn(&[ArrayRef]) -> Result<(), Error>,
    ) -> Result<usize, Error> {
        let key_column = [crate::entity::key_column::<T>(keys)?];
        self.transact::<T, _>(|paths, current| {
            let marked = live_positions::<T>(paths, current, keys)?;
            let live: u64 = marked.iter().map(|m| m.len()).sum();
            if live == 0 {
                return Ok((None, 0));
            }
            guard(&key_column)?;
            let (files, dv_file, removed) = mark_deleted(paths, &current.files, &marked)?;
            let change = Change {
                files,
                written: dv_file.into_iter().collect(),
                kind: ChangeKind::Delete,
                rows_added: 0,
                rows_removed: removed,
                data_synced: false,
            };
            Ok((Some(change), usize::try_from(live).unwrap_or(usize::MAX)))
        })
    }
}

pub(super) fn filter(batch: &RecordBatch, keep: &[bool]) -> Result<RecordBatch, Error> {
    filter_record_batch(batch, &BooleanArray::from(keep.to_vec()))
        .map_err(|source| Error::Arrow { context: "dropping duplicate keys".into(), source })
}

/// `None` when every key in `rows` is unique, else whether each row is the last
/// with its key (the one an upsert keeps).
pub(super) fn last_occurrences<T: Entity>(rows: &[T]) -> Option<Vec<bool>> {
    // Strictly ascending keys (the usual bulk load) cannot repeat: no set needed,
    // so memory stays flat. Otherwise a set of references, about 16 bytes a row.
    if rows.len() < 2 || rows.windows(2).all(|w| w[0].key() < w[1].key()) {
        return None;
    }
    let mut seen: HashSet<KeyRef<'_, T>> = HashSet::with_capacity(rows.len());
    let mut flags = vec![true; rows.len()];
    let mut duplicates = false;
    for (i, row) in rows.iter().enumerate().rev() {
        if !seen.insert(row.key()) {
            flags[i] = false;
            duplicates = true;
        }
    }
    duplicates.then_some(flags)
}

/// The schemas `T`'s data files are written with.
pub(super) fn entity_schemas<T: Entity>() -> Schemas<'static> {
    // Lookups prune by the first key column: it is written for them.
    Schemas { key_column: T::KEY_COLUMNS.first().copied(), ..Schemas::of::<T>() }
}
