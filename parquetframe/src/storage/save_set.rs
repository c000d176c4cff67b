//! Saving rows of several entities in one call, parents before children.

use super::Store;
use crate::entity::Entity;
use crate::error::Error;

type Save<'a> = Box<dyn FnOnce(&Store) -> Result<(), Error> + 'a>;

/// Rows of several entities to save in the order of the entity graph
/// (referenced entities first), so that `fk_check = "on_save"` finds every
/// parent. Built by [`Store::save_set`].
///
/// Each entity is still its own atomic commit: when one fails, the entities
/// saved before it stay saved, and the error names the one that failed.
///
/// ```no_run
/// # use parquetframe::prelude::*;
/// # #[derive(Entity, Debug, Clone, PartialEq)]
/// # #[entity(storage_path = "users/", primary_key = "user_id")]
/// # pub struct User { pub user_id: i64 }
/// # #[derive(Entity, Debug, Clone, PartialEq)]
/// # #[entity(storage_path = "orders/", primary_key = "order_id")]
/// # pub struct Order { pub order_id: i64, #[relation(User, inverse = "orders")] pub user_id: i64 }
/// # let store = Store::open("data")?;
/// # let (users, orders): (Vec<User>, Vec<Order>) = (vec![], vec![]);
/// store.save_set().with(&orders).with(&users).commit()?; // users are saved first
/// # Ok::<(), parquetframe::Error>(())
/// ```
pub struct SaveSet<'a> {
    store: &'a Store,
    saves: Vec<(&'static str, Save<'a>)>,
}

impl<'a> SaveSet<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Self { store, saves: Vec::new() }
    }

    /// Adds rows of entity `T` (an upsert, as [`Store::save_all`]).
    pub fn with<T: Entity>(mut self, rows: &'a [T]) -> Self {
        self.saves.push((T::ENTITY_NAME, Box::new(move |store: &Store| store.save_all(rows))));
        self
    }

    /// The entities in the order [`commit`](Self::commit) saves them.
    pub fn order(&self) -> Result<Vec<&'static str>, Error> {
        Ok(self.sorted()?.into_iter().map(|i| self.saves[i].0).collect())
    }

    fn sorted(&self) -> Result<Vec<usize>, Error> {
        let graph = crate::graph::schema_graph();
        let order = graph.topological_order()?;
        let rank = |name: &str| order.iter().position(|n| *n == name).unwrap_or(usize::MAX);
        let mut indices: Vec<usize> = (0..self.saves.len()).collect();
        indices.sort_by_key(|&i| rank(self.saves[i].0)); // stable: same entity keeps its order
        Ok(indices)
    }

    /// Saves every entity's rows, parents first. Fails before saving
    /// anything when the entity graph has a cycle of required keys.
    pub fn commit(self) -> Result<(), Error> {
        let order = self.sorted()?;
        let mut saves: Vec<Option<Save<'a>>> = self.saves.into_iter().map(|(_, s)| Some(s)).collect();
        for i in order {
            if let Some(save) = saves.get_mut(i).and_then(Option::take) {
                save(self.store)?;
            }
        }
        Ok(())
    }
}
