//! What the user sees besides results: warnings of the memory monitor.

pub mod memory;
