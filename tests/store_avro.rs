//! The store suite again with every entity stored as Avro: the same
//! semantics (atomic commits, upserts, deletes, compaction, several writers,
//! schema evolution, bad input), only the file format differs.

include!("common/store_suite.rs");
entities!("avro");
