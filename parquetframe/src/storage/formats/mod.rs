//! File formats of data files. Only the format differs between entities; the
//! commit protocol, merging and compaction are shared.

pub mod parquet;
