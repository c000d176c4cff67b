//! Typed joins checked when they compile: `Query<S>::join::<U>()` needs an
//! entity of `S` that holds a foreign key to `U`, or `U` holding one to an
//! entity of `S` (the derive marks each relation with `HoldsKeyTo`).
//!
//! The position of that entity in the query (`How`) is inferred, so a call
//! reads `.join::<Customer>()`. When two entities of the query are related
//! to `U` (or one is, both ways), the position is ambiguous and the call
//! does not compile: join untyped with `DataFrameProxy::join` then.

use super::plan::JoinKind;
use super::query::{Joined, Query};
use super::typed::{Left, Right};
use crate::entity::{Entity, HoldsKeyTo};
use crate::error::Error;

/// [`Reaches`] position: the query's entity holds a foreign key to `U`.
pub struct Holds;
/// [`Reaches`] position: `U` holds a foreign key to the query's entity.
pub struct Held;

/// Whether an entity of a query over `Self` is related to `U`, and where
/// (`How`: [`Holds`], [`Held`], or a path through `Left`/`Right` after joins).
#[diagnostic::on_unimplemented(
    message = "no entity of a query over `{Self}` has a relation with `{U}`",
    label = "`{U}` is not related to the entities joined so far",
    note = "a typed join follows a declared #[relation] between `{U}` and an entity already in the \
            query: join the entities in between first, declare the relation, or join untyped with \
            DataFrameProxy::join"
)]
pub trait Reaches<U, How> {}

impl<A: Entity + HoldsKeyTo<U>, U: Entity> Reaches<U, Holds> for A {}
impl<A: Entity, U: Entity + HoldsKeyTo<A>> Reaches<U, Held> for A {}
impl<A: Reaches<U, I>, B, U, I> Reaches<U, Left<I>> for Joined<A, B> {}
impl<A, B: Reaches<U, I>, U, I> Reaches<U, Right<I>> for Joined<A, B> {}

/// Typed joins along relations (in the prelude): `LineItem::query()
/// .join::<Order>()?.join::<Customer>()?`. Each hop must follow a declared
/// relation between the new entity and one already in the query, or the
/// call does not compile.
pub trait JoinAlong<How>: Sized {
    /// The entities of the query so far.
    type Scope;

    /// Joins `U` along the relation between `U` and an entity of the
    /// query: that entity's foreign key to `U`'s primary key, or `U`'s
    /// foreign key to that entity's. Joins chain along a path
    /// (`LineItem` → `Order` → `Customer` → `Nation`); filters, keys and
    /// aggregates may then use the columns of every joined entity. A
    /// column of `U` named like one already in the query is
    /// `"U.column"` in the result (the typed handle still finds it).
    ///
    /// With two relations between the same pair (two foreign-key fields to
    /// `U`), or `U` already in the query, the error says so and names them;
    /// join untyped with [`DataFrameProxy::join`](super::DataFrameProxy::join) then.
    fn join<U: Entity>(self) -> Result<Query<Joined<Self::Scope, U>>, Error>
    where
        Self::Scope: Reaches<U, How>;

    /// [`join`](Self::join) keeping the query's rows without a match (their
    /// `U` columns null).
    fn left_join<U: Entity>(self) -> Result<Query<Joined<Self::Scope, U>>, Error>
    where
        Self::Scope: Reaches<U, How>;
}

impl<S, How> JoinAlong<How> for Query<S> {
    type Scope = S;

    fn join<U: Entity>(self) -> Result<Query<Joined<S, U>>, Error>
    where
        S: Reaches<U, How>,
    {
        self.join_kind::<U>(JoinKind::Inner)
    }

    fn left_join<U: Entity>(self) -> Result<Query<Joined<S, U>>, Error>
    where
        S: Reaches<U, How>,
    {
        self.join_kind::<U>(JoinKind::Left)
    }
}
