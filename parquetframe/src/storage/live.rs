//! Which stored rows are live: every row its file's deletion vector does not
//! mark. An upsert or delete marks the replaced rows, so a key has at most
//! one live row; finding it reads key columns, pruned by statistics.

use std::path::Path;

use rayon::prelude::*;
use roaring::RoaringTreemap;

use super::keys::KeySet;
use super::layout::EntityPaths;
use super::scan::DeletedSets;
use super::table::snapshot::{FileEntry, Snapshot};
use arrow::array::{Array, ArrayRef};

use crate::entity::{Entity, KeyRef, PrimaryKey};
use crate::error::Error;
use crate::formats::{DataFile, Target};
use crate::io::in_file;

/// The deleted rows of a snapshot's files (`None`: every row live).
pub(crate) fn deleted_sets(paths: &EntityPaths, m: &Snapshot) -> Result<DeletedSets, Error> {
    m.deleted_sets(&paths.dir)
}

/// The file holding the live row with `key`, with the row group and the row
/// within it. Row groups whose statistics exclude the key's first column are
/// skipped.
pub(super) fn locate<'m, T: Entity>(
    paths: &EntityPaths,
    m: &'m Snapshot,
    key: KeyRef<'_, T>,
) -> Result<Option<(&'m FileEntry, DataFile, usize, usize)>, Error> {
    let first = T::Key::first(key);
    let first_column = T::KEY_COLUMNS.first().copied().unwrap_or(T::PRIMARY_KEY);
    // Newest first: an upserted key is most often in a recent file.
    for file in m.files.iter().rev().filter(|f| f.live_rows() > 0) {
        let path = paths.dir.join(&file.path);
        let data = DataFile::open_at(&path, &Target::of::<T>(), true)?;
        let candidates = data.row_groups_may_contain(first_column, first);
        let mut deleted: Option<RoaringTreemap> = None;
        for (rg, group_start) in allowed_groups(&data, &candidates) {
            for offset in offsets_of::<T>(&path.name(), &data, rg, key)? {
                let dead = match &deleted {
                    Some(d) => d,
                    None => deleted.insert(file.deleted_rows(&paths.dir)?),
                };
                if !dead.contains(group_start + offset as u64) {
                    return Ok(Some((file, data, rg, offset)));
                }
            }
        }
    }
    Ok(None)
}

/// The row groups of `data` whose entry in `candidates` allows them (a
/// missing entry allows), each with its first row's position in the file.
fn allowed_groups<'a>(data: &DataFile, candidates: &'a [bool]) -> impl Iterator<Item = (usize, u64)> + 'a {
    let starts = data.row_group_rows().into_iter().scan(0u64, |start, rows| {
        let first = *start;
        *start += rows as u64;
        Some(first)
    });
    starts.enumerate().filter(|(rg, _)| candidates.get(*rg).copied().unwrap_or(true))
}

/// The rows of row group `rg` of `data` holding `key`. Only the pages whose
/// statistics allow the key's first column are decoded; the other columns
/// of a composite key are read only when the first one matches.
fn offsets_of<T: Entity>(
    path: &Path,
    data: &DataFile,
    rg: usize,
    key: KeyRef<'_, T>,
) -> Result<Vec<usize>, Error> {
    let first = T::Key::first(key);
    let fallback = [T::PRIMARY_KEY];
    let first_column = T::KEY_COLUMNS.get(..1).unwrap_or(&fallback);
    let (ranges, arrays) = data.read_key_pages(first_column[0], rg, first)?;
    let mut firsts = Vec::new();
    for array in &arrays {
        <<T::Key as PrimaryKey>::First as PrimaryKey>::read(T::ENTITY_NAME, first_column, array, &mut firsts)
            .map_err(|e| in_file(path, e))?;
    }
    let matching: Vec<usize> = firsts
        .iter()
        .zip(ranges.into_iter().flatten())
        .filter(|(k, _)| *k == first)
        .map(|(_, o)| o)
        .collect();
    if T::KEY_COLUMNS.len() == 1 || matching.is_empty() {
        return Ok(matching);
    }
    // Only the rows whose first column matched are decoded.
    let keys = read_key(data, T::KEY_COLUMNS, Some(rg))?;
    let key = T::Key::to_owned_key(key);
    let mut found = Vec::with_capacity(matching.len());
    for offset in matching.into_iter().filter(|o| *o < keys.len()) {
        if decode_keys::<T>(path, vec![keys.slice(offset, 1)])?.first() == Some(&key) {
            found.push(offset);
        }
    }
    Ok(found)
}

/// Key columns `columns` of `data` (row group `rg`, or all), as one array: a
/// struct array of them for a composite key.
pub(super) fn read_key(data: &DataFile, columns: &[&str], rg: Option<usize>) -> Result<ArrayRef, Error> {
    let error = |source| Error::Arrow { context: format!("reading `{}`", data.path().display()), source };
    let mut arrays = Vec::with_capacity(columns.len());
    for column in columns {
        let mut chunks = data.read_column(column, rg)?;
        arrays.push(if chunks.len() == 1 {
            chunks.remove(0)
        } else {
            let refs: Vec<&dyn Array> = chunks.iter().map(|a| a.as_ref()).collect();
            arrow::compute::concat(&refs).map_err(error)?
        });
    }
    match arrays.len() {
        1 => Ok(arrays.remove(0)),
        _ => crate::entity::primary_key::struct_of(columns, arrays),
    }
}

/// Per file of `m`, the positions of live rows whose key is in `keys`.
pub(super) fn live_positions<T: Entity>(
    paths: &EntityPaths,
    m: &Snapshot,
    keys: &[KeyRef<'_, T>],
) -> Result<Vec<RoaringTreemap>, Error> {
    let mut out = vec![RoaringTreemap::new(); m.files.len()];
    if keys.len() <= 16 {
        // A few keys: point lookups pruned by statistics.
        for key in keys {
            if let Some((file, data, rg, offset)) = locate::<T>(paths, m, *key)? {
                let index = m.files.iter().position(|f| f.path == file.path).unwrap_or(0);
                let first: usize = data.row_group_rows().iter().take(rg).sum();
                out[index].insert((first + offset) as u64);
            }
        }
        return Ok(out);
    }
    // Many keys: one parallel pass over the key columns of every row group
    // whose statistics allow the keys' range (new keys above the stored ones,
    // the usual bulk load, read nothing), probed against the keys as Arrow
    // arrays (no key is decoded).
    let wanted = [crate::entity::key_column::<T>(keys)?];
    let wanted = KeySet::build(&wanted).map_err(|u| u.error(T::ENTITY_NAME, T::PRIMARY_KEY))?.set;
    let firsts = keys.iter().map(|k| T::Key::first(*k));
    let (Some(low), Some(high)) = (firsts.clone().min(), firsts.max()) else { return Ok(out) };
    let first_column = T::KEY_COLUMNS.first().copied().unwrap_or(T::PRIMARY_KEY);
    m.files
        .par_iter()
        .map(|file| {
            if file.live_rows() == 0 {
                return Ok(RoaringTreemap::new());
            }
            let path = paths.dir.join(&file.path);
            let data = DataFile::open_at(&path, &Target::of::<T>(), false)?;
            let candidates = data.row_groups_may_overlap(first_column, low, high);
            let mut live = RoaringTreemap::new();
            let mut dead: Option<RoaringTreemap> = None;
            for (rg, group_start) in allowed_groups(&data, &candidates) {
                let stored = read_key(&data, T::KEY_COLUMNS, Some(rg))?;
                let dead = match &dead {
                    Some(d) => d,
                    None => dead.insert(file.deleted_rows(&paths.dir)?),
                };
                wanted
                    .probe(stored.as_ref(), |i, present| {
                        let position = group_start + i as u64;
                        if present && !dead.contains(position) {
                            live.insert(position);
                        }
                    })
                    .map_err(|u| in_file(&path.name(), u.error(T::ENTITY_NAME, T::PRIMARY_KEY)))?;
            }
            Ok(live)
        })
        .collect()
}

/// `T`'s primary keys out of key arrays (one column, or a struct array of
/// the key columns) read from `path`.
pub(super) fn decode_keys<T: Entity>(path: &Path, arrays: Vec<ArrayRef>) -> Result<Vec<T::Key>, Error> {
    let mut keys = Vec::with_capacity(arrays.iter().map(|a| a.len()).sum());
    for array in &arrays {
        crate::entity::read_keys::<T>(array, &mut keys).map_err(|e| in_file(path, e))?;
    }
    Ok(keys)
}
