//! Writes the seed corpora of the fuzz targets (fuzz/): small valid Avro
//! files of the fuzzed types, one per codec, into the directory given as
//! the first argument, and a Parquet file into the second (if given).
//! Run by `scripts/fuzz.sh`; built on the stable toolchain, like the tests.

// The fuzzed types, shared with the fuzz target (one definition).
#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod fuzz_types;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate};
use fuzz_types::{Address, Plan, Shapes};
use parquetframe::avro::Codec;
use parquetframe::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: avro_fuzz_seeds <corpus dir>")?;
    std::fs::create_dir_all(&dir)?;
    let mut rows = Vec::new();
    for i in 0..40i64 {
        rows.push(Shapes {
            id: i,
            small: -(i as i32),
            ratio: i as f64 / 3.0,
            flag: i % 2 == 0,
            name: format!("name-{i}"),
            raw: vec![i as u8; (i % 4) as usize],
            email: (i % 3 != 0).then(|| format!("u{i}@example.org")),
            tags: (0..i % 3).map(|t| format!("t{t}")).collect(),
            counts: BTreeMap::from([(format!("k{i}"), i)]),
            home: Address { city: "Oslo".into(), zip: (i % 2 == 0).then(|| "0150".into()) },
            plan: if i % 2 == 0 { Plan::Free } else { Plan::Pro },
            key: uuid::Uuid::from_u128(i as u128 * 0x1234_5678_9abc),
            price: rust_decimal::Decimal::new(i * 101, 2),
            day: NaiveDate::from_num_days_from_ce_opt(738_000 + i as i32).ok_or("date")?,
            at: DateTime::from_timestamp_micros(1_700_000_000_000_000 + i).ok_or("timestamp")?,
            big: u64::MAX - i as u64,
        });
    }
    for name in Codec::NAMES {
        let Some(codec) = Codec::from_name(name).filter(|c| c.is_available()) else { continue };
        let path = std::path::Path::new(&dir).join(format!("seed-{name}.avro"));
        Shapes::write_file_with(&path, &rows, codec)?;
    }
    if let Some(parquet) = std::env::args().nth(2) {
        std::fs::create_dir_all(&parquet)?;
        Shapes::write_file(std::path::Path::new(&parquet).join("seed.parquet"), &rows)?;
    }
    Ok(())
}
