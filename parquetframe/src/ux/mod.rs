//! What the user sees besides results: progress bars, the memory monitor's
//! warnings, log output and the profile mode.

pub mod logging;
pub mod memory;
pub mod profile;
pub mod progress;
pub(crate) mod trace;
