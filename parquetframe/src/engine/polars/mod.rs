//! The polars engines (memory, lazy, streaming): the plan lowered to a
//! polars `LazyFrame` over scans of its inputs. The twin of `distributed/`,
//! which lowers the same plan to DataFusion for a Ballista cluster.

pub(crate) mod codes;
pub(crate) mod lower;
pub(crate) mod preagg;
pub(crate) mod scan;
mod subplan;
