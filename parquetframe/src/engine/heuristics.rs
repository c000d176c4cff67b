//! `EngineHeuristics`: which engine runs a query, and why.
//!
//! The figures come from file metadata, never from reading data: decoded
//! bytes of the columns the query reads, rows, the memory available now.
//! Joins and group-bys multiply the working estimate (hash tables, both
//! sides in memory). Overrides win in this order: the query's own
//! `.engine(..)`, `PARQUETFRAME_ENGINE`, `engine.default` in the
//! configuration; only then does the estimate decide.

use super::Engine;
use super::plan::Resolved;
use crate::config::{EngineConfig, EngineSetting};

const MIB: f64 = 1024.0 * 1024.0;

/// How long auto selection waits for the cluster's scheduler to accept a
/// connection before running the query here.
pub(crate) const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(500);

/// What an engine choice was based on.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Estimated decoded bytes of the columns the query reads, over every input.
    pub estimated_bytes: u64,
    /// Estimated decoded bytes of the whole inputs (what the memory engine caches).
    pub total_bytes: u64,
    /// Rows of the inputs (`None` when a text format does not say).
    pub estimated_rows: Option<u64>,
    /// The estimate times the cost of joins and group-bys.
    pub working_bytes: u64,
    /// Joins in the plan.
    pub joins: usize,
    /// Joins that are not inner joins: semi, anti, left, full.
    pub non_inner_joins: usize,
    /// Group-bys in the plan.
    pub group_bys: usize,
    /// Memory available now (sysinfo).
    pub available_memory: u64,
    /// The configured hard limit, if any.
    pub memory_limit: Option<u64>,
    /// The thresholds in force.
    pub config: EngineConfig,
    /// Whether the memory engine holds every input already.
    pub cached: bool,
    /// Whether an input is Avro, which every engine decodes whole.
    pub reads_whole: bool,
    /// Joins whose following group-by aggregates before the join.
    pub pre_aggregated: usize,
    /// Bytes the memory engine may keep cached (`performance.cache_mb`).
    pub cache_bytes: u64,
    /// Whether the distributed engine could take this query, checked only
    /// when the inputs exceed `engine.distributed_threshold_mb`.
    pub cluster: ClusterStatus,
    /// Whether DataFusion in this process can run the plan as well as
    /// polars: this build has it, every input is Parquet on local disk.
    pub datafusion_here: bool,
}

/// The distributed engine's state as auto selection saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClusterStatus {
    /// The inputs are within `engine.distributed_threshold_mb`: not asked.
    NotNeeded,
    /// This build lacks the feature `distributed`.
    NotCompiled,
    /// `engine.cluster` is empty.
    NotConfigured,
    /// An input the cluster cannot read (why).
    Unsupported(String),
    /// The scheduler did not answer (address, why).
    Unreachable(String, String),
    /// The scheduler answered (address).
    Reachable(String),
}

impl Figures {
    /// Joins that run on every row (not aggregated first).
    pub fn late_joins(&self) -> usize {
        self.joins.saturating_sub(self.pre_aggregated)
    }

    /// The memory budget: the hard limit when set, else the available memory.
    pub fn budget(&self) -> u64 {
        self.memory_limit.unwrap_or(self.available_memory)
    }
}

/// An engine choice: the engine, why, and the figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The engine that runs the query.
    pub engine: Engine,
    /// The override that decided, e.g. `PARQUETFRAME_ENGINE=streaming`
    /// (`None`: chosen automatically).
    pub overridden_by: Option<String>,
    /// Why, one sentence each.
    pub reasons: Vec<String>,
    /// The figures used.
    pub figures: Figures,
}

/// Picks engines from estimates and thresholds (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct EngineHeuristics {
    config: EngineConfig,
    /// `performance.cache_mb` in bytes.
    cache_bytes: u64,
    /// Where `engine.default` was set, for `explain()`.
    default_origin: Option<String>,
}

impl EngineHeuristics {
    /// Heuristics with the thresholds of `config`.
    pub fn new(config: EngineConfig) -> Self {
        Self { config, default_origin: None, cache_bytes: 1024 << 20 }
    }

    /// The memory engine's cache budget (`performance.cache_mb`): inputs
    /// larger than it are not loaded to be cached.
    pub fn with_cache_bytes(mut self, bytes: u64) -> Self {
        self.cache_bytes = bytes;
        self
    }

    /// Names where `engine.default` was set (e.g. `PARQUETFRAME_ENGINE=lazy`).
    pub fn with_default_origin(mut self, origin: Option<String>) -> Self {
        self.default_origin = origin;
        self
    }

    /// The thresholds in force.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The cost factor of `joins` joins and `group_bys` group-bys: a join
    /// holds both sides and a hash table (x2), a group-by its groups (x1.5).
    pub fn complexity_factor(joins: usize, group_bys: usize) -> f64 {
        2f64.powi(i32::try_from(joins).unwrap_or(i32::MAX))
            * 1.5f64.powi(i32::try_from(group_bys).unwrap_or(i32::MAX))
    }

    pub(crate) fn figures(&self, plan: &Resolved<'_>) -> Figures {
        let mut estimated = 0u64;
        let mut total = 0u64;
        let mut rows = Some(0u64);
        let mut cached = true;
        let mut reads_whole = false;
        let mut datafusion_here = Engine::DataFusion.compiled();
        let mut unsupported: Option<String> = None;
        let needed = plan.plan.needed_columns();
        let mut visit = |r: &Resolved<'_>, needed: Option<&[String]>| {
            estimated += r.input.bytes(needed);
            total += r.input.bytes(None);
            rows = rows.zip(r.input.rows).map(|(a, b)| a + b);
            cached &= r.input.is_cached();
            reads_whole |= r.input.reads_whole;
            datafusion_here &= r.input.datafusion_reads_well();
            if unsupported.is_none() {
                unsupported = r.input.cluster_readable().err();
            }
        };
        visit(plan, needed.as_deref());
        fn walk<'p>(r: &'p Resolved<'p>, out: &mut Vec<&'p Resolved<'p>>) {
            for j in &r.joins {
                out.push(j);
                walk(j, out);
            }
        }
        let mut joined = Vec::new();
        walk(plan, &mut joined);
        for j in joined {
            let needed = j.plan.needed_columns();
            visit(j, needed.as_deref());
        }
        let (joins, group_bys) = plan.plan.complexity();
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let working = (estimated as f64 * Self::complexity_factor(joins, group_bys)) as u64;
        let limit =
            (self.config.memory_limit_mb > 0).then(|| self.config.memory_limit_mb.saturating_mul(1 << 20));
        let cluster = self.cluster_status(estimated, unsupported);
        Figures {
            estimated_bytes: estimated,
            total_bytes: total,
            estimated_rows: rows,
            working_bytes: working,
            joins,
            non_inner_joins: plan.plan.non_inner_joins(),
            group_bys,
            available_memory: crate::ux::memory::available_memory(),
            memory_limit: limit,
            config: self.config.clone(),
            cached,
            reads_whole,
            pre_aggregated: 0,
            cache_bytes: self.cache_bytes,
            cluster,
            datafusion_here,
        }
    }

    /// Whether the cluster could take a query reading `estimated` bytes. The
    /// scheduler is probed (one TCP connection) only above the threshold.
    fn cluster_status(&self, estimated: u64, unsupported: Option<String>) -> ClusterStatus {
        if estimated <= self.config.distributed_threshold_mb.saturating_mul(1 << 20) {
            return ClusterStatus::NotNeeded;
        }
        if !Engine::Distributed.compiled() {
            return ClusterStatus::NotCompiled;
        }
        let Ok(Some(address)) = crate::config::ClusterAddress::parse(&self.config.cluster) else {
            return ClusterStatus::NotConfigured;
        };
        if let Some(why) = unsupported {
            return ClusterStatus::Unsupported(why);
        }
        match address.probe(PROBE_TIMEOUT) {
            Ok(()) => ClusterStatus::Reachable(address.url()),
            Err(why) => ClusterStatus::Unreachable(address.url(), why),
        }
    }

    /// The engine for a plan, given the query's own override.
    pub(crate) fn choose(&self, plan: &Resolved<'_>, requested: Option<Engine>) -> Choice {
        let figures = self.figures(plan);
        if let Some(engine) = requested {
            return Choice {
                engine,
                overridden_by: Some(format!(".engine(Engine::{engine:?}) on the query")),
                reasons: vec![format!("the query asks for the {engine} engine")],
                figures,
            };
        }
        if self.config.default != EngineSetting::Auto {
            let engine = Engine::from_setting(self.config.default).unwrap_or(Engine::Lazy);
            let origin = self
                .default_origin
                .clone()
                .unwrap_or_else(|| "engine.default in the configuration".to_owned());
            return Choice {
                engine,
                reasons: vec![format!("the configured default engine is {engine}")],
                overridden_by: Some(origin),
                figures,
            };
        }
        let (engine, reasons) = self.auto(&figures);
        Choice { engine, overridden_by: None, reasons, figures }
    }

    /// The automatic choice.
    pub fn auto(&self, f: &Figures) -> (Engine, Vec<String>) {
        let mut reasons = Vec::new();
        if f.cluster != ClusterStatus::NotNeeded {
            let over = format!(
                "the inputs after projection, {}, exceed engine.distributed_threshold_mb = {}",
                mib(f.estimated_bytes),
                self.config.distributed_threshold_mb
            );
            match &f.cluster {
                ClusterStatus::Reachable(url) => {
                    reasons.push(format!("{over} and the cluster at {url} answers: run there"));
                    return (Engine::Distributed, reasons);
                }
                ClusterStatus::NotCompiled => reasons.push(format!(
                    "{over}, but this build has no distributed engine (cargo feature `distributed`): run here"
                )),
                ClusterStatus::NotConfigured => reasons.push(format!(
                    "{over}, but no cluster is configured (engine.cluster, PARQUETFRAME_CLUSTER): run here"
                )),
                ClusterStatus::Unsupported(why) => reasons.push(format!("{over}, but {why}: run here")),
                ClusterStatus::Unreachable(url, why) => reasons
                    .push(format!("{over}, but the cluster at {url} does not answer ({why}): run here")),
                ClusterStatus::NotNeeded => {}
            }
        }
        let budget = f.budget();
        let budget_name = if f.memory_limit.is_some() { "the memory limit" } else { "the available memory" };
        #[allow(clippy::cast_precision_loss)]
        let (working, budget_f) = (f.working_bytes as f64, budget as f64);
        let factor = Self::complexity_factor(f.joins, f.group_bys);
        let work = if f.joins + f.group_bys > 0 {
            format!(
                "the working estimate {} (x{factor} for {} join(s), {} group-by(s))",
                mib(f.working_bytes),
                f.joins,
                f.group_bys
            )
        } else {
            format!("the working estimate {}", mib(f.working_bytes))
        };
        if working > budget_f * self.config.streaming_fraction {
            reasons.push(format!(
                "{work} exceeds {:.0}% (engine.streaming_fraction) of {budget_name}, {}: stream in bounded memory",
                self.config.streaming_fraction * 100.0,
                mib(budget)
            ));
            if f.reads_whole {
                reasons.push("note: Avro inputs are decoded whole (projected) before streaming".into());
            }
            return (Engine::Streaming, reasons);
        }
        reasons.push(format!(
            "{work} fits in {:.0}% (engine.streaming_fraction) of {budget_name}, {}",
            self.config.streaming_fraction * 100.0,
            mib(budget)
        ));
        let threshold = self.config.memory_threshold_mb.saturating_mul(1 << 20);
        if f.cached {
            reasons.push("the memory engine holds these inputs already (cached snapshot)".into());
            return (Engine::Memory, reasons);
        }
        #[allow(clippy::cast_precision_loss)]
        let whole_fits = (f.total_bytes as f64) <= budget_f * self.config.streaming_fraction;
        if f.total_bytes <= threshold && whole_fits && f.total_bytes <= f.cache_bytes {
            reasons.push(format!(
                "the inputs, {} in all, are within engine.memory_threshold_mb = {}: load once, cache, query in memory",
                mib(f.total_bytes),
                self.config.memory_threshold_mb
            ));
            return (Engine::Memory, reasons);
        }
        if f.total_bytes > threshold {
            reasons.push(format!(
                "the inputs, {} in all, exceed engine.memory_threshold_mb = {}: read the files with projection \
                 and predicate pushdown instead of caching them",
                mib(f.total_bytes),
                self.config.memory_threshold_mb
            ));
        } else if !whole_fits {
            reasons.push(format!(
                "the inputs, {} in all, are within engine.memory_threshold_mb but would not fit in {:.0}% of \
                 {budget_name} if cached whole: read the files instead",
                mib(f.total_bytes),
                self.config.streaming_fraction * 100.0
            ));
        } else {
            reasons.push(format!(
                "the inputs, {} in all, exceed performance.cache_mb = {}: the memory engine could not keep \
                 them, so read the files with pushdown",
                mib(f.total_bytes),
                f.cache_bytes >> 20
            ));
        }
        let many = self.config.datafusion_joins;
        if many > 0 && f.joins >= many && f.datafusion_here {
            reasons.push(format!(
                "the plan joins {} times (engine.datafusion_joins = {many}): DataFusion in this process, whose \
                 hash joins filter the scan of their probe side by the keys of their build side",
                f.joins
            ));
            return (Engine::DataFusion, reasons);
        }
        if self.config.datafusion_non_inner_joins && f.non_inner_joins > 0 && f.datafusion_here {
            // Measured on TPC-H SF 1 and 10: DataFusion beat the streaming
            // engine on most plans with a semi, anti or left join (up to 1.9x).
            reasons.push(format!(
                "the plan holds {} semi, anti or outer join(s) over Parquet on local disk \
                 (engine.datafusion_non_inner_joins): DataFusion in this process, which runs such joins \
                 faster than polars",
                f.non_inner_joins
            ));
            return (Engine::DataFusion, reasons);
        }
        if f.joins + f.group_bys > 0 {
            // Measured: over files, the streaming executor's parallel hash
            // tables beat the in-memory executor on group-bys (4x) and joins.
            reasons.push(
                "the plan joins or groups: streaming, whose hash tables fill in parallel morsels".into(),
            );
            return (Engine::Streaming, reasons);
        }
        reasons.push("the plan only filters, projects, sorts or slices: a lazy scan".into());
        (Engine::Lazy, reasons)
    }
}

/// Bytes as MiB with one decimal.
pub(crate) fn mib(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let m = bytes as f64 / MIB;
    format!("{m:.1} MiB")
}
