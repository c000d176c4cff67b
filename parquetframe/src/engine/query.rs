//! `Query<T>`: typed queries over an entity, `T::query()` /
//! `store.query::<T>()`.

use std::marker::PhantomData;

use polars::prelude::{DataFrame, LazyFrame};

use super::expr::{Expr, len};
use super::plan::{JoinKind, Plan};
use super::proxy::{DataFrameProxy, frame_to_entities};
use super::source::{EntitySource, Source};
use super::typed::{Scope, TypedExpr, TypedSort};
use super::{Engine, Explanation, polars_error};
use crate::entity::Entity;
use crate::error::{Error, QueryError};
use crate::storage::{Store, StoredEntity};

/// The rows of `A` joined with `B` along a relation: [`JoinAlong::join`](super::JoinAlong::join).
pub struct Joined<A, B>(PhantomData<fn() -> (A, B)>);

/// A typed query: filters and sort keys must be columns of the queried
/// entity (after a join, of either side), compared with values of the
/// column's type.
///
/// ```no_run
/// # use parquetframe::prelude::*;
/// # #[derive(Entity, Debug, Clone, PartialEq)]
/// # #[entity(storage_path = "users/", primary_key = "user_id")]
/// # pub struct User { pub user_id: i64, pub name: String, pub age: i32 }
/// let store = Store::open("data")?;
/// let adults: Vec<User> = store
///     .query::<User>()
///     .filter(User::AGE.gt(30).and(User::NAME.starts_with("A")))
///     .order_by(User::AGE.desc())
///     .limit(10)
///     .fetch()?;
/// # Ok::<(), parquetframe::Error>(())
/// ```
#[must_use = "a query does nothing until a terminal (`fetch`, `count`, ...) runs it"]
pub struct Query<S> {
    proxy: DataFrameProxy,
    /// The entities joined so far, in join order: where the next join
    /// looks for a relation.
    members: Vec<Member>,
    _scope: PhantomData<fn() -> S>,
}

/// An entity of a query: its name, relations and primary key.
#[derive(Clone, Copy)]
struct Member {
    name: &'static str,
    relations: &'static [crate::entity::Relation],
}

impl Member {
    fn of<T: Entity>() -> Self {
        Self { name: T::ENTITY_NAME, relations: T::RELATIONS }
    }
}

impl<S> Clone for Query<S> {
    fn clone(&self) -> Self {
        Self { proxy: self.proxy.clone(), members: self.members.clone(), _scope: PhantomData }
    }
}

/// A typed grouping awaiting its aggregates: [`Query::group_by`].
#[must_use = "a group_by does nothing until `agg`"]
pub struct TypedGroupBy<S> {
    query: Query<S>,
    keys: Vec<Expr>,
}

impl<S> TypedGroupBy<S> {
    /// Runs the aggregation: one row per group, the keys then `aggs`
    /// (e.g. `User::AGE.mean()`).
    pub fn agg(self, aggs: impl IntoIterator<Item = impl Into<Expr>>) -> Result<DataFrame, Error> {
        self.proxy(aggs).collect()
    }

    /// The aggregation as an untyped query, to sort, limit or explain it.
    pub fn proxy(self, aggs: impl IntoIterator<Item = impl Into<Expr>>) -> DataFrameProxy {
        self.query.proxy.group_by(self.keys).agg(aggs)
    }
}

impl<S> Query<S> {
    fn map(self, f: impl FnOnce(DataFrameProxy) -> DataFrameProxy) -> Self {
        Self { proxy: f(self.proxy), members: self.members, _scope: PhantomData }
    }

    /// Keeps the rows where `predicate` holds.
    pub fn filter<E, I>(self, predicate: TypedExpr<E>) -> Self
    where
        S: Scope<E, I>,
    {
        self.map(|p| p.filter(predicate.expr))
    }

    /// Sorts by `key` (`User::AGE.desc()`); called again right after, adds
    /// a key that breaks ties.
    pub fn order_by<E, I>(self, key: TypedSort<E>) -> Self
    where
        S: Scope<E, I>,
    {
        self.map(|p| p.sort_then(key.key))
    }

    /// At most `n` rows.
    pub fn limit(self, n: u64) -> Self {
        self.map(|p| p.limit(n))
    }

    /// Skips the first `n` rows.
    pub fn offset(self, n: u64) -> Self {
        self.map(|p| p.offset(n))
    }

    /// Runs on `engine` whatever the heuristics and configuration say.
    pub fn engine(self, engine: Engine) -> Self {
        self.map(|p| p.engine(engine))
    }

    /// Groups by `keys` (`[User::NAME]`); aggregate with `.agg([...])`.
    pub fn group_by(self, keys: impl IntoIterator<Item = impl Into<Expr>>) -> TypedGroupBy<S> {
        TypedGroupBy { keys: keys.into_iter().map(Into::into).collect(), query: self }
    }

    /// The number of matching rows.
    pub fn count(&self) -> Result<usize, Error> {
        let df = self.proxy.clone().select([len().alias("count")]).collect()?;
        let column = df
            .column("count")
            .and_then(|c| c.cast(&polars::prelude::DataType::UInt64))
            .map_err(|e| polars_error("counting rows", e))?;
        let value = column.u64().map_err(|e| polars_error("counting rows", e))?.get(0);
        value
            .and_then(|v| usize::try_from(v).ok())
            .ok_or_else(|| polars_error("counting rows", format!("unexpected count {value:?}")))
    }

    /// Runs the query into a polars `DataFrame`.
    pub fn to_dataframe(&self) -> Result<DataFrame, Error> {
        self.proxy.collect()
    }

    /// The polars `LazyFrame` of the chosen engine: the escape hatch to the
    /// whole polars API.
    pub fn lazy(&self) -> Result<LazyFrame, Error> {
        self.proxy.lazy()
    }

    /// Which engine would run the query, why, with the figures and the plan.
    pub fn explain(&self) -> Result<Explanation, Error> {
        self.proxy.explain()
    }

    /// The query as an untyped [`DataFrameProxy`].
    pub fn proxy(self) -> DataFrameProxy {
        self.proxy
    }
}

impl<T: Entity> Query<T> {
    /// A query over every live row of `T` (`None`: the default store).
    pub(crate) fn new(store: Option<Store>) -> Self {
        Self {
            proxy: DataFrameProxy::from_plan(Plan::new(Source::Entity(EntitySource::of::<T>(store)))),
            members: vec![Member::of::<T>()],
            _scope: PhantomData,
        }
    }

    /// Runs the query into entities.
    pub fn fetch(&self) -> Result<Vec<T>, Error> {
        frame_to_entities(&self.proxy.collect()?)
    }

    /// The first matching entity.
    pub fn first(&self) -> Result<Option<T>, Error> {
        Ok(self.clone().limit(1).fetch()?.into_iter().next())
    }
}

impl<S> Query<S> {
    fn store(&self) -> Option<Store> {
        match &self.proxy.plan().source {
            Source::Entity(e) => e.store.clone(),
            _ => None,
        }
    }

    /// The join behind [`JoinAlong`](super::JoinAlong): the relation is found again
    /// here to name its columns (and to refuse two relations between one pair).
    pub(super) fn join_kind<U: Entity>(self, kind: JoinKind) -> Result<Query<Joined<S, U>>, Error> {
        // (entity, its columns, U's columns, the relation, whether that entity holds the key)
        type Found = (&'static str, &'static [&'static str], &'static [&'static str], &'static str, bool);
        let mut found: Vec<Found> = Vec::new();
        for m in &self.members {
            for r in m.relations.iter().filter(|r| r.target == U::ENTITY_NAME) {
                found.push((m.name, r.columns, r.target_columns, r.column, true));
            }
            for r in U::RELATIONS.iter().filter(|r| r.target == m.name) {
                found.push((m.name, r.target_columns, r.columns, r.column, false));
            }
        }
        let names = || self.members.iter().map(|m| format!("`{}`", m.name)).collect::<Vec<_>>().join(", ");
        if self.members.iter().any(|m| m.name == U::ENTITY_NAME) {
            return Err(QueryError::Relation(format!(
                "entity `{}` is already in the query ({}); joining an entity twice (a self-join) needs \
                 the untyped DataFrameProxy::join, whose second side's columns get the `_right` suffix",
                U::ENTITY_NAME,
                names()
            ))
            .into());
        }
        let (left_entity, left_on, right_on, _, holds_key) = match found.as_slice() {
            [one] => *one,
            // Unreachable through `JoinAlong` (its bound found a relation); kept as an error, not a panic.
            [] => {
                return Err(QueryError::Relation(format!(
                    "entity `{}` has no relation with {} to join along; declare one with \
                     #[relation({}, inverse = \"...\")] on a foreign-key field, or join untyped with \
                     DataFrameProxy::join",
                    U::ENTITY_NAME,
                    names(),
                    U::ENTITY_NAME
                ))
                .into());
            }
            _ => {
                let list: Vec<String> = found
                    .iter()
                    .map(|(m, _, _, column, holds)| {
                        if *holds { format!("{m}.{column}") } else { format!("{}.{column}", U::ENTITY_NAME) }
                    })
                    .collect();
                return Err(QueryError::Relation(format!(
                    "entity `{}` is related to {} more than once ({}); join untyped with \
                     DataFrameProxy::join on the columns you mean",
                    U::ENTITY_NAME,
                    names(),
                    list.join(", ")
                ))
                .into());
            }
        };
        // Along a relation held by the left entity, each left row has one
        // `U`: a following group-by may aggregate first, when the left side
        // is that one entity (after earlier joins its columns may be renamed).
        let many_to_one = holds_key && self.members.len() == 1;
        let right = Plan::new(Source::Entity(EntitySource::of::<U>(self.store())));
        let mut members = self.members;
        members.push(Member::of::<U>());
        let proxy = self.proxy.join_entities(
            right,
            left_on.iter().map(|c| (*c).to_owned()).collect(),
            right_on.iter().map(|c| (*c).to_owned()).collect(),
            kind,
            (left_entity, U::ENTITY_NAME),
            many_to_one,
        );
        Ok(Query { proxy, members, _scope: PhantomData })
    }
}

impl Store {
    /// A typed query over the live rows of `T` in this store.
    pub fn query<T: Entity>(&self) -> Query<T> {
        Query::new(Some(self.clone()))
    }
}

/// Queries of entities read from the catalog alone.
impl StoredEntity {
    /// A query over its live rows, on the engine the heuristics pick.
    ///
    /// ```no_run
    /// use parquetframe::{Store, StoredEntity, col};
    ///
    /// let store = Store::open("data")?;
    /// let users = StoredEntity::open(&store, "User")?;
    /// let adults = users.query(&store).filter(col("age").ge(18)).collect()?;
    /// # Ok::<(), parquetframe::Error>(())
    /// ```
    pub fn query(&self, store: &Store) -> DataFrameProxy {
        DataFrameProxy::from_plan(Plan::new(Source::Entity(EntitySource::stored(self, store.clone()))))
    }
}
