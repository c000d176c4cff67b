//! Queries and engines (feature `query`).
//!
//! One engine-neutral plan (a source and operations over [`Expr`]s)
//! runs on one of five engines: three on polars (`polars/` lowers the plan
//! to a `LazyFrame`) and, with the feature `distributed`, DataFusion on a
//! Ballista cluster or in this process (`distributed/` lowers the same plan):
//!
//! | engine | how | for |
//! |---|---|---|
//! | [`Engine::Memory`] | eager `DataFrame`, cached per committed snapshot | small data, repeated queries |
//! | [`Engine::Lazy`] | `LazyFrame` over the files: projection and predicate pushdown, row-group pruning | data that fits after pruning |
//! | [`Engine::Streaming`] | the polars streaming engine | larger than memory |
//! | `Engine::Distributed` | DataFusion on a Ballista cluster (feature `distributed`) | beyond one machine |
//! | `Engine::DataFusion` | DataFusion in this process (feature `distributed`) | when asked for; by auto for plans with a semi, anti or outer join (`engine.datafusion_non_inner_joins`) or of many joins (`engine.datafusion_joins`) |
//!
//! [`EngineHeuristics`] picks one per query from file metadata and the memory
//! available, unless the query (`.engine(..)`), `PARQUETFRAME_ENGINE` or the
//! configuration says; `explain()` tells which and why. Typed queries start
//! from an entity (`User::query()`, `store.query::<User>()`), untyped ones
//! from files ([`read`]). See `docs/queries.md`.

pub(crate) mod bridge;
mod cache;
mod case;
#[cfg(feature = "distributed")]
pub(crate) mod distributed;
mod explain;
pub(crate) mod expr;
mod files;
mod heuristics;
mod join_path;
mod nest;
pub(crate) mod plan;
pub(crate) mod polars;
mod proxy;
mod pushdown;
mod query;
mod registry;
mod scalar;
pub(crate) mod source;
#[cfg(feature = "sql")]
mod sql;
mod subquery;
mod typed;
mod typed_values;
mod write;

use std::fmt;

use ::polars::prelude::{DataFrame, LazyFrame};

pub use bridge::{to_batch as frame_to_batch, to_frame as batches_to_frame};
pub use cache::clear as clear_cache;
pub use case::{Then, When, when};
pub use explain::Explanation;
pub use expr::{Expr, Literal, SortKey, col, len, lit};
pub use files::{FileFormat, data_files};
pub use heuristics::{Choice, ClusterStatus, EngineHeuristics, Figures};
pub use join_path::{Held, Holds, JoinAlong, Reaches};
pub use plan::JoinKind;
pub use proxy::{DataFrameProxy, GroupBy};
pub use query::{Joined, Query};
pub use registry::{Capabilities, EngineInfo, EngineRegistry};
pub use scalar::{Interval, ScalarType};
#[cfg(feature = "sql")]
pub use sql::SqlQuery;
pub use subquery::Scalar;
pub use typed::{Here, Left, NumericColumn, Right, Scope, TextColumn, TypedExpr, TypedSort, ValueOf};
pub use typed_values::{CastTarget, Operand, TemporalColumn, ValueExpr};

use crate::config::{EngineConfig, EngineSetting};
use crate::error::{Error, QueryError};
use crate::ux::memory::MemoryMonitor;
use plan::Plan;

/// A query engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Engine {
    /// Eager polars `DataFrame`s, cached per committed snapshot.
    Memory,
    /// polars `LazyFrame`s over the files, with pushdown.
    Lazy,
    /// The polars streaming engine: bounded memory.
    Streaming,
    /// Apache DataFusion on a Ballista cluster (`engine.cluster`): the same
    /// plan, translated to DataFusion, run by the cluster's executors over
    /// the same Parquet files. Needs the cargo feature `distributed`.
    Distributed,
    /// Apache DataFusion on this machine: the plan the cluster would run,
    /// in this process over the same files (entities and Parquet files; not
    /// in-memory `DataFrame`s or other file formats, as on the cluster).
    /// Auto selection picks it for plans over Parquet on local disk that
    /// hold a semi, anti, left or full join (`engine.datafusion_non_inner_joins`,
    /// on by default) or join at least `engine.datafusion_joins` times (off
    /// by default); or ask for it (`.engine(Engine::DataFusion)`,
    /// `engine.default = "datafusion"`).
    /// Needs the cargo feature `distributed`.
    DataFusion,
}

impl From<Engine> for EngineSetting {
    fn from(engine: Engine) -> Self {
        match engine {
            Engine::Memory => EngineSetting::Memory,
            Engine::Lazy => EngineSetting::Lazy,
            Engine::Streaming => EngineSetting::Streaming,
            Engine::Distributed => EngineSetting::Distributed,
            Engine::DataFusion => EngineSetting::DataFusion,
        }
    }
}

impl Engine {
    /// The engine a configuration value names (`None` for `auto`).
    pub fn from_setting(setting: EngineSetting) -> Option<Engine> {
        match setting {
            EngineSetting::Auto => None,
            EngineSetting::Memory => Some(Engine::Memory),
            EngineSetting::Lazy => Some(Engine::Lazy),
            EngineSetting::Streaming => Some(Engine::Streaming),
            EngineSetting::Distributed => Some(Engine::Distributed),
            EngineSetting::DataFusion => Some(Engine::DataFusion),
        }
    }

    /// The engines that run on this machine (always available).
    pub const ALL: [Engine; 3] = [Engine::Memory, Engine::Lazy, Engine::Streaming];

    /// Whether this build has the engine (`Distributed` and `DataFusion`
    /// need the feature `distributed`).
    pub const fn compiled(self) -> bool {
        !matches!(self, Engine::Distributed | Engine::DataFusion) || cfg!(feature = "distributed")
    }

    /// Whether the engine runs on polars (and takes polars' optimizations).
    pub(crate) const fn is_polars(self) -> bool {
        matches!(self, Engine::Memory | Engine::Lazy | Engine::Streaming)
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Memory => "memory",
            Engine::Lazy => "lazy",
            Engine::Streaming => "streaming",
            Engine::Distributed => "distributed",
            Engine::DataFusion => "datafusion",
        })
    }
}

impl std::str::FromStr for Engine {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let setting: EngineSetting =
            s.parse().map_err(|m: String| QueryError::Unavailable { engine: "?", message: m })?;
        Engine::from_setting(setting).ok_or_else(|| {
            QueryError::Unavailable { engine: "auto", message: "is a choice, not an engine".into() }.into()
        })
    }
}

/// Opens a file or a directory of files (Parquet, Avro, CSV, NDJSON, Arrow
/// IPC; the format from the extension, else the first bytes) as a
/// [`DataFrameProxy`]. Nothing is read but metadata until it runs.
///
/// ```no_run
/// use parquetframe::{col, read};
///
/// let adults = read("data/users/")?
///     .filter(col("age").ge(18))
///     .select([col("name"), col("age")])
///     .collect()?;
/// # Ok::<(), parquetframe::Error>(())
/// ```
pub fn read(path: impl AsRef<std::path::Path>) -> Result<DataFrameProxy, Error> {
    let files = files::open(path.as_ref())?;
    Ok(DataFrameProxy::from_plan(Plan::new(source::Source::Files(files))))
}

/// The configuration a run uses.
pub(crate) struct Settings {
    pub heuristics: EngineHeuristics,
    pub monitor: MemoryMonitor,
    pub cache_bytes: u64,
    /// Only planning for `explain()`: the memory engine loads nothing.
    pub explain_only: bool,
    /// Whether group-bys after a join may aggregate before it (see `preagg`).
    pub pre_aggregate: bool,
    /// The Parquet scans of this run, shared by every read of the same files.
    pub scans: polars::scan::Scans,
}

impl Settings {
    /// The configuration of the plan's store (the default layers for files,
    /// frames and the default store).
    fn load(plan: &Plan) -> Result<Self, Error> {
        let resolved = match &plan.source {
            source::Source::Entity(source::EntitySource { store: Some(store), .. }) => store.resolved()?,
            _ => crate::config::resolve(&crate::config::Overrides::default())?,
        };
        let config: EngineConfig = resolved.config.engine.clone();
        let origin = resolved.origin("engine.default").filter(|o| *o != crate::config::Origin::Default);
        Ok(Self {
            monitor: MemoryMonitor::from_config(&config),
            cache_bytes: resolved.config.performance.cache_mb.saturating_mul(1 << 20),
            explain_only: false,
            pre_aggregate: true,
            scans: polars::scan::Scans::default(),
            heuristics: EngineHeuristics::new(config)
                .with_default_origin(origin.map(|o| o.describe("engine.default")))
                .with_cache_bytes(resolved.config.performance.cache_mb.saturating_mul(1 << 20)),
        })
    }
}

pub(crate) fn polars_error(context: &str, e: impl fmt::Display) -> Error {
    QueryError::Engine { context: context.to_owned(), message: e.to_string() }.into()
}

/// Resolves `plan` and chooses its engine.
fn choose(
    plan: &Plan,
    requested: Option<Engine>,
    explain_only: bool,
) -> Result<(Settings, plan::Resolved<'_>, Choice), Error> {
    let mut settings = Settings { explain_only, ..Settings::load(plan)? };
    let resolved = plan.resolve()?;
    let mut choice = settings.heuristics.choose(&resolved, requested);
    // Under a memory limit the streaming engine joins without aggregating
    // first: the partial aggregates' table (one entry per key, per thread)
    // peaked above the join's own build side (657 against 475 MiB for 20M
    // orders of 2M users).
    settings.pre_aggregate = !(choice.engine == Engine::Streaming && choice.figures.memory_limit.is_some());
    choice.figures.pre_aggregated =
        if settings.pre_aggregate && choice.engine.is_polars() { polars::preagg::count(plan) } else { 0 };
    tracing::debug!(
        target: "parquetframe::engine",
        engine = %choice.engine,
        estimated_bytes = choice.figures.estimated_bytes,
        reasons = ?choice.reasons,
        "engine chosen"
    );
    Ok((settings, resolved, choice))
}

/// The DataFusion plan of `resolved` (feature `distributed`).
fn describe_on_datafusion(resolved: &plan::Resolved<'_>) -> Result<String, Error> {
    #[cfg(feature = "distributed")]
    {
        distributed::describe(resolved)
    }
    #[cfg(not(feature = "distributed"))]
    {
        let _ = resolved;
        Err(not_compiled())
    }
}

/// How explain names a plan's inputs.
fn input_labels(resolved: &plan::Resolved<'_>) -> Vec<String> {
    let mut inputs = vec![resolved.input.label.clone()];
    inputs.extend(resolved.joins.iter().map(|j| j.input.label.clone()));
    inputs
}

/// Runs a plan on DataFusion (feature `distributed`): on the cluster, or
/// here for `Engine::DataFusion`.
fn on_datafusion(
    resolved: &plan::Resolved<'_>,
    engine: Engine,
    settings: &Settings,
) -> Result<DataFrame, Error> {
    #[cfg(feature = "distributed")]
    {
        if engine == Engine::DataFusion {
            return distributed::collect_here(resolved);
        }
        distributed::collect(resolved, settings.heuristics.config())
    }
    #[cfg(not(feature = "distributed"))]
    {
        let _ = (resolved, engine, settings);
        Err(not_compiled())
    }
}

#[cfg(not(feature = "distributed"))]
fn not_compiled() -> Error {
    QueryError::Unavailable {
        engine: "distributed",
        message: "is not in this build: enable the cargo feature `distributed` of parquetframe".into(),
    }
    .into()
}

/// Runs `plan`.
pub(crate) fn execute(plan: &Plan, requested: Option<Engine>) -> Result<DataFrame, Error> {
    let (prepared, _) = prepare(plan)?;
    let plan = prepared.as_ref().unwrap_or(plan);
    let op = crate::ux::trace::Operation::start(tracing::info_span!(
        "query",
        engine = tracing::field::Empty,
        estimated_bytes = tracing::field::Empty,
        rows = tracing::field::Empty,
        duration_ms = tracing::field::Empty
    ));
    let _entered = op.span().enter();
    let (settings, resolved, mut choice) =
        tracing::debug_span!("plan").in_scope(|| choose(plan, requested, false))?;
    let materialized = for_engine(plan, choice.engine)?;
    let (plan, resolved) = match &materialized {
        Some(p) => (p, p.resolve()?),
        None => (plan, resolved),
    };
    let mut result = None;
    if !choice.engine.is_polars() {
        let ran =
            tracing::debug_span!("execute").in_scope(|| on_datafusion(&resolved, choice.engine, &settings));
        if !fall_back(plan, &mut choice, &ran) {
            result = Some(ran);
        }
    }
    op.record("engine", tracing::field::display(choice.engine));
    op.record("estimated_bytes", choice.figures.estimated_bytes);
    let result = match result {
        Some(ran) => ran,
        None => {
            let lf = tracing::debug_span!("plan").in_scope(|| resolved.lazy(choice.engine, &settings))?;
            tracing::debug_span!("execute").in_scope(|| collect(lf, &choice))
        }
    };
    if let Ok(frame) = &result {
        op.record("rows", frame.height());
    }
    if choice.figures.memory_limit.is_some() {
        crate::ux::memory::release_freed_memory();
    }
    result
}

/// The polars plan of `plan` on its engine, uncollected (the distributed
/// engine's result, collected, as a `LazyFrame`).
pub(crate) fn lazy(plan: &Plan, requested: Option<Engine>) -> Result<LazyFrame, Error> {
    let (prepared, _) = prepare(plan)?;
    let plan = prepared.as_ref().unwrap_or(plan);
    let (settings, resolved, mut choice) = choose(plan, requested, false)?;
    let materialized = for_engine(plan, choice.engine)?;
    let (plan, resolved) = match &materialized {
        Some(p) => (p, p.resolve()?),
        None => (plan, resolved),
    };
    if !choice.engine.is_polars() {
        let ran = on_datafusion(&resolved, choice.engine, &settings);
        if !fall_back(plan, &mut choice, &ran) {
            return ran.map(::polars::prelude::IntoLazy::lazy);
        }
    }
    resolved.lazy(choice.engine, &settings)
}

/// The plan as it runs, when it differs from `plan`: scalar subqueries
/// replaced by their values (but those the polars engines run inside the
/// outer plan, `subquery::Keep`), then the joins of filtered entities nested
/// (`nest`); and the lines explain adds for the joins moved.
fn prepare(plan: &Plan) -> Result<(Option<Plan>, Vec<String>), Error> {
    let materialized = subquery::materialize(plan, subquery::Keep::OneRowInFilters)?;
    Ok(match nest::nest(materialized.as_ref().unwrap_or(plan)) {
        Some((nested, notes)) => (Some(nested), notes),
        None => (materialized, Vec::new()),
    })
}

/// `plan` for `engine`: DataFusion and the cluster take no subqueries, so
/// those `prepare` left for polars run first; `None`: `plan` as it is.
fn for_engine(plan: &Plan, engine: Engine) -> Result<Option<Plan>, Error> {
    if engine.is_polars() {
        return Ok(None);
    }
    subquery::materialize(plan, subquery::Keep::Nothing)
}

/// Whether a plan auto selection gave to DataFusion in this process, which
/// refused it (a plan only polars runs: an aggregate broadcast into
/// columns, a column outside the aggregates of a group-by), runs on the
/// streaming engine instead; `choice` then says so.
fn fall_back<T>(plan: &Plan, choice: &mut Choice, ran: &Result<T, Error>) -> bool {
    let Err(Error::Query(QueryError::Unavailable { message, .. })) = ran else { return false };
    if choice.overridden_by.is_some() || choice.engine != Engine::DataFusion {
        return false;
    }
    choice.reasons.push(format!("but DataFusion {message}: the streaming engine instead"));
    choice.engine = Engine::Streaming;
    choice.figures.pre_aggregated =
        if choice.figures.memory_limit.is_none() { polars::preagg::count(plan) } else { 0 };
    true
}

/// What running `plan` would do.
pub(crate) fn explain(plan: &Plan, requested: Option<Engine>) -> Result<Explanation, Error> {
    // Scalar subqueries run here, but those polars runs inside the outer
    // plan: the outer plan is shown with their values.
    let (prepared, notes) = prepare(plan)?;
    let plan = prepared.as_ref().unwrap_or(plan);
    let (settings, resolved, mut choice) = choose(plan, requested, true)?;
    let materialized = for_engine(plan, choice.engine)?;
    let (plan, resolved) = match &materialized {
        Some(p) => (p, p.resolve()?),
        None => (plan, resolved),
    };
    let inputs = input_labels(&resolved);
    let described = if choice.engine.is_polars() { None } else { Some(describe_on_datafusion(&resolved)) };
    let described = match described {
        Some(d) if fall_back(plan, &mut choice, &d) => None,
        other => other,
    };
    let polars_plan = if let Some(described) = described {
        described?
    } else {
        let lf = resolved.lazy(choice.engine, &settings)?;
        lf.describe_optimized_plan().map_err(|e| polars_error("explaining the query", e))?
    };
    Ok(Explanation {
        choice,
        inputs,
        operations: plan.ops.iter().map(ToString::to_string).chain(notes).collect(),
        columns: plan.needed_columns(),
        polars_plan,
    })
}

/// The polars executor that runs a plan on `engine`; `joins` counts the
/// joins that do not aggregate first. The memory engine's cached frames go
/// through the streaming executor too (its group-by is morsel-parallel: 7x
/// faster than the in-memory one on 10M rows here), except for such joins,
/// where the in-memory hash join measured 1.5x faster.
pub(crate) fn executor(engine: Engine, joins: usize) -> ::polars::prelude::Engine {
    match engine {
        Engine::Streaming => ::polars::prelude::Engine::Streaming,
        Engine::Memory if joins == 0 => ::polars::prelude::Engine::Streaming,
        Engine::Memory | Engine::Lazy | Engine::Distributed | Engine::DataFusion => {
            ::polars::prelude::Engine::InMemory
        }
    }
}

fn collect(lf: LazyFrame, choice: &Choice) -> Result<DataFrame, Error> {
    let engine = choice.engine;
    lf.collect_with_engine(executor(engine, choice.figures.late_joins()))
        .map(|r| r.unwrap_single())
        .map_err(|e| polars_error(&format!("running the query on the {engine} engine"), e))
}
