//! Which stored rows are live: a row is live unless a newer file holds its
//! key (merge-on-read by sequence number); key columns are read for that.

use std::path::Path;

use rayon::prelude::*;

use super::layout::EntityPaths;
use super::manifest::{FileEntry, FileKind, Manifest};
use super::merge::{self, FileKeys};
use crate::entity::Entity;
use crate::error::Error;
use crate::formats::{DataFile, Target};
use crate::io::in_file;
use crate::types::{Column, ColumnReader, FieldOptions};

pub(super) fn needs_merge(m: &Manifest) -> bool {
    m.files.len() > 1 || m.files.iter().any(|f| f.kind == FileKind::Deletes)
}

pub(super) fn live_masks<T: Entity>(
    paths: &EntityPaths,
    m: &Manifest,
) -> Result<Vec<Option<Vec<bool>>>, Error> {
    if !needs_merge(m) {
        return Ok(vec![None; m.files.len()]);
    }
    let keys = all_keys::<T>(paths, m)?;
    Ok(merge::live_rows(&keys))
}

pub(super) fn all_keys<T: Entity>(paths: &EntityPaths, m: &Manifest) -> Result<Vec<FileKeys<T::Key>>, Error> {
    m.files.par_iter().map(|f| read_keys::<T>(&paths.dir.join(&f.path), f.kind, f.seq)).collect()
}

pub(super) fn key_is_live<T: Entity>(paths: &EntityPaths, m: &Manifest, key: &T::Key) -> Result<bool, Error> {
    Ok(locate::<T>(paths, m, key)?.is_some_and(|(file, ..)| file.kind == FileKind::Data))
}

/// The newest file holding `key`, with the row group and the row within it.
/// Row groups whose key statistics exclude `key` are skipped without reading.
pub(super) fn locate<'m, T: Entity>(
    paths: &EntityPaths,
    m: &'m Manifest,
    key: &T::Key,
) -> Result<Option<(&'m FileEntry, DataFile, usize, usize)>, Error> {
    let mut files: Vec<&FileEntry> = m.files.iter().collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.seq));
    for file in files {
        let path = paths.dir.join(&file.path);
        let data = DataFile::open_indexed(&path, &Target::of::<T>())?;
        let candidates = data.row_groups_may_contain(T::PRIMARY_KEY, key);
        // Newest row group first: within a file the last row with a key wins.
        for rg in (0..candidates.len()).rev().filter(|&rg| candidates[rg]) {
            let keys = decode_keys::<T>(&path, data.read_column(T::PRIMARY_KEY, Some(rg))?)?;
            if let Some(offset) = keys.iter().rposition(|k| k == key) {
                return Ok(Some((file, data, rg, offset)));
            }
        }
    }
    Ok(None)
}

/// The primary keys of one file (reads the key column only).
pub(super) fn read_keys<T: Entity>(path: &Path, kind: FileKind, seq: u64) -> Result<FileKeys<T::Key>, Error> {
    let data = DataFile::open(path, &Target::of::<T>())?;
    let keys = decode_keys::<T>(path, data.read_column(T::PRIMARY_KEY, None)?)?;
    Ok(FileKeys { kind, seq, keys })
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
