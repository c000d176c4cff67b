//! The store's operations on an entity without its Rust type: validation and
//! `on_delete` policies reach the entities a relation names through them.
//!
//! `#[derive(Entity)]` registers one [`EntityOps`] per entity with
//! [`inventory`], beside the entity's description
//! ([`EntityInfo`]); the description stays
//! on the entity floor, free of storage types, and the store keeps its own
//! table of operations here.

use std::collections::HashMap;
use std::sync::OnceLock;

use arrow::array::ArrayRef;

use super::Store;
use crate::entity::linked::EntityInfo;
use crate::entity::{Entity, Relation};
use crate::error::{Error, StorageError};

/// Live rows of an entity, projected onto some columns: per column, the
/// chunks (aligned across columns).
pub type Columns = Vec<Vec<ArrayRef>>;

/// One entity's storage operations, callable without its Rust type.
pub struct EntityOps {
    /// The entity's name.
    pub name: &'static str,
    /// The Rust type (`module::Type`), as in its [`EntityInfo`].
    pub rust_type: &'static str,
    pub(crate) scan: fn(&Store, &[&str]) -> Result<Columns, Error>,
    pub(crate) scan_keys: fn(&Store, &[&str]) -> Result<Columns, Error>,
    pub(crate) delete_keys: fn(&Store, &[ArrayRef]) -> Result<usize, Error>,
    pub(crate) set_null: fn(&Store, &Relation, &[ArrayRef]) -> Result<usize, Error>,
    pub(crate) delete_referencing: DeleteReferencing,
}

/// The signature of [`EntityOps::delete_referencing`].
pub(crate) type DeleteReferencing = fn(
    &Store,
    &Relation,
    &[ArrayRef],
    &dyn Fn(&[ArrayRef]) -> Result<(), Error>,
) -> Result<Vec<ArrayRef>, Error>;

impl EntityOps {
    /// The operations of `T` (`rust_type` names it). Generated code calls this.
    pub const fn of<T: Entity>(rust_type: &'static str) -> Self {
        Self {
            name: T::ENTITY_NAME,
            rust_type,
            scan: super::scan::scan::<T>,
            scan_keys: super::scan::scan_keys::<T>,
            delete_keys: super::cascade::delete_key_arrays::<T>,
            set_null: super::referencing::set_null::<T>,
            delete_referencing: super::referencing::delete_referencing::<T>,
        }
    }

    /// Columns `columns` of the entity's live rows in `store`.
    pub fn scan(&self, store: &Store, columns: &[&str]) -> Result<Columns, Error> {
        (self.scan)(store, columns)
    }

    /// The primary keys of the entity's live rows in `store` (one array per
    /// chunk: a struct array of the key columns for a composite key), then
    /// columns `columns`.
    pub fn scan_keys(&self, store: &Store, columns: &[&str]) -> Result<Columns, Error> {
        (self.scan_keys)(store, columns)
    }

    /// Deletes the rows whose primary keys are in `keys` (no `on_delete` policies).
    pub fn delete_keys(&self, store: &Store, keys: &[ArrayRef]) -> Result<usize, Error> {
        (self.delete_keys)(store, keys)
    }

    /// Deletes the rows whose foreign key of `relation` (one the entity
    /// declares) is one of `parent_keys`, found inside the commit, after
    /// `guard` accepted their primary keys there; returns those keys.
    pub(crate) fn delete_referencing(
        &self,
        store: &Store,
        relation: &Relation,
        parent_keys: &[ArrayRef],
        guard: &dyn Fn(&[ArrayRef]) -> Result<(), Error>,
    ) -> Result<Vec<ArrayRef>, Error> {
        (self.delete_referencing)(store, relation, parent_keys, guard)
    }

    /// Sets the foreign key of `relation` (one the entity declares; every
    /// column of a key over several) to null in the rows referencing
    /// `parent_keys` (found inside the commit).
    pub fn set_null(
        &self,
        store: &Store,
        relation: &Relation,
        parent_keys: &[ArrayRef],
    ) -> Result<usize, Error> {
        (self.set_null)(store, relation, parent_keys)
    }

    /// The primary keys of the entity's live rows, and the foreign key of
    /// `relation` (one the entity declares) as one array per chunk: a
    /// struct array of its columns for a key over several, which probes the
    /// target's key set (by position and type, not by name).
    pub fn scan_foreign_keys(&self, store: &Store, relation: &Relation) -> Result<Columns, Error> {
        let mut columns = self.scan_keys(store, relation.columns)?;
        let parts = columns.split_off(1.min(columns.len()));
        let fk = crate::entity::primary_key::key_chunks(relation.columns, parts, self.name)?;
        columns.push(fk);
        Ok(columns)
    }
}

impl std::fmt::Debug for EntityOps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntityOps").field("name", &self.name).field("rust_type", &self.rust_type).finish()
    }
}

inventory::collect!(EntityOps);

/// The operations of the linked entity `info` describes.
pub fn ops(info: &EntityInfo) -> Result<&'static EntityOps, Error> {
    static TABLE: OnceLock<HashMap<(&'static str, &'static str), &'static EntityOps>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        inventory::iter::<EntityOps>.into_iter().map(|o| ((o.name, o.rust_type), o)).collect()
    });
    table.get(&(info.name, info.rust_type)).copied().ok_or_else(|| {
        // Both are registered by the same derive, so this is a build mix-up.
        StorageError::Catalog(format!(
            "entity `{}` ({}) has no storage operations registered: derive it with #[derive(Entity)] \
             from this version of parquetframe",
            info.name, info.rust_type
        ))
        .into()
    })
}
