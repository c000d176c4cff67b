//! Which stored rows are live: every row its file's deletion vector does not
//! mark. An upsert or delete marks the replaced rows, so a key has at most
//! one live row; finding it reads key columns, pruned by statistics.

use std::collections::HashSet;
use std::path::Path;

use rayon::prelude::*;
use roaring::RoaringTreemap;

use super::layout::EntityPaths;
use super::scan::DeletedSets;
use super::table::snapshot::{FileEntry, Snapshot};
use crate::entity::Entity;
use crate::error::Error;
use crate::formats::{DataFile, Target};
use crate::io::in_file;
use crate::types::{Column, ColumnReader, FieldOptions};

/// The deleted rows of a snapshot's files (`None`: every row live).
pub(crate) fn deleted_sets(paths: &EntityPaths, m: &Snapshot) -> Result<DeletedSets, Error> {
    m.deleted_sets(&paths.dir)
}

/// The file holding the live row with `key`, with the row group and the row
/// within it. Row groups whose key statistics exclude `key` are skipped.
pub(super) fn locate<'m, T: Entity>(
    paths: &EntityPaths,
    m: &'m Snapshot,
    key: &T::Key,
) -> Result<Option<(&'m FileEntry, DataFile, usize, usize)>, Error> {
    // Newest first: an upserted key is most often in a recent file.
    for file in m.files.iter().rev().filter(|f| f.live_rows() > 0) {
        let path = paths.dir.join(&file.path);
        let data = DataFile::open_indexed(&path, &Target::of::<T>())?;
        let candidates = data.row_groups_may_contain(T::PRIMARY_KEY, key);
        let mut deleted: Option<RoaringTreemap> = None;
        let mut start = 0u64;
        for (rg, rows) in data.row_group_rows().into_iter().enumerate() {
            let first = start;
            start += rows as u64;
            if !candidates.get(rg).copied().unwrap_or(true) {
                continue;
            }
            // Only the pages whose statistics allow the key are decoded.
            let (ranges, arrays) = data.read_key_pages(T::PRIMARY_KEY, rg, key)?;
            let keys = decode_keys::<T>(&path, arrays)?;
            let offsets = ranges.into_iter().flatten();
            for offset in keys.iter().zip(offsets).filter(|(k, _)| *k == key).map(|(_, o)| o) {
                let dead = match &deleted {
                    Some(d) => d,
                    None => deleted.insert(file.deleted_rows(&paths.dir)?),
                };
                if !dead.contains(first + offset as u64) {
                    return Ok(Some((file, data, rg, offset)));
                }
            }
        }
    }
    Ok(None)
}

/// Per file of `m`, the positions of live rows whose key is in `keys`.
pub(super) fn live_positions<T: Entity>(
    paths: &EntityPaths,
    m: &Snapshot,
    keys: &[&T::Key],
) -> Result<Vec<RoaringTreemap>, Error> {
    let mut out = vec![RoaringTreemap::new(); m.files.len()];
    if keys.len() <= 16 {
        // A few keys: point lookups pruned by statistics.
        for key in keys {
            if let Some((file, data, rg, offset)) = locate::<T>(paths, m, key)? {
                let index = m.files.iter().position(|f| f.path == file.path).unwrap_or(0);
                let first: usize = data.row_group_rows().iter().take(rg).sum();
                out[index].insert((first + offset) as u64);
            }
        }
        return Ok(out);
    }
    // Many keys: one parallel pass over every file's key column.
    let wanted: HashSet<&T::Key> = keys.iter().copied().collect();
    m.files
        .par_iter()
        .map(|file| {
            if file.live_rows() == 0 {
                return Ok(RoaringTreemap::new());
            }
            let path = paths.dir.join(&file.path);
            let data = DataFile::open(&path, &Target::of::<T>())?;
            let stored = decode_keys::<T>(&path, data.read_column(T::PRIMARY_KEY, None)?)?;
            let dead = file.deleted_rows(&paths.dir)?;
            Ok(stored
                .iter()
                .enumerate()
                .filter(|(i, k)| wanted.contains(k) && !dead.contains(*i as u64))
                .map(|(i, _)| i as u64)
                .collect())
        })
        .collect()
}

/// `T`'s primary keys out of key-column arrays read from `path`.
pub(super) fn decode_keys<T: Entity>(
    path: &Path,
    arrays: Vec<arrow::array::ArrayRef>,
) -> Result<Vec<T::Key>, Error> {
    let column = format!(".{}", T::PRIMARY_KEY);
    let mut keys = Vec::with_capacity(arrays.iter().map(|a| a.len()).sum());
    for array in arrays {
        let reader = <T::Key as Column>::reader(&array, &FieldOptions::DEFAULT)
            .map_err(|e| in_file(path, crate::record_batch::bind_error(T::ENTITY_NAME, e.within(&column))))?;
        for i in 0..array.len() {
            let key = reader.read(i).map_err(|e| {
                in_file(path, crate::record_batch::read_error(T::ENTITY_NAME, keys.len(), e.within(&column)))
            })?;
            keys.push(key);
        }
    }
    Ok(keys)
}
