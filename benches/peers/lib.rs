//! Nothing here: this package exists for its benchmarks (`benches/`).
