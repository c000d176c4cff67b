//! Structured Avro fuzzing: an arbitrary writer schema (drawn from the
//! input's first bytes), every codec, lying row counts and several blocks,
//! with the rest of the input as the blocks' datums (compressed with the
//! chosen codec, so they reach the decoders). Read by every reader: the two
//! typed decoders resolve the arbitrary writer against their own schemas,
//! the Arrow path reads it as it is.

#![no_main]

use libfuzzer_sys::fuzz_target;
use parquetframe::avro::Codec;
use parquetframe::avro::binary::{put_bytes as bytes, put_long as zigzag};
use parquetframe_fuzz::{Steer, read_file_every_way, schema_json};

fuzz_target!(|data: &[u8]| {
    let mut steer = Steer(data.get(..64).unwrap_or(data));
    let body = data.get(64..).unwrap_or(&[]);
    let schema = schema_json(&mut steer, 2, &mut 0);
    let codec = Codec::NAMES[usize::from(steer.byte()) % Codec::NAMES.len()];
    let blocks = 1 + usize::from(steer.byte() % 4);
    let sync = [7u8; 16];
    let mut file = b"Obj\x01".to_vec();
    zigzag(&mut file, 2);
    bytes(&mut file, b"avro.schema");
    bytes(&mut file, schema.as_bytes());
    bytes(&mut file, b"avro.codec");
    bytes(&mut file, codec.as_bytes());
    zigzag(&mut file, 0);
    file.extend_from_slice(&sync);
    let chunk = body.len() / blocks + 1;
    for part in body.chunks(chunk).take(blocks) {
        // A claimed row count: small and plausible, or anything at all.
        let rows = match steer.byte() % 4 {
            0 => i64::from(steer.byte()) << (steer.byte() % 63),
            _ => i64::from(steer.byte() % 16),
        };
        let Some(packed) = parquetframe_fuzz::compress(codec, part) else { return };
        zigzag(&mut file, rows);
        zigzag(&mut file, packed.len() as i64);
        file.extend_from_slice(&packed);
        file.extend_from_slice(&sync);
    }
    let path = std::env::temp_dir().join(format!("parquetframe-fuzz-schemas-{}.avro", std::process::id()));
    if std::fs::write(&path, &file).is_ok() {
        read_file_every_way(&path);
    }
});
