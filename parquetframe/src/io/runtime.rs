//! deltalake-core is async; the store's API is blocking. Its futures run on
//! one small runtime of the store's own, also when the caller is itself
//! inside a tokio runtime (the distributed engine), where blocking on a
//! runtime's thread is not allowed.

use std::future::Future;
use std::sync::LazyLock;

use tokio::runtime::{Builder, Runtime};

static RUNTIME: LazyLock<Result<Runtime, String>> = LazyLock::new(|| {
    Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("parquetframe-delta")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
});

/// Runs `future` to completion and returns its output.
pub(crate) fn block_on<F>(future: F) -> Result<F::Output, String>
where
    F: Future + Send,
    F::Output: Send,
{
    let runtime = RUNTIME.as_ref().map_err(|e| format!("starting the Delta runtime: {e}"))?;
    if tokio::runtime::Handle::try_current().is_ok() {
        // Inside a runtime: block a plain thread instead of the runtime's own.
        std::thread::scope(|scope| {
            scope
                .spawn(|| runtime.block_on(future))
                .join()
                .map_err(|_| "the Delta runtime panicked".to_owned())
        })
    } else {
        Ok(runtime.block_on(future))
    }
}
