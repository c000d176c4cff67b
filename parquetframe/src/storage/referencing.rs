//! The rows of an entity that reference deleted parents, found and changed
//! inside the entity's own commit (`on_delete` cascade and set_null).
//!
//! Each change is planned on the snapshot its commit is based on: when
//! another writer commits to the entity first (a child updated, inserted or
//! moved to another parent), the commit conflicts and the rows are found
//! again on the newer version (`commit.rs`). Nothing is written back from an
//! older read, so no concurrent update is lost and no moved child is touched.

use arrow::array::{ArrayRef, UInt32Array};
use rayon::prelude::*;
use roaring::RoaringTreemap;

use super::Store;
use super::commit::{Change, ChangeKind, mark_deleted};
use super::compact::refuse_dropping_columns;
use super::keys::KeySet;
use super::layout::EntityPaths;
use super::table::snapshot::{FileEntry, Snapshot};
use super::write::entity_schemas;
use crate::entity::{Entity, Relation};
use crate::error::Error;
use crate::formats::{DataFile, Target};

fn arrow_error(context: &str) -> impl Fn(arrow::error::ArrowError) -> Error + '_ {
    move |source| Error::Arrow { context: context.to_owned(), source }
}

/// The live rows of one file whose foreign key is one of the parents' keys.
struct Hits {
    /// Index of the file in the snapshot.
    file: usize,
    /// Positions in the file, ascending.
    positions: Vec<u64>,
}

/// Per file of `m` holding any, the live rows of `T` whose foreign key of
/// `relation` is one of `keys`.
fn find<T: Entity>(
    paths: &EntityPaths,
    m: &Snapshot,
    relation: &Relation,
    keys: &KeySet<'_>,
) -> Result<Vec<Hits>, Error> {
    let target = Target::of::<T>();
    let found: Vec<Option<Hits>> = m
        .files
        .par_iter()
        .enumerate()
        .map(|(index, file)| {
            if file.live_rows() == 0 {
                return Ok(None);
            }
            let data = DataFile::open_at(&paths.dir.join(&file.path), &target, false)?;
            // A file written before the relation's columns existed references nothing.
            let names = data.column_names();
            if !relation.columns.iter().all(|c| names.iter().any(|n| n == c)) {
                return Ok(None);
            }
            let dead = file.deleted_rows(&paths.dir)?;
            let parts =
                relation.columns.iter().map(|c| data.read_column(c, None)).collect::<Result<Vec<_>, _>>()?;
            let chunks = crate::entity::primary_key::key_chunks(relation.columns, parts, T::ENTITY_NAME)?;
            let mut positions = Vec::new();
            let mut offset = 0u64;
            for chunk in chunks {
                let rows =
                    keys.rows(chunk.as_ref(), true).map_err(|u| u.error(T::ENTITY_NAME, relation.column))?;
                positions
                    .extend(rows.into_iter().map(|r| offset + u64::from(r)).filter(|p| !dead.contains(*p)));
                offset += chunk.len() as u64;
            }
            Ok((!positions.is_empty()).then_some(Hits { file: index, positions }))
        })
        .collect::<Result<_, Error>>()?;
    Ok(found.into_iter().flatten().collect())
}

/// Whether any live row of `T` references `keys`, read without the commit
/// machinery: most checks find none, and then take no writer lock and
/// create no table.
fn any_referencing<T: Entity>(store: &Store, relation: &Relation, keys: &KeySet<'_>) -> Result<bool, Error> {
    store.with_snapshot::<T, _>(|paths, m| Ok(!find::<T>(paths, m, relation, keys)?.is_empty()))
}

/// The live rows of `T` whose foreign key of `relation` is one of
/// `parent_keys`, in file order: the inverse navigation of a relation over
/// several columns (a scan of its columns per call; relations over one
/// column keep an index, `related.rs`).
pub(crate) fn rows_referencing<T: Entity>(
    store: &Store,
    relation: &Relation,
    parent_keys: &[ArrayRef],
) -> Result<Vec<T>, Error> {
    let built = KeySet::build(parent_keys).map_err(|u| u.error(T::ENTITY_NAME, relation.column))?;
    let target = Target::of::<T>();
    store.with_snapshot::<T, _>(|paths, m| {
        let hits = find::<T>(paths, m, relation, &built.set)?;
        let parts = hits
            .par_iter()
            .map(|h| {
                let data = DataFile::open_at(&paths.dir.join(&m.files[h.file].path), &target, false)?;
                let mut rows = Vec::with_capacity(h.positions.len());
                read_positions(&data, &h.positions, |batch| {
                    rows.extend(T::from_record_batch(&batch)?);
                    Ok(())
                })?;
                Ok(rows)
            })
            .collect::<Result<Vec<Vec<T>>, Error>>()?;
        Ok(parts.into_iter().flatten().collect())
    })
}

/// Calls `f` with the rows of `data` at `positions` (ascending, counted
/// across row groups), a batch per row group holding any.
fn read_positions(
    data: &DataFile,
    positions: &[u64],
    mut f: impl FnMut(arrow::array::RecordBatch) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut first = 0u64;
    for (rg, n) in data.row_group_rows().into_iter().enumerate() {
        let end = first.saturating_add(n as u64);
        let offsets: Vec<usize> = positions
            .iter()
            .filter(|p| (first..end).contains(*p))
            .filter_map(|p| usize::try_from(p - first).ok())
            .collect();
        if !offsets.is_empty() {
            for batch in data.read_rows(rg, &offsets)? {
                f(batch)?;
            }
        }
        first = end;
    }
    Ok(())
}

/// The deletion marks of `hits`, per file of `files`.
fn marks(files: &[FileEntry], hits: &[Hits]) -> Vec<RoaringTreemap> {
    let mut marked = vec![RoaringTreemap::new(); files.len()];
    for h in hits {
        marked[h.file].extend(h.positions.iter().copied());
    }
    marked
}

/// Deletes the live rows of `T` whose foreign key of `relation` is one of
/// `parent_keys`, in one commit; `guard` runs on their primary keys inside the commit first
/// (the `restrict` policies of the relations referencing `T`), and refuses
/// the delete by failing. Returns the primary keys deleted.
pub(crate) fn delete_referencing<T: Entity>(
    store: &Store,
    relation: &Relation,
    parent_keys: &[ArrayRef],
    guard: &dyn Fn(&[ArrayRef]) -> Result<(), Error>,
) -> Result<Vec<ArrayRef>, Error> {
    let built = KeySet::build(parent_keys).map_err(|u| u.error(T::ENTITY_NAME, relation.column))?;
    if !any_referencing::<T>(store, relation, &built.set)? {
        return Ok(Vec::new());
    }
    let target = Target::of::<T>();
    store.transact::<T, _>(|paths, current| {
        let hits = find::<T>(paths, current, relation, &built.set)?;
        if hits.is_empty() {
            return Ok((None, Vec::new()));
        }
        let deleted = hits
            .par_iter()
            .map(|h| {
                let file = &current.files[h.file];
                let data = DataFile::open_at(&paths.dir.join(&file.path), &target, false)?;
                let keys = super::live::read_key(&data, T::KEY_COLUMNS, None)?;
                take_positions(&[keys], &h.positions)
            })
            .collect::<Result<Vec<_>, Error>>()?;
        guard(&deleted)?;
        let (files, dv_file, removed) = mark_deleted(paths, &current.files, &marks(&current.files, &hits))?;
        let change = Change {
            files,
            written: dv_file.into_iter().collect(),
            kind: ChangeKind::Delete,
            rows_added: 0,
            rows_removed: removed,
            data_synced: false,
        };
        Ok((Some(change), deleted))
    })
}

/// The values at `positions` (ascending, counted across the chunks) of `chunks`, as one array.
fn take_positions(chunks: &[ArrayRef], positions: &[u64]) -> Result<ArrayRef, Error> {
    let refs: Vec<&dyn arrow::array::Array> = chunks.iter().map(|a| a.as_ref()).collect();
    let all = arrow::compute::concat(&refs).map_err(arrow_error("reading referencing keys"))?;
    let indices: UInt32Array = positions.iter().filter_map(|&p| u32::try_from(p).ok()).collect();
    arrow::compute::take(all.as_ref(), &indices, None).map_err(arrow_error("reading referencing keys"))
}

/// Sets the foreign key of `relation` (each of its columns) to null in the
/// live rows of `T` referencing one of `parent_keys`, in one commit: the rows are read on the commit's own
/// snapshot, rewritten into a new file and marked deleted in theirs.
/// Returns the rows changed.
pub(crate) fn set_null<T: Entity>(
    store: &Store,
    relation: &Relation,
    parent_keys: &[ArrayRef],
) -> Result<usize, Error> {
    let built = KeySet::build(parent_keys).map_err(|u| u.error(T::ENTITY_NAME, relation.column))?;
    if !any_referencing::<T>(store, relation, &built.set)? {
        return Ok(0);
    }
    let target = Target::of::<T>();
    store.transact::<T, _>(|paths, current| {
        let hits = find::<T>(paths, current, relation, &built.set)?;
        if hits.is_empty() {
            return Ok((None, 0));
        }
        // The rows go through the struct: a file holding columns it lacks
        // would lose them, so such a file refuses the change (as compaction does).
        let touched: Vec<FileEntry> = hits.iter().map(|h| current.files[h.file].clone()).collect();
        refuse_dropping_columns(paths, &touched, T::ENTITY_NAME, &target, &[])?;
        let parts = hits
            .par_iter()
            .map(|h| {
                let data = DataFile::open_at(&paths.dir.join(&current.files[h.file].path), &target, false)?;
                let mut rows = Vec::with_capacity(h.positions.len());
                read_positions(&data, &h.positions, |batch| {
                    rows.extend(T::from_record_batch(&with_null_columns(&batch, relation.columns)?)?);
                    Ok(())
                })?;
                Ok(rows)
            })
            .collect::<Result<Vec<Vec<T>>, Error>>()?;
        let rows: Vec<T> = parts.into_iter().flatten().collect();
        let batch = T::to_record_batch(&rows)?;
        let entry = store.write_file::<T>(paths, &entity_schemas::<T>(), std::iter::once(Ok(batch)))?;
        let new_file = paths.dir.join(&entry.path);
        let (mut files, dv_file, removed) =
            match mark_deleted(paths, &current.files, &marks(&current.files, &hits)) {
                Ok(marked) => marked,
                Err(e) => {
                    let _ = new_file.remove();
                    return Err(e);
                }
            };
        let rows_added = entry.rows;
        files.push(entry);
        let change = Change {
            files,
            written: std::iter::once(new_file).chain(dv_file).collect(),
            kind: ChangeKind::Write,
            rows_added,
            rows_removed: removed,
            data_synced: false,
        };
        Ok((Some(change), rows.len()))
    })
}

/// `batch` with columns `columns` replaced by nulls.
fn with_null_columns(
    batch: &arrow::array::RecordBatch,
    columns: &[&str],
) -> Result<arrow::array::RecordBatch, Error> {
    let schema = batch.schema();
    let arrays = schema
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(f, c)| {
            if columns.contains(&f.name().as_str()) {
                arrow::array::new_null_array(f.data_type(), batch.num_rows())
            } else {
                c.clone()
            }
        })
        .collect();
    arrow::array::RecordBatch::try_new(schema, arrays).map_err(arrow_error("clearing a foreign key"))
}
