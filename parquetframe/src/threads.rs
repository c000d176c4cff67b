//! `performance.threads`: parquetframe's parallel work (reading, converting
//! and writing files, validation) runs on a pool of that size; 0 uses
//! rayon's global pool. polars sizes its own pool (`POLARS_MAX_THREADS`).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use rayon::ThreadPool;

use crate::error::{ConfigError, Error};

static POOLS: LazyLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> = LazyLock::new(Default::default);

/// Runs `work` on a pool of `threads` threads (the global pool for 0),
/// inside `span` so that its stages stay children of the operation.
pub(crate) fn run<R: Send>(
    threads: usize,
    span: &tracing::Span,
    work: impl FnOnce() -> Result<R, Error> + Send,
) -> Result<R, Error> {
    if threads == 0 || threads == rayon::current_num_threads() && rayon::current_thread_index().is_some() {
        return work();
    }
    let pool = {
        let mut pools = POOLS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match pools.get(&threads) {
            Some(pool) => pool.clone(),
            None => {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|i| format!("parquetframe-{i}"))
                    .build()
                    .map_err(|e| ConfigError::BadValue {
                        key: "performance.threads".into(),
                        origin: format!("{threads} threads"),
                        message: e.to_string(),
                    })?;
                let pool = Arc::new(pool);
                pools.insert(threads, pool.clone());
                pool
            }
        }
    };
    let span = span.clone();
    pool.install(move || span.in_scope(work))
}
