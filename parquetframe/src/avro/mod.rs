//! Apache Avro object container files, read and written column by column.
//!
//! - [`binary`]: Avro's binary encoding of primitive values, bounded on read.
//! - [`codec`]: block compression (null, deflate, snappy, zstandard, bzip2, xz).
//! - `container`: the file layout: header, blocks, sync markers; parallel
//!   encoding on write, a block index for parallel decoding on read.
//! - [`limits`]: what a file's claims may cost (rows per byte, zero-width
//!   rows, decompressed bytes), so hostile files are errors, not hangs.
//! - `encode` / `decode`: Arrow columns to Avro datums and back, the latter
//!   with Avro schema resolution against the reader's schema.
//!
//! See `docs/avro.md` for the type mapping, the resolution rules and why this
//! is a direct encoder rather than apache-avro's `Value` path or arrow-avro.

pub mod arrow;
pub mod binary;
pub mod codec;
pub mod container;
pub(crate) mod decode;
mod encode;
pub(crate) mod fill;
pub mod limits;
mod names;

pub use binary::Input;
pub use codec::Codec;
pub use container::{AvroFile, Block};
