//! Foreign keys checked on save (`fk_check = "on_save"`): a commit that would
//! reference a missing parent fails before anything is written.

use super::Store;
use super::erased;
use super::keys::{KeySet, probe_all};
use crate::entity::Entity;
use crate::entity::linked;
use crate::error::{Error, RelationError};

/// With `fk_check = "on_save"`: fails when a foreign key of `rows` names no
/// live parent (rows of `rows` count as parents of a self relation).
pub(crate) fn check_parents<T: Entity>(store: &Store, rows: &[T]) -> Result<(), Error> {
    for (index, relation) in T::RELATIONS.iter().enumerate() {
        let fk = T::foreign_key_column(index, rows)?;
        let parent = linked::entity(relation.target).ok_or_else(|| RelationError::NotLinked {
            entity: relation.target.to_owned(),
            context: format!("target of `{}.{}`", T::ENTITY_NAME, relation.column),
        })?;
        let mut keys = erased::ops(parent)?.scan_keys(store, &[])?.pop().unwrap_or_default();
        if relation.target == T::ENTITY_NAME {
            keys.push(crate::entity::key_column::<T>(&rows.iter().map(T::key).collect::<Vec<_>>())?);
        }
        let built = KeySet::build(&keys).map_err(|u| u.error(parent.name, parent.primary_key))?;
        let probe = probe_all(&built.set, &[fk]).map_err(|u| u.error(T::ENTITY_NAME, relation.column))?;
        if probe.missing > 0 {
            return Err(RelationError::MissingParents {
                entity: T::ENTITY_NAME,
                column: relation.column,
                target: relation.target,
                missing: probe.missing,
                sample: probe.sample,
            }
            .into());
        }
    }
    Ok(())
}
