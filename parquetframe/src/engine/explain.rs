//! `explain()`: the engine a query runs on, why, the figures, and the plan.

use std::fmt;

use super::Engine;
use super::heuristics::{Choice, mib};

/// What a query would do: see [`Query::explain`](super::Query::explain) and
/// [`DataFrameProxy::explain`](super::DataFrameProxy::explain).
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The engine choice, its reasons and figures.
    pub choice: Choice,
    /// The inputs as resolved (entity and snapshot version, or files).
    pub inputs: Vec<String>,
    /// The operations, in order.
    pub operations: Vec<String>,
    /// The columns read from the inputs (`None`: all).
    pub columns: Option<Vec<String>>,
    /// The optimized plan of the chosen engine: polars', or DataFusion's
    /// logical plan for [`Engine::Distributed`].
    pub polars_plan: String,
}

impl Explanation {
    /// The chosen engine.
    pub fn engine(&self) -> Engine {
        self.choice.engine
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.choice;
        let fig = &c.figures;
        match &c.overridden_by {
            Some(by) => writeln!(f, "engine: {} (override: {by})", c.engine)?,
            None => writeln!(f, "engine: {} (auto)", c.engine)?,
        }
        let executor = match (c.engine, super::executor(c.engine, fig.late_joins())) {
            (Engine::Distributed, _) => {
                format!("DataFusion on the Ballista cluster at {}", fig.config.cluster.trim())
            }
            (Engine::DataFusion, _) => "DataFusion on this machine".to_owned(),
            (_, polars::prelude::Engine::Streaming) => "polars streaming executor".to_owned(),
            _ => "polars in-memory executor".to_owned(),
        };
        writeln!(f, "executor: {executor}")?;
        writeln!(f, "reasons:")?;
        for r in &c.reasons {
            writeln!(f, "  - {r}")?;
        }
        writeln!(f, "figures:")?;
        let rows = fig.estimated_rows.map_or_else(|| "unknown".to_owned(), |r| r.to_string());
        writeln!(
            f,
            "  estimated bytes after projection: {} ({} bytes)",
            mib(fig.estimated_bytes),
            fig.estimated_bytes
        )?;
        writeln!(f, "  estimated rows: {rows}")?;
        writeln!(f, "  inputs in all: {}", mib(fig.total_bytes))?;
        writeln!(
            f,
            "  working estimate: {} ({} join(s), {} group-by(s))",
            mib(fig.working_bytes),
            fig.joins,
            fig.group_bys
        )?;
        if fig.pre_aggregated > 0 {
            writeln!(
                f,
                "  joins that aggregate first: {} (the group-by after them reads only their side)",
                fig.pre_aggregated
            )?;
        }
        writeln!(f, "  available memory: {}", mib(fig.available_memory))?;
        match fig.memory_limit {
            Some(l) => writeln!(f, "  memory limit: {}", mib(l))?,
            None => writeln!(f, "  memory limit: none (engine.memory_limit_mb = 0)")?,
        }
        writeln!(
            f,
            "  thresholds: engine.memory_threshold_mb = {}, engine.streaming_fraction = {}",
            fig.config.memory_threshold_mb, fig.config.streaming_fraction
        )?;
        writeln!(f, "  cached in memory: {}", if fig.cached { "yes" } else { "no" })?;
        writeln!(f, "inputs:")?;
        for i in &self.inputs {
            writeln!(f, "  - {i}")?;
        }
        match &self.columns {
            Some(cols) => writeln!(f, "columns read: {}", cols.join(", "))?,
            None => writeln!(f, "columns read: all")?,
        }
        if !self.operations.is_empty() {
            writeln!(f, "operations:")?;
            for op in &self.operations {
                writeln!(f, "  - {op}")?;
            }
        }
        writeln!(f, "{}", if c.engine.is_polars() { "polars plan:" } else { "DataFusion plan:" })?;
        for line in self.polars_plan.lines() {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}
