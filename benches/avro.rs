//! Avro benchmark (issue #4): write and read of `User`-like rows as Avro
//! container files, all uncompressed, against apache-avro's serde path
//! (`Writer::append_ser`, `Reader` + `from_value`) and fastavro (Python, same
//! file, timed inside Python), with the physical reference: the same rows as
//! uncompressed Parquet through arrow-rs (ArrowWriter; the arrow-rs reader),
//! converted with the same `to_record_batch` / `from_record_batch`.
//!
//! Every writer ends with its file on disk (`fsync`): `write_file` replaces a
//! file atomically and durably, so the peers do the same work.
//!
//! `cargo bench --bench avro` (sizes: `BENCH_ROWS=1000000,10000000`; rounds:
//! `BENCH_ROUNDS`, 9; `BENCH_SAMPLES=1` prints every round; fastavro
//! from `BENCH_PYTHON`, else the venv of `scripts/python-env.sh`).

mod support;

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use apache_avro::{Reader, Writer, from_value};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::properties::WriterProperties;
use parquetframe::avro::Codec;
use parquetframe::prelude::*;
use support::data::{BenchUser, users};
use support::{Measured, compare, compare_prepared, python, report, sizes};

const ROW_GROUP: usize = 128 * 1024;

/// fastavro's median read and write times of `file`, measured in Python.
fn fastavro(python: &Path, file: &Path, rounds: usize) -> Option<(Duration, Duration)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fastavro_bench.py");
    let out = Command::new(python).arg(script).arg(file).arg(rounds.to_string()).output().ok()?;
    if !out.status.success() {
        eprintln!("fastavro failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let get =
        |k: &str| text.lines().find_map(|l| l.strip_prefix(k)).and_then(|v| v.trim().parse::<f64>().ok());
    Some((Duration::from_secs_f64(get("read ")?), Duration::from_secs_f64(get("write ")?)))
}

fn main() {
    // tmpfs by default: the disk's speed, the same for every writer, would drown
    // the encoders' differences (BENCH_DIR=/path measures on that disk instead).
    let dir = support::bench_dir("pf-avro-bench");
    let python = python();
    println!("threads: {}, every file uncompressed, in {}", rayon::current_num_threads(), dir.display());
    let schema = BenchUser::avro_schema();
    for n in sizes(&[1_000_000, 10_000_000]) {
        let rows = users(n);
        // Nine rounds for the Rust writers and readers at every size: at 10M
        // rows the same write took 0.22 to 1.4 s with the memory the VM's host
        // hands back to tmpfs. fastavro, 40 s a pass at 10M and far from its
        // target, runs once there and five times at 1M.
        let rounds = support::env("BENCH_ROUNDS", 9);
        let python_rounds = if n >= 5_000_000 { 1 } else { 5 };
        let ours = dir.join("ours.avro");
        let serde_file = dir.join("serde.avro");
        let parquet_file = dir.join("ref.parquet");
        let props = || WriterProperties::builder().set_max_row_group_row_count(Some(ROW_GROUP)).build();

        // Every writer writes a new file: its previous one is removed, untimed,
        // right before. Otherwise `File::create` truncates and reuses the pages
        // of the old file while `write_file`'s atomic replace needs new ones, and
        // on this VM (free page reporting) pages freed seconds ago come back
        // from the host at 0.2 to 1.2 s per 560 MB: a cost of the machine that
        // fell on one writer only.
        let outputs = [ours.clone(), serde_file.clone(), parquet_file.clone()];
        let mut write = compare_prepared(
            rounds,
            &mut |i| {
                if let Some(p) = outputs.get(i) {
                    let _ = std::fs::remove_file(p);
                }
            },
            &mut [
                (
                    "parquetframe write_file (Avro)",
                    Box::new(|| BenchUser::write_file_with(&ours, &rows, Codec::Null).unwrap()),
                ),
                (
                    "apache-avro append_ser",
                    Box::new(|| {
                        let out = BufWriter::new(File::create(&serde_file).unwrap());
                        let mut w = Writer::new(schema, out).unwrap();
                        for r in &rows {
                            w.append_ser(r).unwrap();
                        }
                        w.into_inner().unwrap().into_inner().unwrap().sync_all().unwrap();
                    }),
                ),
                (
                    "reference: Parquet via arrow-rs",
                    Box::new(|| {
                        let mut w = ArrowWriter::try_new(
                            File::create(&parquet_file).unwrap(),
                            BenchUser::arrow_schema(),
                            Some(props()),
                        )
                        .unwrap();
                        for c in rows.chunks(ROW_GROUP) {
                            w.write(&BenchUser::to_record_batch(c).unwrap()).unwrap();
                        }
                        w.into_inner().unwrap().sync_all().unwrap();
                    }),
                ),
            ],
        );
        let mut read = compare(
            rounds,
            &mut [
                (
                    "parquetframe read_file (Avro)",
                    Box::new(|| assert_eq!(BenchUser::read_file(&ours).unwrap().len(), n)),
                ),
                (
                    "apache-avro Reader + from_value",
                    Box::new(|| {
                        let reader =
                            Reader::new(std::io::BufReader::new(File::open(&serde_file).unwrap())).unwrap();
                        let mut out: Vec<BenchUser> = Vec::with_capacity(n);
                        for v in reader {
                            out.push(from_value(&v.unwrap()).unwrap());
                        }
                        assert_eq!(out.len(), n);
                    }),
                ),
                (
                    "reference: Parquet via arrow-rs",
                    Box::new(|| {
                        let reader =
                            ParquetRecordBatchReaderBuilder::try_new(File::open(&parquet_file).unwrap())
                                .unwrap()
                                .with_batch_size(ROW_GROUP)
                                .build()
                                .unwrap();
                        let mut out: Vec<BenchUser> = Vec::with_capacity(n);
                        for b in reader {
                            out.extend(BenchUser::from_record_batch(&b.unwrap()).unwrap());
                        }
                        assert_eq!(out.len(), n);
                    }),
                ),
            ],
        );
        assert_eq!(BenchUser::read_file(&serde_file).unwrap(), rows, "both Avro writers wrote the same rows");
        if let Some((r, w)) = python.as_deref().and_then(|p| fastavro(p, &ours, python_rounds)) {
            write.push(Measured::external("fastavro writer (Python)", w));
            read.push(Measured::external("fastavro reader (Python)", r));
        } else {
            println!("fastavro: not available (set BENCH_PYTHON)");
        }
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
        println!(
            "\nfile sizes: ours {:.1} MB, apache-avro {:.1} MB, Parquet {:.1} MB",
            size(&ours),
            size(&serde_file),
            size(&parquet_file)
        );
        report("write", n, &write, &["parquetframe write_file (Avro)", "reference: Parquet via arrow-rs"]);
        report("read", n, &read, &["parquetframe read_file (Avro)", "reference: Parquet via arrow-rs"]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
