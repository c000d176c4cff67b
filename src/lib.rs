//! Workspace root: owns tests, examples and benchmarks.
