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

/// The rows of `A` joined with `B` along a relation: [`Query::join`].
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
    _scope: PhantomData<fn() -> S>,
}

impl<S> Clone for Query<S> {
    fn clone(&self) -> Self {
        Self { proxy: self.proxy.clone(), _scope: PhantomData }
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
    fn with(proxy: DataFrameProxy) -> Self {
        Self { proxy, _scope: PhantomData }
    }

    /// Keeps the rows where `predicate` holds.
    pub fn filter<E, I>(self, predicate: TypedExpr<E>) -> Self
    where
        S: Scope<E, I>,
    {
        Self::with(self.proxy.filter(predicate.expr))
    }

    /// Sorts by `key` (`User::AGE.desc()`); called again right after, adds
    /// a key that breaks ties.
    pub fn order_by<E, I>(self, key: TypedSort<E>) -> Self
    where
        S: Scope<E, I>,
    {
        Self::with(self.proxy.sort_then(key.key))
    }

    /// At most `n` rows.
    pub fn limit(self, n: u64) -> Self {
        Self::with(self.proxy.limit(n))
    }

    /// Skips the first `n` rows.
    pub fn offset(self, n: u64) -> Self {
        Self::with(self.proxy.offset(n))
    }

    /// Runs on `engine` whatever the heuristics and configuration say.
    pub fn engine(self, engine: Engine) -> Self {
        Self::with(self.proxy.engine(engine))
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
        Self::with(DataFrameProxy::from_plan(Plan::new(Source::Entity(EntitySource::of::<T>(store)))))
    }

    fn store(&self) -> Option<Store> {
        match &self.proxy.plan().source {
            Source::Entity(e) => e.store.clone(),
            _ => None,
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

    /// Joins `U` along the relation between the two entities: `T`'s foreign
    /// key to `U`'s primary key, or `U`'s foreign key to `T`'s. Filters, keys
    /// and aggregates may then use the columns of both; a column of `U`
    /// named like one of `T` is `"U.column"` in the result.
    pub fn join<U: Entity>(self) -> Result<Query<Joined<T, U>>, Error> {
        self.join_kind::<U>(JoinKind::Inner)
    }

    /// [`join`](Self::join) keeping `T`'s rows without a match (their `U`
    /// columns null).
    pub fn left_join<U: Entity>(self) -> Result<Query<Joined<T, U>>, Error> {
        self.join_kind::<U>(JoinKind::Left)
    }

    fn join_kind<U: Entity>(self, kind: JoinKind) -> Result<Query<Joined<T, U>>, Error> {
        let forward: Vec<_> = T::RELATIONS.iter().filter(|r| r.target == U::ENTITY_NAME).collect();
        let backward: Vec<_> = U::RELATIONS.iter().filter(|r| r.target == T::ENTITY_NAME).collect();
        // Along a relation of `T`, each `T` row has one `U`: many to one.
        let (left_on, right_on, many_to_one) = match (forward.as_slice(), backward.as_slice()) {
            ([r], []) => (r.column, r.target_key, true),
            ([], [r]) => (r.target_key, r.column, false),
            ([], []) => {
                return Err(QueryError::Relation(format!(
                    "entity `{}` and entity `{}` have no relation to join along; declare one with \
                     #[relation({}, inverse = \"...\")] on a foreign-key field, or join untyped with \
                     DataFrameProxy::join",
                    T::ENTITY_NAME,
                    U::ENTITY_NAME,
                    U::ENTITY_NAME
                ))
                .into());
            }
            _ => {
                let names: Vec<String> = forward
                    .iter()
                    .map(|r| format!("{}.{}", T::ENTITY_NAME, r.column))
                    .chain(backward.iter().map(|r| format!("{}.{}", U::ENTITY_NAME, r.column)))
                    .collect();
                return Err(QueryError::Relation(format!(
                    "entities `{}` and `{}` are related more than once ({}); join untyped with \
                     DataFrameProxy::join on the columns you mean",
                    T::ENTITY_NAME,
                    U::ENTITY_NAME,
                    names.join(", ")
                ))
                .into());
            }
        };
        let right = Plan::new(Source::Entity(EntitySource::of::<U>(self.store())));
        let proxy = self.proxy.join_entities(
            right,
            left_on.to_owned(),
            right_on.to_owned(),
            kind,
            (T::ENTITY_NAME, U::ENTITY_NAME),
            many_to_one,
        );
        Ok(Query::with(proxy))
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
