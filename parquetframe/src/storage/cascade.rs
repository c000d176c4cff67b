//! Deleting parents: the `on_delete` policy of every linked relation that
//! references them (restrict, cascade, set_null), planned over key columns
//! before anything is written.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::path::Path;

use arrow::array::{Array, ArrayRef, RecordBatch, UInt32Array};
use rayon::prelude::*;

use super::Store;
use super::erased::{self, Columns};
use super::keys::{KeySet, SAMPLES, format_value};
use super::scan::Opened;
use crate::entity::Entity;
use crate::entity::linked::{self, EntityInfo};
use crate::entity::{OnDelete, Relation};
use crate::error::{Error, RelationError};

fn arrow_error(context: &str) -> impl Fn(arrow::error::ArrowError) -> Error + '_ {
    move |source| Error::Arrow { context: context.to_owned(), source }
}

/// The rows of `take_from` whose value in `probe` (aligned chunks) is in
/// `keys` (`present`) or not.
fn select(
    keys: &[ArrayRef],
    probe: &[ArrayRef],
    take_from: &[ArrayRef],
    present: bool,
    what: (&str, &str),
) -> Result<Vec<ArrayRef>, Error> {
    let built = KeySet::build(keys).map_err(|u| u.error(what.0, what.1))?;
    probe
        .par_iter()
        .zip(take_from)
        .map(|(p, t)| {
            let rows = built.set.rows(p.as_ref(), present).map_err(|u| u.error(what.0, what.1))?;
            arrow::compute::take(t.as_ref(), &UInt32Array::from(rows), None)
                .map_err(arrow_error("selecting referencing rows"))
        })
        .filter(|a| a.as_ref().map_or(true, |a| !a.is_empty()))
        .collect()
}

fn rows(arrays: &[ArrayRef]) -> usize {
    arrays.iter().map(|a| a.len()).sum()
}

fn sample(arrays: &[ArrayRef]) -> Vec<String> {
    arrays.iter().flat_map(|a| (0..a.len()).map(move |i| format_value(a.as_ref(), i))).take(SAMPLES).collect()
}

/// Rows planned for deletion: an entity and key arrays.
struct Planned {
    name: &'static str,
    info: Option<&'static EntityInfo>,
    keys: Vec<ArrayRef>,
}

/// Rows that block the delete, unless they are deleted too.
struct Blocked {
    parent: usize,
    child: &'static EntityInfo,
    relation: &'static Relation,
    keys: Vec<ArrayRef>,
}

/// The keys already planned for deletion in entity `name`.
fn planned_keys(planned: &[Planned], name: &str) -> Vec<ArrayRef> {
    planned.iter().filter(|p| p.name == name).flat_map(|p| p.keys.iter().cloned()).collect()
}

/// Deletes `keys` of `T` after applying the `on_delete` policies of the
/// relations that reference `T`, recursively. Returns the live `T` rows deleted.
pub(crate) fn delete<T: Entity>(store: &Store, keys: &[T::Key]) -> Result<usize, Error> {
    if linked::referencing(T::ENTITY_NAME).is_empty() {
        return store.delete_keys::<T>(&keys.iter().collect::<Vec<_>>());
    }
    // Only live parents have children to look after: keys nobody stores are
    // dropped first (orphans referencing them are validate()'s business).
    let asked = vec![crate::entity::key_column::<T>(keys.iter(), keys.len())?];
    let stored = super::scan::scan::<T>(store, &[T::PRIMARY_KEY])?.pop().unwrap_or_default();
    let root = select(&stored, &asked, &asked, true, (T::ENTITY_NAME, T::PRIMARY_KEY))?;
    if rows(&root) == 0 {
        return Ok(0);
    }
    let mut planned = vec![Planned { name: T::ENTITY_NAME, info: None, keys: root }];
    let mut blocked: Vec<Blocked> = Vec::new();
    let mut nulls: Vec<(&'static EntityInfo, &'static Relation, Vec<ArrayRef>)> = Vec::new();
    let mut queue = VecDeque::from([0usize]);
    // Each relation's (key, foreign key) columns are read once per delete,
    // however many levels of a tree the plan walks through it.
    let mut read: HashMap<(&'static str, &'static str), Columns> = HashMap::new();
    while let Some(index) = queue.pop_front() {
        let name = planned[index].name;
        for (child, relation) in linked::referencing(name) {
            let columns = match read.entry((child.name, relation.column)) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    e.insert(erased::ops(child)?.scan(store, &[child.primary_key, relation.column])?)
                }
            };
            let [pk, fk] = columns.as_slice() else { continue };
            let parent_keys = planned[index].keys.clone();
            let referencing = select(&parent_keys, fk, pk, true, (child.name, relation.column))?;
            let already = planned_keys(&planned, child.name);
            let referencing = if already.is_empty() || referencing.is_empty() {
                referencing
            } else {
                select(&already, &referencing, &referencing, false, (child.name, child.primary_key))?
            };
            if rows(&referencing) == 0 {
                continue;
            }
            match relation.on_delete {
                OnDelete::Restrict => {
                    blocked.push(Blocked { parent: index, child, relation, keys: referencing });
                }
                OnDelete::Cascade => {
                    planned.push(Planned { name: child.name, info: Some(child), keys: referencing });
                    queue.push_back(planned.len() - 1);
                }
                OnDelete::SetNull => nulls.push((child, relation, parent_keys)),
            }
        }
    }
    for b in &blocked {
        // Rows deleted by a cascade elsewhere in the plan do not block.
        let already = planned_keys(&planned, b.child.name);
        let remaining = if already.is_empty() {
            b.keys.clone()
        } else {
            select(&already, &b.keys, &b.keys, false, (b.child.name, b.child.primary_key))?
        };
        if rows(&remaining) > 0 {
            let parent = &planned[b.parent];
            return Err(RelationError::Restricted {
                entity: parent.name,
                keys: sample(&parent.keys),
                child: b.child.name,
                column: b.relation.column,
                rows: rows(&remaining),
                sample: sample(&remaining),
            }
            .into());
        }
    }
    // Children first: an interruption leaves parents without children, never orphans.
    for (child, relation, parent_keys) in &nulls {
        erased::ops(child)?.set_null(store, relation.column, parent_keys)?;
    }
    for p in planned.iter().skip(1).rev() {
        if let Some(info) = p.info {
            erased::ops(info)?.delete_keys(store, &p.keys)?;
        }
    }
    store.delete_keys::<T>(&keys.iter().collect::<Vec<_>>())
}

/// Deletes the rows of `T` whose primary keys are in `arrays` (no policies).
pub(crate) fn delete_key_arrays<T: Entity>(store: &Store, arrays: &[ArrayRef]) -> Result<usize, Error> {
    let keys = super::live::decode_keys::<T>(Path::new(T::STORAGE_PATH), arrays.to_vec())?;
    store.delete_keys::<T>(&keys.iter().collect::<Vec<_>>())
}

/// Sets column `column` to null in the live rows of `T` whose value in it is
/// one of `parent_keys`, as one upsert. Returns the rows changed.
pub(crate) fn set_null<T: Entity>(
    store: &Store,
    column: &str,
    parent_keys: &[ArrayRef],
) -> Result<usize, Error> {
    let built = KeySet::build(parent_keys).map_err(|u| u.error(T::ENTITY_NAME, column))?;
    let changed: Vec<T> = store.with_snapshot::<T, _>(|paths, m| {
        let opened = Opened::new::<T>(paths, m, false)?;
        let parts: Vec<Vec<T>> = opened
            .units
            .par_iter()
            .filter(|u| u.live > 0)
            .map(|u| {
                let data = opened.data(u)?;
                let mut out = Vec::new();
                for batch in data.read_row_group(u.rg, opened.deleted(u))? {
                    let Some(fk) = batch.column_by_name(column) else { continue };
                    let hit =
                        built.set.rows(fk.as_ref(), true).map_err(|u| u.error(T::ENTITY_NAME, column))?;
                    if hit.is_empty() {
                        continue;
                    }
                    let batch = arrow::compute::take_record_batch(&batch, &UInt32Array::from(hit))
                        .map_err(arrow_error("selecting rows to update"))?;
                    out.extend(T::from_record_batch(&with_null_column(&batch, column)?)?);
                }
                Ok(out)
            })
            .collect::<Result<_, Error>>()?;
        Ok(parts.into_iter().flatten().collect())
    })?;
    store.save_all(&changed)?;
    Ok(changed.len())
}

/// `batch` with column `column` replaced by nulls.
fn with_null_column(batch: &RecordBatch, column: &str) -> Result<RecordBatch, Error> {
    let schema = batch.schema();
    let columns = schema
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(f, c)| {
            if f.name() == column {
                arrow::array::new_null_array(f.data_type(), batch.num_rows())
            } else {
                c.clone()
            }
        })
        .collect();
    RecordBatch::try_new(schema, columns).map_err(arrow_error("clearing a foreign key"))
}
