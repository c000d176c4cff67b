//! `Engine::Distributed` (feature `distributed`): the plan, translated to
//! Apache DataFusion, runs on a Ballista cluster whose executors read the
//! same Parquet and Avro files (a shared file system: paths are the same on
//! the client and on every executor).
//!
//! The client side is Ballista's `SessionContext::remote`: it ships the
//! logical plan to the scheduler, which splits it into stages for the
//! executors and streams the result back. Our calls are blocking; the
//! async client runs on its own small runtime, on a scoped thread so that
//! callers inside another tokio runtime work too.

mod lower;

mod scan;

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::common::TableReference;
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use polars::prelude::DataFrame;

use super::heuristics::PROBE_TIMEOUT;
use super::plan::Resolved;
use super::source::Input;
use crate::config::{ClusterAddress, EngineConfig};
use crate::error::Error;
pub(crate) use lower::datafusion_error;
use lower::unsupported;

/// The runtime of the Ballista client (gRPC and result streams).
static RUNTIME: LazyLock<Result<tokio::runtime::Runtime, String>> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("parquetframe-cluster")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
});

/// Runs `job` to completion on the client runtime.
pub(super) fn block_on<T: Send>(job: impl Future<Output = Result<T, Error>> + Send) -> Result<T, Error> {
    let runtime =
        RUNTIME.as_ref().map_err(|e| unsupported(format!("cannot start its client runtime: {e}")))?;
    run_on(runtime, ("running on the cluster", "the client thread panicked"), job)
}

/// Runs `job` on `runtime`, on a scoped thread so that callers inside
/// another tokio runtime work too.
fn run_on<T: Send>(
    runtime: &tokio::runtime::Runtime,
    (context, panicked): (&str, &str),
    job: impl Future<Output = Result<T, Error>> + Send,
) -> Result<T, Error> {
    std::thread::scope(|s| {
        s.spawn(|| runtime.block_on(job)).join().unwrap_or_else(|_| Err(datafusion_error(context, panicked)))
    })
}

/// The configured cluster, checked to answer.
pub(crate) fn cluster(config: &EngineConfig) -> Result<ClusterAddress, Error> {
    let address = ClusterAddress::parse(&config.cluster)
        .map_err(|e| unsupported(format!("has a bad engine.cluster: {e}")))?
        .ok_or_else(|| {
            unsupported(
                "needs a cluster: set engine.cluster, e.g. PARQUETFRAME_CLUSTER=df://scheduler:50050 \
                 (scripts/cluster.sh starts one on this machine)",
            )
        })?;
    address
        .probe(PROBE_TIMEOUT)
        .map_err(|why| unsupported(format!("cannot reach the cluster at {address}: {why}")))?;
    Ok(address)
}

/// A DataFusion context on the cluster, or on this machine when no input
/// has a stored file (nothing to distribute).
async fn context(address: &ClusterAddress, local: bool) -> Result<SessionContext, Error> {
    if local {
        return Ok(SessionContext::new());
    }
    // Ballista 55's adaptive planner (its default) loses track of a stage it
    // rolled back when an executor dies, and the job stalls; the static
    // planner re-runs the lost tasks on the executors left.
    let config = SessionConfig::new_with_ballista().with_ballista_adaptive_query_planner(false);
    let state = SessionStateBuilder::new().with_config(config).with_default_features().build();
    SessionContext::remote_with_state(&address.url(), state)
        .await
        .map_err(|e| datafusion_error(&format!("connecting to the cluster at {address}"), e))
}

fn any_empty(resolved: &Resolved<'_>) -> bool {
    scan::is_empty(&resolved.input) || resolved.joins.iter().any(any_empty)
}

/// What runs on DataFusion: a plan, or SQL over named inputs.
enum Job<'a> {
    Plan(&'a Resolved<'a>),
    Sql { tables: &'a [(&'a [String], &'a Input)], text: &'a str },
}

impl Job<'_> {
    /// Nothing to distribute when an input has no stored file.
    fn local(&self) -> bool {
        match self {
            Job::Plan(resolved) => any_empty(resolved),
            Job::Sql { tables, .. } => tables.iter().any(|(_, input)| scan::is_empty(input)),
        }
    }

    /// The job as a DataFusion frame in `ctx`.
    async fn frame(&self, ctx: &SessionContext) -> Result<datafusion::prelude::DataFrame, Error> {
        match self {
            Job::Plan(resolved) => {
                let mut inputs = scan::Inputs::build(ctx, resolved).await?;
                lower::plan(resolved, &mut inputs)
            }
            Job::Sql { tables, text } => {
                for (names, input) in *tables {
                    let df = scan::frame(ctx, input, None).await?;
                    for name in *names {
                        // As written: `FROM "Order"`; folded names are registered too.
                        ctx.register_table(TableReference::bare(name.as_str()), df.clone().into_view())
                            .map_err(|e| datafusion_error(&format!("registering table `{name}`"), e))?;
                    }
                }
                ctx.sql(text).await.map_err(|e| datafusion_error("planning SQL with DataFusion", e))
            }
        }
    }
}

/// The runtime of `Engine::DataFusion`: every core of this machine.
static HERE: LazyLock<Result<tokio::runtime::Runtime, String>> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .thread_name("parquetframe-datafusion")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
});

/// Runs `resolved` with DataFusion on this machine (`Engine::DataFusion`).
pub(crate) fn collect_here(resolved: &Resolved<'_>) -> Result<DataFrame, Error> {
    here(&Job::Plan(resolved))
}

/// Runs SQL `text` over `tables` with DataFusion on this machine.
pub(crate) fn collect_sql_here(tables: &[(&[String], &Input)], text: &str) -> Result<DataFrame, Error> {
    here(&Job::Sql { tables, text })
}

fn here(job: &Job<'_>) -> Result<DataFrame, Error> {
    let runtime = HERE
        .as_ref()
        .map_err(|e| datafusion_error("starting DataFusion on this machine", format!("no runtime: {e}")))?;
    let (schema, batches) =
        run_on(runtime, ("running the query with DataFusion", "its thread panicked"), async {
            let ctx = SessionContext::new();
            let df = job.frame(&ctx).await?;
            let schema: arrow::datatypes::SchemaRef = Arc::new(df.schema().as_arrow().clone());
            let batches =
                df.collect().await.map_err(|e| datafusion_error("running the query with DataFusion", e))?;
            Ok::<_, Error>((schema, batches))
        })?;
    let schema = batches.first().map_or(schema, |b| b.schema());
    super::bridge::to_frame(&schema, &batches)
}

/// Runs `resolved` on the cluster.
pub(crate) fn collect(resolved: &Resolved<'_>, config: &EngineConfig) -> Result<DataFrame, Error> {
    run(&Job::Plan(resolved), config)
}

/// Runs SQL `text` on the cluster over `tables` (each input under its names).
pub(crate) fn collect_sql(
    tables: &[(&[String], &Input)],
    text: &str,
    config: &EngineConfig,
) -> Result<DataFrame, Error> {
    run(&Job::Sql { tables, text }, config)
}

fn run(job: &Job<'_>, config: &EngineConfig) -> Result<DataFrame, Error> {
    let address = cluster(config)?;
    let local = job.local();
    let context_text = format!("running the query on the cluster at {address}");
    let attempt = || async {
        let ctx = context(&address, local).await?;
        let df = job.frame(&ctx).await?;
        let schema: arrow::datatypes::SchemaRef = Arc::new(df.schema().as_arrow().clone());
        Ok::<_, Error>((schema, df.collect().await))
    };
    let job = async {
        let (schema, mut result) = attempt().await?;
        // A query reads and never writes, so running it again is safe. The
        // scheduler re-runs tasks lost with an executor, but results the
        // client was about to fetch from it are gone: one more run on the
        // executors left.
        if let Err(e) = &result
            && lost_executor(e)
        {
            tracing::warn!(cluster = %address, error = %e, "an executor was lost; running the query again");
            result = attempt().await?.1;
        }
        let batches = result.map_err(|e| datafusion_error(&context_text, e))?;
        Ok((schema, batches))
    };
    let limit = config.cluster_timeout_s;
    let (schema, batches) = block_on(async {
        if limit == 0 {
            return job.await;
        }
        tokio::time::timeout(Duration::from_secs(limit), job).await.unwrap_or_else(|_| {
            Err(datafusion_error(
                &context_text,
                format!(
                    "no result within {limit} s (engine.cluster_timeout_s); a job can stall when executors are \
                     lost: the scheduler's log says which stage waits"
                ),
            ))
        })
    })?;
    // The executors' batches carry the schema they computed; names and
    // types are the plan's.
    let schema = batches.first().map_or(schema, |b| b.schema());
    super::bridge::to_frame(&schema, &batches)
}

/// Ballista's error for a connection to an executor (or the scheduler)
/// that is gone; it reaches the client as text inside DataFusion's error.
fn lost_executor(e: &datafusion::error::DataFusionError) -> bool {
    let text = e.to_string();
    text.contains("GrpcConnectionError") || text.contains("Error connecting to Ballista")
}

/// DataFusion's optimized logical plan of `resolved`, built on this machine
/// (for `explain()`; no cluster needed).
pub(crate) fn describe(resolved: &Resolved<'_>) -> Result<String, Error> {
    describe_job(&Job::Plan(resolved))
}

/// DataFusion's optimized logical plan of SQL `text` over `tables`.
pub(crate) fn describe_sql(tables: &[(&[String], &Input)], text: &str) -> Result<String, Error> {
    describe_job(&Job::Sql { tables, text })
}

fn describe_job(job: &Job<'_>) -> Result<String, Error> {
    block_on(async {
        let ctx = SessionContext::new();
        let df = job.frame(&ctx).await?;
        let plan = df.into_optimized_plan().map_err(|e| datafusion_error("planning", e))?;
        Ok(plan.display_indent().to_string())
    })
}

#[cfg(test)]
mod tests {
    use datafusion::error::DataFusionError;

    use super::lost_executor;

    #[test]
    fn a_lost_executor_is_told_from_other_errors() {
        // As Ballista 55's client reports a partition it cannot fetch
        // (`DataFusionError::Execution(format!("{e:?}"))` of its error).
        let lost = DataFusionError::Execution(
            "GrpcConnectionError(\"Error connecting to Ballista scheduler or executor at \
             http://127.0.0.1:50151: tonic::transport::Error(Transport, ConnectError(...))\")"
                .into(),
        );
        assert!(lost_executor(&lost));
        assert!(!lost_executor(&DataFusionError::Plan("no field named amount".into())));
        assert!(!lost_executor(&DataFusionError::Execution("Job 3F2 failed: division by zero".into())));
    }
}
