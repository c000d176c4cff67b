//! A Ballista executor, built from the same crates.io release (55.0.0) as
//! parquetframe's distributed client. Flags are Ballista's own
//! (`--scheduler-host`, `--scheduler-port`, `--bind-port`, `--bind-grpc-port`,
//! `--work-dir`, ...; `--help`). Unlike Ballista's binary it starts no HTTP
//! health server: the scheduler's heartbeats tell whether it is alive.
//! Logs go to stdout, filtered by `RUST_LOG`.

use std::sync::Arc;

use ballista_core::object_store::{runtime_env_with_s3_support, session_config_with_s3_support};
use ballista_executor::config::Config;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ballista_core::error::Result<()> {
    let opt = Config::parse();
    let mut config: ExecutorProcessConfig = opt.try_into()?;
    // Object storage (S3 and HTTP) besides local files, as in Ballista's binary.
    config.override_config_producer = Some(Arc::new(session_config_with_s3_support));
    config.override_runtime_producer = Some(Arc::new(runtime_env_with_s3_support));
    let filter =
        std::env::var(EnvFilter::DEFAULT_ENV).unwrap_or_else(|_| config.special_mod_log_level.clone());
    tracing_subscriber::fmt().with_ansi(false).with_env_filter(EnvFilter::new(filter)).init();
    start_executor_process(Arc::new(config)).await
}
