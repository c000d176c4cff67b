//! Inverse navigation (`user.orders()`): the rows of a child entity whose
//! foreign key equals a parent's key.
//!
//! The first lookup on a snapshot scans the foreign-key column once and
//! builds an index, key → positions of the live rows holding it. The index is
//! kept for the process (per store root, entity and column; the 16 most
//! recently used) and reused while the entity's manifest version is unchanged, so repeated lookups read only
//! the row groups that hold the wanted rows (Parquet: only their pages).

use std::any::Any;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};

use foldhash::fast::FixedState;
use rayon::prelude::*;
use tracing::field::Empty;
use tracing::info_span;

use super::Store;
use super::scan::Opened;
use crate::entity::Entity;
use crate::error::Error;
use crate::io::{in_file, missing_path};
use crate::types::{ColumnReader, FieldOptions, Key};
use crate::ux::trace::Operation;

/// Positions of the rows holding each key of one column, in one snapshot.
struct Index<K> {
    version: u64,
    opened: Opened,
    keys: Slots<K>,
    /// `unit << 32 | row within the unit's row group`, grouped by key, ascending.
    rows: Vec<u64>,
}

/// Where each key's positions are in `Index::rows`.
enum Slots<K> {
    /// Key → (start, count).
    Hashed(HashMap<K, (usize, usize), FixedState>),
    /// Integer keys in a dense range: key `k`'s positions are
    /// `offsets[k - min]..offsets[k - min + 1]`.
    Dense { min: i64, offsets: Vec<usize> },
}

impl<K: Key> Slots<K> {
    fn range(&self, key: &K) -> Option<(usize, usize)> {
        match self {
            Slots::Hashed(map) => map.get(key).copied(),
            Slots::Dense { min, offsets } => {
                let i = usize::try_from(key.dense_value()?.checked_sub(*min)?).ok()?;
                let (start, end) = (*offsets.get(i)?, *offsets.get(i + 1)?);
                Some((start, end - start))
            }
        }
    }
}

/// The dense range of integer keys `keys`, when an array of offsets over it
/// is at most about four entries per row.
fn dense_range<'a, K: Key + 'a>(mut keys: impl Iterator<Item = &'a K>, total: usize) -> Option<(i64, usize)> {
    let first = keys.next()?.dense_value()?;
    let (mut min, mut max) = (first, first);
    for k in keys {
        let v = k.dense_value()?;
        min = min.min(v);
        max = max.max(v);
    }
    let range = usize::try_from(i128::from(max) - i128::from(min) + 1).ok()?;
    (range <= total.saturating_mul(4).max(1 << 16)).then_some((min, range))
}

type CacheKey = (PathBuf, &'static str, &'static str);
/// Each index with the tick of its last use.
type Entries = HashMap<CacheKey, (u64, Arc<dyn Any + Send + Sync>)>;

/// Indexes kept at most: beyond, the least recently used one is dropped.
const KEEP: usize = 16;

static INDEXES: LazyLock<Mutex<Entries>> = LazyLock::new(|| Mutex::new(HashMap::new()));
static TICK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn tick() -> u64 {
    TICK.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn cache() -> std::sync::MutexGuard<'static, Entries> {
    // A poisoned lock only means a thread panicked mid-insert; the map is still valid.
    INDEXES.lock().unwrap_or_else(|e| e.into_inner())
}

/// The live rows of `C` whose column `column` holds `key`.
pub(crate) fn referencing<C: Entity, K: Key>(
    store: &Store,
    column: &'static str,
    key: &K,
) -> Result<Vec<C>, Error> {
    let root = std::fs::canonicalize(store.root()).unwrap_or_else(|_| store.root().to_path_buf());
    let cache_key: CacheKey = (root, C::ENTITY_NAME, column);
    let current = index::<C, K>(store, &cache_key, false)?;
    match lookup::<C, K>(&current, key) {
        // A compaction removed a file since the index was built: rebuild once.
        Err(e) if missing_path(&e).is_some() => {
            lookup::<C, K>(&*index::<C, K>(store, &cache_key, true)?, key)
        }
        other => other,
    }
}

/// The cached index when it matches the newest snapshot, else a new one.
fn index<C: Entity, K: Key>(
    store: &Store,
    cache_key: &CacheKey,
    rebuild: bool,
) -> Result<Arc<Index<K>>, Error> {
    let paths = store.paths::<C>()?;
    let m = store.read_snapshot(C::STORAGE_PATH, C::ENTITY_NAME)?;
    if !rebuild {
        let cached = cache().get_mut(cache_key).and_then(|(used, index)| {
            *used = tick();
            index.clone().downcast::<Index<K>>().ok()
        });
        if let Some(index) = cached.filter(|i| i.version == m.version) {
            return Ok(index);
        }
    }
    let opened = Opened::new::<C>(&paths, &m, true)?;
    let column = cache_key.2;
    let per_unit: Vec<Vec<(K, u32)>> = opened
        .units
        .par_iter()
        .map(|unit| {
            let data = opened.data(unit)?;
            let deleted = opened.deleted(unit);
            let mut out = crate::formats::claims::claimed_vec(unit.live);
            let mut row = 0usize;
            for array in data.read_column(column, Some(unit.rg))? {
                let reader = K::reader(&array, &FieldOptions::DEFAULT).map_err(|e| {
                    in_file(
                        data.path(),
                        crate::record_batch::bind_error(C::ENTITY_NAME, e.within(&format!(".{column}"))),
                    )
                })?;
                for i in 0..array.len() {
                    let is_live = deleted.is_none_or(|d| d.is_live(row + i));
                    if is_live && !reader.is_null(i) {
                        let key = reader.read(i).map_err(|e| {
                            in_file(
                                data.path(),
                                crate::record_batch::read_error(
                                    C::ENTITY_NAME,
                                    row + i,
                                    e.within(&format!(".{column}")),
                                ),
                            )
                        })?;
                        out.push((key, (row + i) as u32));
                    }
                }
                row += array.len();
            }
            Ok(out)
        })
        .collect::<Result<_, Error>>()?;
    let total: usize = per_unit.iter().map(Vec::len).sum();
    let positions = || {
        per_unit.iter().enumerate().flat_map(|(unit, entries)| {
            entries.iter().map(move |(_, row)| ((unit as u64) << 32) | u64::from(*row))
        })
    };
    // Every row gets its key's dense id (the key itself for a dense integer
    // range, else from one hash pass); a counting sort by id then places the
    // positions: one flat array, no vector per key.
    let (ids, counts, mut slots): (Vec<usize>, Vec<usize>, Slots<K>) =
        match dense_range(per_unit.iter().flatten().map(|(k, _)| k), total) {
            Some((min, range)) => {
                let ids: Vec<usize> = per_unit
                    .iter()
                    .flatten()
                    .map(|(k, _)| k.dense_value().map_or(0, |v| v.wrapping_sub(min) as usize))
                    .collect();
                let mut counts = vec![0usize; range];
                for &id in &ids {
                    counts[id] += 1;
                }
                (ids, counts, Slots::Dense { min, offsets: Vec::new() })
            }
            None => {
                let mut keys: HashMap<K, (usize, usize), FixedState> =
                    HashMap::with_capacity_and_hasher(total / 4, FixedState::default());
                let mut ids = Vec::with_capacity(total);
                let mut counts: Vec<usize> = Vec::new();
                for (k, _) in per_unit.iter().flatten() {
                    let id = match keys.get(k) {
                        Some(&(id, _)) => id,
                        None => {
                            keys.insert(k.clone(), (counts.len(), 0));
                            counts.push(0);
                            counts.len() - 1
                        }
                    };
                    counts[id] += 1;
                    ids.push(id);
                }
                (ids, counts, Slots::Hashed(keys))
            }
        };
    let mut starts = Vec::with_capacity(counts.len() + 1);
    let mut start = 0;
    for c in &counts {
        starts.push(start);
        start += c;
    }
    starts.push(start);
    let mut rows = vec![0u64; total];
    let mut next = starts.clone();
    for (id, position) in ids.into_iter().zip(positions()) {
        let cursor = &mut next[id];
        rows[*cursor] = position;
        *cursor += 1;
    }
    match &mut slots {
        Slots::Hashed(keys) => {
            for slot in keys.values_mut() {
                *slot = (starts[slot.0], counts[slot.0]);
            }
        }
        Slots::Dense { offsets, .. } => *offsets = starts,
    }
    let keys = slots;
    let index = Arc::new(Index { version: m.version, opened, keys, rows });
    let mut entries = cache();
    entries.insert(cache_key.clone(), (tick(), index.clone()));
    while entries.len() > KEEP {
        let Some(oldest) = entries.iter().min_by_key(|(_, (used, _))| *used).map(|(k, _)| k.clone()) else {
            break;
        };
        entries.remove(&oldest);
    }
    drop(entries);
    Ok(index)
}

/// The rows of `key` through `index`: row groups read with a selection of just those rows.
fn lookup<C: Entity, K: Key>(index: &Index<K>, key: &K) -> Result<Vec<C>, Error> {
    let Some((start, count)) = index.keys.range(key) else { return Ok(Vec::new()) };
    let positions = index.rows.get(start..start + count).unwrap_or(&[]);
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for &p in positions {
        let (unit, row) = ((p >> 32) as usize, (p & u64::from(u32::MAX)) as usize);
        match groups.last_mut() {
            Some((u, rows)) if *u == unit => rows.push(row),
            _ => groups.push((unit, vec![row])),
        }
    }
    let read = |(unit, offsets): &(usize, Vec<usize>)| -> Result<Vec<C>, Error> {
        let Some(unit) = index.opened.units.get(*unit) else { return Ok(Vec::new()) };
        let data = index.opened.data(unit)?;
        let mut out = Vec::with_capacity(offsets.len());
        for batch in data.read_rows(unit.rg, offsets)? {
            out.extend(C::from_record_batch(&batch).map_err(|e| in_file(data.path(), e))?);
        }
        Ok(out)
    };
    let parts: Vec<Vec<C>> = if groups.len() > 2 {
        groups.par_iter().map(read).collect::<Result<_, Error>>()?
    } else {
        groups.iter().map(read).collect::<Result<_, Error>>()?
    };
    Ok(parts.into_iter().flatten().collect())
}

impl Store {
    /// The live rows of `C` whose foreign key `column` equals `key`: what the
    /// generated inverse navigation (`user.orders_in(&store)`) calls.
    ///
    /// The first call builds an index of the column (one scan of the key
    /// column) kept for the process; later calls on the same snapshot look
    /// the key up and read only the row groups holding its rows.
    pub fn referencing<C: Entity, K: crate::types::Key>(
        &self,
        column: &'static str,
        key: &K,
    ) -> Result<Vec<C>, Error> {
        let op = Operation::start(info_span!(
            "referencing",
            entity = C::ENTITY_NAME,
            column,
            rows = Empty,
            duration_ms = Empty
        ));
        let _entered = op.span().enter();
        let rows = referencing::<C, K>(self, column, key)?;
        op.record("rows", rows.len());
        Ok(rows)
    }

    /// The live rows of `C` whose foreign key of `relation` (one `C`
    /// declares, over any number of columns) references the row of the
    /// target whose key is `key`: what the generated inverse navigation of a
    /// relation over several columns calls. Each call scans the relation's
    /// columns (no index is kept, unlike [`referencing`](Self::referencing))
    /// and reads only the rows found.
    pub fn referencing_key<C: Entity, K: crate::entity::PrimaryKey>(
        &self,
        relation: &crate::entity::Relation,
        key: K::Ref<'_>,
    ) -> Result<Vec<C>, Error> {
        let op = Operation::start(info_span!(
            "referencing",
            entity = C::ENTITY_NAME,
            column = relation.column,
            rows = Empty,
            duration_ms = Empty
        ));
        let _entered = op.span().enter();
        let keys = K::array(relation.target, relation.target_columns, &[key])?;
        let rows = super::referencing::rows_referencing::<C>(self, relation, &[keys])?;
        op.record("rows", rows.len());
        Ok(rows)
    }
}
