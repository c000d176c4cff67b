//! Merge-on-read: which stored rows are live.
//!
//! Every commit adds a file with a sequence number. A row with key `k` in a
//! data file of sequence `s` is live unless a file of higher sequence holds `k`
//! (a newer version of the row, or a delete). Resolution reads only the key
//! columns and walks the files from newest to oldest.

use std::collections::HashSet;

use super::manifest::FileKind;

/// The keys of one file, in row order.
pub struct FileKeys<K> {
    /// Data or deletes.
    pub kind: FileKind,
    /// Commit sequence.
    pub seq: u64,
    /// The keys.
    pub keys: Vec<K>,
}

/// For each file (same order as `files`): `None` when every row is live (or it
/// is a delete file), else one live flag per row.
pub fn live_rows<K: std::hash::Hash + Eq>(files: &[FileKeys<K>]) -> Vec<Option<Vec<bool>>> {
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(files[i].seq));
    let capacity = files.iter().map(|f| f.keys.len()).sum();
    let mut newer: HashSet<&K, foldhash::fast::RandomState> =
        HashSet::with_capacity_and_hasher(capacity, foldhash::fast::RandomState::default());
    let mut out: Vec<Option<Vec<bool>>> = vec![None; files.len()];
    for i in order {
        let file = &files[i];
        if file.kind == FileKind::Data && !newer.is_empty() {
            let flags: Vec<bool> = file.keys.iter().map(|k| !newer.contains(k)).collect();
            if flags.iter().any(|&live| !live) {
                out[i] = Some(flags);
            }
        }
        newer.extend(file.keys.iter());
    }
    out
}

/// The keys of live rows of data files, given the masks of [`live_rows`].
pub fn live_keys<'a, K: std::hash::Hash + Eq>(
    files: &'a [FileKeys<K>],
    masks: &[Option<Vec<bool>>],
) -> HashSet<&'a K> {
    files
        .iter()
        .zip(masks)
        .filter(|(f, _)| f.kind == FileKind::Data)
        .flat_map(|(f, m)| {
            f.keys
                .iter()
                .enumerate()
                .filter(move |(i, _)| m.as_ref().is_none_or(|m| m.get(*i) == Some(&true)))
                .map(|(_, k)| k)
        })
        .collect()
}
