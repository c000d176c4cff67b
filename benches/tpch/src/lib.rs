//! TPC-H on parquetframe: the 8 tables as entities ([`entities`]), loaded
//! from `tpchgen` ([`generate`]), and the 22 queries on the engine-neutral
//! plan ([`queries`]), checked against DuckDB's answers ([`answers`]).
//!
//! This crate is an example and the benchmark's workload, not part of the
//! library's API.

pub mod answers;
pub mod entities;
pub mod generate;
pub mod queries;
