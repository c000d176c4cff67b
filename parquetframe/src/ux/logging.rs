//! Log output and the profile mode, for applications without a tracing
//! subscriber of their own.
//!
//! Every public operation is a span carrying its figures (entity, rows,
//! bytes, files, engine, `duration_ms`); its stages are child spans. An
//! application with a subscriber sees them there. Without one, setting
//! `PARQUETFRAME_LOG` (`ux.log_level`) or `PARQUETFRAME_PROFILE`
//! (`ux.profile`) makes parquetframe install a stderr subscriber at its
//! first operation: the log filter, and with the profile mode a tree of
//! per-stage timings after each operation.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::{Origin, Overrides};

static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Installs the stderr subscriber when `ux.log_level` or `ux.profile` was
/// configured (file, variable) and no global subscriber exists. Operations
/// call it on entry; after a subscriber exists it costs one atomic load.
pub(crate) fn ensure() {
    if INSTALLED.load(Ordering::Relaxed) || has_subscriber() {
        return;
    }
    let Ok(resolved) = crate::config::resolve(&Overrides::default()) else { return };
    let configured = |key| resolved.origin(key).is_some_and(|o| o != Origin::Default);
    if configured("ux.log_level") || resolved.config.ux.profile {
        install(&resolved.config.ux.log_level, resolved.config.ux.profile);
    }
}

/// Installs the stderr subscriber of the configuration (`ux.log_level`,
/// `ux.profile`) unless the process has a global subscriber already: what
/// a command-line tool calls first. Returns whether it installed one.
pub fn init_from_config() -> bool {
    let (level, profile) = match crate::config::load() {
        Ok(c) => (c.ux.log_level, c.ux.profile),
        Err(_) => ("warn".to_owned(), false),
    };
    !has_subscriber() && install(&level, profile)
}

/// Whether this thread sees a subscriber (the global one, outside any
/// scoped default). Not `dispatcher::has_been_set`: dependencies that set a
/// scoped default for a moment (deltalake-core does) make that true forever.
fn has_subscriber() -> bool {
    tracing::dispatcher::get_default(|d| !d.is::<tracing::subscriber::NoSubscriber>())
}

fn install(level: &str, profile: bool) -> bool {
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("warn"));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_target(true)
        .with_filter(filter);
    let profile = profile.then(|| super::profile::ProfileLayer::stderr().with_filter(LevelFilter::DEBUG));
    let installed = tracing_subscriber::registry().with(fmt).with(profile).try_init().is_ok();
    INSTALLED.store(true, Ordering::Relaxed);
    installed
}
