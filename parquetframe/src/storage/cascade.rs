//! Deleting parents: the `on_delete` policy of every linked relation that
//! references them (restrict, cascade, set_null), planned over key columns
//! before anything is written.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::path::Path;

use arrow::array::{Array, ArrayRef, UInt32Array};
use rayon::prelude::*;

use super::Store;
use super::erased::{self, Columns};
use super::keys::{KeySet, SAMPLES, format_value};
use crate::entity::linked::{self, EntityInfo};
use crate::entity::{Entity, PrimaryKey};
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
    /// The relation through which a cascade reached them, and the parent
    /// keys it references (`None` for the entity deleted).
    via: Option<(&'static Relation, Vec<ArrayRef>)>,
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
        return store.delete_keys::<T>(&keys.iter().map(PrimaryKey::borrow).collect::<Vec<_>>());
    }
    // Only live parents have children to look after: keys nobody stores are
    // dropped first (orphans referencing them are validate()'s business).
    let asked =
        vec![crate::entity::key_column::<T>(&keys.iter().map(PrimaryKey::borrow).collect::<Vec<_>>())?];
    let stored = super::scan::scan_keys::<T>(store, &[])?.pop().unwrap_or_default();
    let root = select(&stored, &asked, &asked, true, (T::ENTITY_NAME, T::PRIMARY_KEY))?;
    if rows(&root) == 0 {
        return Ok(0);
    }
    let mut planned = vec![Planned { name: T::ENTITY_NAME, info: None, keys: root, via: None }];
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
                Entry::Vacant(e) => e.insert(erased::ops(child)?.scan_foreign_keys(store, relation)?),
            };
            let [pk, fk] = columns.as_slice() else { continue };
            let parent_keys = planned[index].keys.clone();
            let referencing = select(&parent_keys, fk, pk, true, (child.name, relation.column))?;
            let referencing = not_planned(&planned, child, referencing)?;
            if rows(&referencing) == 0 {
                continue;
            }
            match relation.on_delete {
                OnDelete::Restrict => {
                    blocked.push(Blocked { parent: index, child, relation, keys: referencing });
                }
                OnDelete::Cascade => {
                    planned.push(Planned {
                        name: child.name,
                        info: Some(child),
                        keys: referencing,
                        via: Some((relation, parent_keys)),
                    });
                    queue.push_back(planned.len() - 1);
                }
                OnDelete::SetNull => nulls.push((child, relation, parent_keys)),
            }
        }
    }
    for b in &blocked {
        // Rows deleted by a cascade elsewhere in the plan do not block.
        let remaining = not_planned(&planned, b.child, b.keys.clone())?;
        if rows(&remaining) > 0 {
            let parent = &planned[b.parent];
            return Err(restricted(parent.name, &parent.keys, b.child, b.relation, &remaining));
        }
    }
    // Children first: an interruption leaves parents without children, never
    // orphans. Each step finds its rows again inside its own commit, by
    // foreign key: a child another writer changed, inserted or moved to
    // another parent since the plan was read is seen as it is now.
    for (child, relation, parent_keys) in &nulls {
        erased::ops(child)?.set_null(store, relation, parent_keys)?;
    }
    let mut deleted: Vec<(&'static str, Vec<ArrayRef>)> = Vec::new();
    for p in planned.iter().skip(1).rev() {
        if let (Some(info), Some((relation, parent_keys))) = (p.info, &p.via) {
            let guard = |keys: &[ArrayRef]| restrict_guard(store, info.name, keys, &planned);
            let keys = erased::ops(info)?.delete_referencing(store, relation, parent_keys, &guard)?;
            deleted.push((info.name, keys));
        }
    }
    let root = planned[0].keys.clone();
    // Keys nobody stores were dropped from the plan: orphans of theirs do not block.
    let guard = |_: &[ArrayRef]| restrict_guard(store, T::ENTITY_NAME, &root, &planned);
    let count =
        store.delete_keys_guarded::<T>(&keys.iter().map(PrimaryKey::borrow).collect::<Vec<_>>(), &guard)?;
    deleted.push((T::ENTITY_NAME, root));
    sweep(store, deleted)?;
    Ok(count)
}

/// The rows among `referencing` (primary keys of `child`) that the plan
/// does not already delete.
fn not_planned(
    planned: &[Planned],
    child: &EntityInfo,
    referencing: Vec<ArrayRef>,
) -> Result<Vec<ArrayRef>, Error> {
    let already = planned_keys(planned, child.name);
    if already.is_empty() || referencing.is_empty() {
        return Ok(referencing);
    }
    select(&already, &referencing, &referencing, false, (child.name, child.primary_key))
}

/// The error of a delete of `keys` of `entity` that `remaining` rows of
/// `child` block through `relation`.
fn restricted(
    entity: &'static str,
    keys: &[ArrayRef],
    child: &EntityInfo,
    relation: &Relation,
    remaining: &[ArrayRef],
) -> Error {
    RelationError::Restricted {
        entity,
        keys: sample(keys),
        child: child.name,
        column: relation.column,
        rows: rows(remaining),
        sample: sample(remaining),
    }
    .into()
}

/// Fails when live rows of an entity with a `restrict` relation to `name`
/// reference `keys` (rows the plan deletes aside): run inside the commit
/// that deletes `keys`, on the newest rows of the referencing entities.
fn restrict_guard(
    store: &Store,
    name: &'static str,
    keys: &[ArrayRef],
    planned: &[Planned],
) -> Result<(), Error> {
    for (child, relation) in linked::referencing(name) {
        if relation.on_delete != OnDelete::Restrict {
            continue;
        }
        let columns = erased::ops(child)?.scan_foreign_keys(store, relation)?;
        let [pk, fk] = columns.as_slice() else { continue };
        let referencing = select(keys, fk, pk, true, (child.name, relation.column))?;
        let remaining = not_planned(planned, child, referencing)?;
        if rows(&remaining) > 0 {
            return Err(restricted(name, keys, child, relation, &remaining));
        }
    }
    Ok(())
}

/// After the parents are gone: rows that other writers made reference the
/// deleted keys while the delete ran (committed before this reads them) get
/// their relation's policy too, level by level, so the delete leaves no
/// orphans of its own making behind. Rows committed later reference keys
/// that no longer exist, like any insert after the delete.
fn sweep(store: &Store, deleted: Vec<(&'static str, Vec<ArrayRef>)>) -> Result<(), Error> {
    let mut queue: VecDeque<(&'static str, Vec<ArrayRef>)> = deleted.into();
    let mut rounds = 0usize;
    while let Some((name, keys)) = queue.pop_front() {
        if rows(&keys) == 0 {
            continue;
        }
        rounds += 1;
        if rounds > MAX_SWEEP {
            tracing::warn!(
                entity = name,
                "on_delete: stopped following rows inserted under a running delete"
            );
            break;
        }
        for (child, relation) in linked::referencing(name) {
            match relation.on_delete {
                OnDelete::Cascade => {
                    let none = |_: &[ArrayRef]| Ok(());
                    let gone = erased::ops(child)?.delete_referencing(store, relation, &keys, &none)?;
                    if rows(&gone) > 0 {
                        queue.push_back((child.name, gone));
                    }
                }
                OnDelete::SetNull => {
                    erased::ops(child)?.set_null(store, relation, &keys)?;
                }
                // Checked inside the deleting commit; a row inserted after it
                // references a key that is gone, as after any delete.
                OnDelete::Restrict => {}
            }
        }
    }
    Ok(())
}

/// Key sets the sweep follows at most (levels and the rows found at each):
/// writers inserting children of deleted parents without end cannot keep a
/// delete running.
const MAX_SWEEP: usize = 1024;

/// Deletes the rows of `T` whose primary keys are in `arrays` (no policies).
pub(crate) fn delete_key_arrays<T: Entity>(store: &Store, arrays: &[ArrayRef]) -> Result<usize, Error> {
    let keys = super::live::decode_keys::<T>(Path::new(T::STORAGE_PATH), arrays.to_vec())?;
    store.delete_keys::<T>(&keys.iter().map(PrimaryKey::borrow).collect::<Vec<_>>())
}
