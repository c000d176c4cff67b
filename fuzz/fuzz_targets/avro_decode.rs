//! Fuzzes the Avro container reader and both datum decoders (direct, and
//! with schema resolution) with arbitrary file contents: every input must
//! give rows or an error, never a panic, a hang or an unbounded allocation.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Readers take paths: one file per fuzzing process, rewritten per input.
    let path = std::env::temp_dir().join(format!("parquetframe-fuzz-{}.avro", std::process::id()));
    parquetframe_fuzz::read_both(&path, data);
});
