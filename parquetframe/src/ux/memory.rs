//! The memory monitor: before data is materialised (`load_all`, the memory
//! engine), its size is estimated from file metadata and compared with the
//! memory the machine has and the configured limit.

use crate::config::EngineConfig;
use crate::error::{Error, QueryError};

const MIB: u64 = 1024 * 1024;

/// Hands memory the allocator holds after frees back to the system. glibc's
/// malloc keeps freed pages in its per-thread arenas, so under a memory limit
/// each query would start from what the previous ones freed: a 20M-row
/// streaming join peaked at 431 MiB once and at 521 MiB after eight runs.
/// Elsewhere (other allocators, other systems) it does nothing.
// Only the query engines call it.
#[cfg_attr(not(feature = "query"), allow(dead_code))]
pub(crate) fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim has no preconditions; it only returns free pages.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Bytes of memory available to new allocations (sysinfo's "available":
/// free memory plus reclaimable caches).
pub fn available_memory() -> u64 {
    let mut system = sysinfo::System::new();
    system.refresh_memory();
    let available = system.available_memory();
    // Some containers report no "available" figure: fall back to free memory.
    if available == 0 { system.free_memory() } else { available }
}

/// The thresholds the monitor applies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemoryMonitor {
    /// Warn above this fraction of the available memory.
    pub warn_fraction: f64,
    /// Refuse above this many bytes (`None`: no hard limit).
    pub limit: Option<u64>,
}

impl MemoryMonitor {
    /// The monitor of the `[engine]` configuration.
    pub fn from_config(config: &EngineConfig) -> Self {
        Self {
            warn_fraction: config.warn_fraction,
            limit: (config.memory_limit_mb > 0).then(|| config.memory_limit_mb.saturating_mul(MIB)),
        }
    }

    /// The memory budget: the hard limit when set, else the available memory.
    pub fn budget(&self) -> u64 {
        self.limit.unwrap_or_else(available_memory)
    }

    /// Checks that `estimated` bytes may be materialised for `what`: an error
    /// above the hard limit, a tracing warning above the warning fraction.
    pub fn check(&self, what: &str, estimated: u64) -> Result<(), Error> {
        if let Some(limit) = self.limit
            && estimated > limit
        {
            return Err(QueryError::MemoryLimit { what: what.to_owned(), estimated, limit }.into());
        }
        let available = available_memory();
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let warn_at = (available as f64 * self.warn_fraction) as u64;
        if estimated > warn_at {
            tracing::warn!(
                target: "parquetframe::memory",
                what,
                estimated_mib = estimated / MIB,
                available_mib = available / MIB,
                warn_fraction = self.warn_fraction,
                "{what} needs about {} MiB, more than {:.0}% of the {} MiB available; \
                 consider the streaming engine",
                estimated / MIB,
                self.warn_fraction * 100.0,
                available / MIB
            );
        }
        Ok(())
    }
}
