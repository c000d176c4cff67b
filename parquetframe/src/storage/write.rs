//! Writes: upserts by primary key and deletes, each a new data or delete
//! file committed on its own (see `commit.rs`).

use std::collections::HashSet;

use arrow::array::{BooleanArray, RecordBatch};
use arrow::compute::filter_record_batch;
use tracing::field::Empty;
use tracing::{debug_span, info_span};

use super::layout::{self, EntityPaths};
use super::live::{all_keys, key_is_live};
use super::manifest::{FileEntry, FileKind};
use super::{SaveSet, Store, cascade, fk_check, merge};
use crate::config::FkCheck;
use crate::entity::Entity;
use crate::error::{Error, StorageError};
use crate::formats::{self, Schemas, WriteOptions};
use crate::types::{Column, FieldOptions};
use crate::ux::progress::Progress;
use crate::ux::trace::Operation;

impl Store {
    /// The write options for `T`: the entity's `codec` attribute wins over the store's.
    pub(super) fn write_options<T: Entity>(&self) -> WriteOptions {
        WriteOptions { codec: T::CODEC.unwrap_or(self.options.write.codec), ..self.options.write }
    }

    /// Writes a new data file of `T` named after `kind` and `seq`; returns its
    /// manifest entry.
    pub(super) fn write_file<T: Entity>(
        &self,
        paths: &EntityPaths,
        kind: FileKind,
        seq: u64,
        schemas: &Schemas<'_>,
        batches: impl Iterator<Item = Result<RecordBatch, Error>>,
    ) -> Result<FileEntry, Error> {
        let format = self.format_of::<T>()?;
        let name = layout::data_file_name(kind, seq, format);
        let (rows, bytes) =
            formats::write(format, &paths.dir.join(&name), schemas, &self.write_options::<T>(), batches)?;
        Ok(FileEntry { path: name, kind, seq, rows, bytes })
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
                let seq = current.next_seq;
                let chunk = self.options.write.row_group_size.max(1);
                // Conversion runs on a second thread, a bounded channel ahead of the
                // encoder, while this thread finds duplicate keys and writes: memory
                // stays at a few row groups whatever the number of rows.
                let entry = std::thread::scope(|scope| {
                    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<RecordBatch, Error>>(2);
                    scope.spawn(move || {
                        for part in rows.chunks(chunk) {
                            if tx.send(T::to_record_batch(part)).is_err() {
                                break; // the writer stopped on an error
                            }
                        }
                    });
                    let last = last_occurrences::<T>(rows);
                    let batches = rx.into_iter().enumerate().map(|(i, batch)| {
                        let batch = batch?;
                        progress.inc(batch.num_rows() as u64, batch.get_array_memory_size() as u64);
                        match &last {
                            None => Ok(batch),
                            Some(flags) => {
                                let start = i * chunk;
                                filter(&batch, flags.get(start..start + batch.num_rows()).unwrap_or(&[]))
                            }
                        }
                    });
                    self.write_file::<T>(paths, FileKind::Data, seq, &entity_schemas::<T>(), batches)
                })?;
                op.record("files", 1);
                op.record("bytes", entry.bytes);
                let mut next = current.clone();
                next.files.push(entry);
                next.next_seq = seq + 1;
                Ok((Some(next), ()))
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
    pub(crate) fn delete_keys<T: Entity>(&self, keys: &[&T::Key]) -> Result<usize, Error> {
        self.transact::<T, _>(|paths, current| {
            let mut live = Vec::with_capacity(keys.len());
            let mut seen = HashSet::with_capacity(keys.len());
            // A few keys: point lookups; many (a cascade): one pass over the key columns.
            let files = if keys.len() > 16 { all_keys::<T>(paths, current)? } else { Vec::new() };
            let live_set = (keys.len() > 16).then(|| merge::live_keys(&files, &merge::live_rows(&files)));
            for &key in keys {
                let is_live = match &live_set {
                    Some(set) => set.contains(key),
                    None => key_is_live::<T>(paths, current, key)?,
                };
                if seen.insert(key) && is_live {
                    live.push(key);
                }
            }
            if live.is_empty() {
                return Ok((None, 0));
            }
            let seq = current.next_seq;
            let entry = self.write_deletes::<T>(paths, seq, &live)?;
            let mut next = current.clone();
            next.files.push(entry);
            next.next_seq = seq + 1;
            Ok((Some(next), live.len()))
        })
    }

    /// Writes a delete file (the key column only) holding `keys`, with sequence `seq`.
    pub(super) fn write_deletes<T: Entity>(
        &self,
        paths: &EntityPaths,
        seq: u64,
        keys: &[&T::Key],
    ) -> Result<FileEntry, Error> {
        let field = <T::Key as Column>::field(T::PRIMARY_KEY, &FieldOptions::DEFAULT);
        let schema = formats::parquet::key_schema(field);
        let (avro, avro_json) = key_avro_schema::<T>()?;
        let array = crate::entity::key_column::<T>(keys.iter().copied(), keys.len())?;
        let batch = RecordBatch::try_new(schema.clone(), vec![array])
            .map_err(|source| Error::Arrow { context: "building a delete file".into(), source })?;
        let schemas = Schemas { arrow: schema, avro: &avro, avro_json, key_column: Some(T::PRIMARY_KEY) };
        self.write_file::<T>(paths, FileKind::Deletes, seq, &schemas, std::iter::once(Ok(batch)))
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
    let mut seen: HashSet<&T::Key> = HashSet::with_capacity(rows.len());
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
    Schemas { key_column: Some(T::PRIMARY_KEY), ..Schemas::of::<T>() }
}

/// The Avro schema of `T`'s delete files: `T`'s record with only the key field.
pub(super) fn key_avro_schema<T: Entity>() -> Result<(apache_avro::Schema, String), Error> {
    let mut json: serde_json::Value = serde_json::from_value(T::avro_schema_json())
        .map_err(|e| StorageError::Catalog(format!("entity `{}`: Avro schema: {e}", T::ENTITY_NAME)))?;
    if let Some(fields) = json.get_mut("fields").and_then(|f| f.as_array_mut()) {
        fields.retain(|f| f.get("name").and_then(|n| n.as_str()) == Some(T::PRIMARY_KEY));
    }
    let text = json.to_string();
    let schema = apache_avro::Schema::parse_str(&text)
        .map_err(|e| StorageError::Catalog(format!("entity `{}`: key schema: {e}", T::ENTITY_NAME)))?;
    Ok((schema, text))
}
