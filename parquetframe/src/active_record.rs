//! Active-record methods: `User::load_all()`, `user.save()`, `User::find(&key)`,
//! `User::query()` and friends on the default store, for every [`Entity`].
//!
//! They sit on the top floor, above the store and the engines they call, as
//! an extension trait implemented for every entity; the prelude brings it
//! into scope, so `User::load_all()` works as written.

use crate::entity::Entity;
use crate::error::Result;
use crate::storage::Store;

/// The entity's operations on the default store ([`Store::open_default`]):
/// implemented for every [`Entity`], in the prelude.
///
/// ```no_run
/// use parquetframe::prelude::*;
///
/// #[derive(Entity, Debug, Clone, PartialEq)]
/// #[entity(storage_path = "users/", primary_key = "user_id")]
/// pub struct User { pub user_id: i64, pub name: String }
///
/// User { user_id: 1, name: "Ada".into() }.save()?;
/// let everyone = User::load_all()?;
/// # Ok::<(), parquetframe::Error>(())
/// ```
pub trait ActiveRecord: Entity {
    /// Every live row, from the default store ([`Store::open_default`]).
    fn load_all() -> Result<Vec<Self>> {
        Store::open_default()?.load_all::<Self>()
    }

    /// Upserts `rows` into the default store.
    fn save_all(rows: &[Self]) -> Result<()> {
        Store::open_default()?.save_all(rows)
    }

    /// Upserts this row into the default store.
    fn save(&self) -> Result<()> {
        Store::open_default()?.save(self)
    }

    /// The row with `key` in the default store, if any.
    fn find(key: &Self::Key) -> Result<Option<Self>> {
        Store::open_default()?.find::<Self>(key)
    }

    /// Deletes the row with `key` from the default store; `false` when there was none.
    fn delete(key: &Self::Key) -> Result<bool> {
        Store::open_default()?.delete::<Self>(key)
    }

    /// Deletes the rows with `keys` from the default store; returns how many were live.
    fn delete_all(keys: &[Self::Key]) -> Result<usize> {
        Store::open_default()?.delete_all::<Self>(keys)
    }

    /// The number of live rows in the default store.
    fn count() -> Result<usize> {
        Store::open_default()?.count::<Self>()
    }

    /// A typed query over the live rows on the default store (opened when
    /// the query runs). Feature `query`.
    #[cfg(feature = "query")]
    fn query() -> crate::engine::Query<Self> {
        crate::engine::Query::new(None)
    }
}

impl<T: Entity> ActiveRecord for T {}
