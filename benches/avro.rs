//! Avro benchmark (issues #4, #20): write and read of `User`-like rows as
//! Avro container files, all uncompressed, against apache-avro's serde path
//! (`Writer::append_ser`, `Reader` + `from_value`), arrow-rs's `arrow-avro`
//! (its `AvroWriter` from record batches, its `Reader` to record batches,
//! on the same file as ours; timed alone and with the conversion to and from
//! structs) and fastavro (Python, same file, timed inside Python), with the
//! physical reference: the same rows as uncompressed Parquet through arrow-rs
//! (ArrowWriter; the arrow-rs reader), converted with the same
//! `to_record_batch` / `from_record_batch`. Last, hostile files through
//! both Avro readers (ours and arrow-avro), each under a time limit.
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
use arrow::array::RecordBatch;
use arrow_avro::codec::Tz;
use arrow_avro::reader::ReaderBuilder;
use arrow_avro::writer::WriterBuilder;
use arrow_avro::writer::format::AvroOcfFormat;
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
        let arrow_avro_file = dir.join("arrow-avro.avro");
        // arrow-avro writes record batches: the same batches, made untimed,
        // for its codec alone (the conversion is timed in the next candidate).
        let batches: Vec<RecordBatch> =
            rows.chunks(ROW_GROUP).map(|c| BenchUser::to_record_batch(c).unwrap()).collect();
        let arrow_avro_write = |batches: &mut dyn Iterator<Item = RecordBatch>| {
            let out = BufWriter::with_capacity(1 << 20, File::create(&arrow_avro_file).unwrap());
            let mut w = WriterBuilder::new(BenchUser::arrow_schema().as_ref().clone())
                .build::<_, AvroOcfFormat>(out)
                .unwrap();
            for b in batches {
                w.write(&b).unwrap();
            }
            w.finish().unwrap();
            w.into_inner().into_inner().unwrap().sync_all().unwrap();
        };
        let props = || WriterProperties::builder().set_max_row_group_row_count(Some(ROW_GROUP)).build();

        // Every writer writes a new file: its previous one is removed, untimed,
        // right before. Otherwise `File::create` truncates and reuses the pages
        // of the old file while `write_file`'s atomic replace needs new ones, and
        // on this VM (free page reporting) pages freed seconds ago come back
        // from the host at 0.2 to 1.2 s per 560 MB: a cost of the machine that
        // fell on one writer only.
        // In the order of the writers below.
        let outputs = [
            ours.clone(),
            serde_file.clone(),
            arrow_avro_file.clone(),
            arrow_avro_file.clone(),
            parquet_file.clone(),
        ];
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
                    "arrow-avro AvroWriter (batches)",
                    Box::new(|| arrow_avro_write(&mut batches.iter().cloned())),
                ),
                (
                    "arrow-avro AvroWriter (structs)",
                    Box::new(|| {
                        arrow_avro_write(
                            &mut rows.chunks(ROW_GROUP).map(|c| BenchUser::to_record_batch(c).unwrap()),
                        )
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
                    "parquetframe avro::arrow::read_file (batches)",
                    Box::new(|| {
                        let (_, batches) = parquetframe::avro::arrow::read_file(&ours, None).unwrap();
                        assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), n);
                    }),
                ),
                (
                    "arrow-avro Reader (batches)",
                    Box::new(|| {
                        let rows: usize = arrow_avro_read(&ours).map(|b| b.unwrap().num_rows()).sum();
                        assert_eq!(rows, n);
                    }),
                ),
                (
                    "arrow-avro Reader (structs)",
                    Box::new(|| {
                        let mut out: Vec<BenchUser> = Vec::with_capacity(n);
                        for b in arrow_avro_read(&ours) {
                            out.extend(BenchUser::from_record_batch(&b.unwrap()).unwrap());
                        }
                        assert_eq!(out.len(), n);
                    }),
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
        // arrow-avro reads our file to the same rows, and its own file to the same values.
        let theirs: Vec<BenchUser> =
            arrow_avro_read(&ours).flat_map(|b| BenchUser::from_record_batch(&b.unwrap()).unwrap()).collect();
        assert_eq!(theirs, rows, "arrow-avro reads our file to the same rows");
        let own: usize = arrow_avro_read(&arrow_avro_file).map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(own, n, "arrow-avro reads its own file");
        if let Some((r, w)) = python.as_deref().and_then(|p| fastavro(p, &ours, python_rounds)) {
            write.push(Measured::external("fastavro writer (Python)", w));
            read.push(Measured::external("fastavro reader (Python)", r));
        } else {
            println!("fastavro: not available (set BENCH_PYTHON)");
        }
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
        println!(
            "\nfile sizes: ours {:.1} MB, apache-avro {:.1} MB, arrow-avro {:.1} MB, Parquet {:.1} MB",
            size(&ours),
            size(&serde_file),
            size(&arrow_avro_file),
            size(&parquet_file)
        );
        report("write", n, &write, &["parquetframe write_file (Avro)", "arrow-avro AvroWriter (structs)"]);
        report(
            "read",
            n,
            &read,
            &["parquetframe read_file (Avro)", "parquetframe avro::arrow::read_file (batches)"],
        );
    }
    hostile(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}

/// arrow-avro's reader over `path`, timestamps in UTC like the struct's.
fn arrow_avro_read(path: &Path) -> arrow_avro::reader::Reader<std::io::BufReader<File>> {
    let file = std::io::BufReader::with_capacity(1 << 20, File::open(path).unwrap());
    ReaderBuilder::new().with_batch_size(ROW_GROUP).with_tz(Tz::Utc).build(file).unwrap()
}

/// An Avro container of `schema` (null codec) with blocks of (claimed rows, data).
fn container(schema: &str, blocks: &[(i64, Vec<u8>)]) -> Vec<u8> {
    use parquetframe::avro::binary::{put_bytes, put_long};
    let sync = *b"0123456789abcdef";
    let mut out = b"Obj\x01".to_vec();
    put_long(&mut out, 2);
    put_bytes(&mut out, b"avro.schema");
    put_bytes(&mut out, schema.as_bytes());
    put_bytes(&mut out, b"avro.codec");
    put_bytes(&mut out, b"null");
    put_long(&mut out, 0);
    out.extend_from_slice(&sync);
    for (rows, data) in blocks {
        put_long(&mut out, *rows);
        put_long(&mut out, data.len() as i64);
        out.extend_from_slice(data);
        out.extend_from_slice(&sync);
    }
    out
}

/// Hostile files through both Avro readers, each on a thread given 20
/// seconds: what each does (an error, rows, or still running). A reader
/// still running when the benchmark ends is left behind (the process exits).
fn hostile(dir: &Path) {
    let record = r#"{"type":"record","name":"r","fields":[{"name":"id","type":"long"}]}"#;
    let empty = r#"{"type":"record","name":"e","fields":[]}"#;
    let cases: [(&str, Vec<u8>); 3] = [
        // Two rows' bytes in a block that claims one.
        ("a block holding more rows than it claims", container(record, &[(1, vec![2, 4])])),
        // 2^40 rows of a schema whose rows take no bytes, in one byte.
        ("a block claiming 2^40 rows of no bytes", container(empty, &[(1 << 40, vec![0])])),
        // A row count far beyond the block's bytes.
        ("a block claiming 2^40 rows in 2 bytes", container(record, &[(1 << 40, vec![2, 4])])),
    ];
    println!("\nhostile files (20 s each):");
    for (name, bytes) in cases {
        let path = dir.join("hostile.avro");
        std::fs::write(&path, &bytes).unwrap();
        let ours = {
            let path = path.clone();
            limited(move || match parquetframe::avro::arrow::read_file(&path, None) {
                Ok((_, b)) => format!("{} rows", b.iter().map(|b| b.num_rows()).sum::<usize>()),
                Err(e) => format!("error: {e}"),
            })
        };
        let theirs = limited(move || {
            let file = std::io::BufReader::new(File::open(&path).unwrap());
            match ReaderBuilder::new().build(file) {
                Err(e) => format!("error: {e}"),
                Ok(reader) => {
                    let mut rows = 0usize;
                    for b in reader {
                        match b {
                            Ok(b) => rows += b.num_rows(),
                            Err(e) => return format!("error after {rows} rows: {e}"),
                        }
                    }
                    format!("{rows} rows")
                }
            }
        });
        println!("  {name}:\n    parquetframe: {ours}\n    arrow-avro:   {theirs}");
    }
}

/// `f`'s answer, or what it was doing after 20 seconds (it panicked, or still runs).
fn limited(f: impl FnOnce() -> String + Send + 'static) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let started = std::time::Instant::now();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .unwrap_or_else(|_| "panicked".to_owned());
        let _ = tx.send(format!("{outcome} ({:.0?})", started.elapsed()));
    });
    rx.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|_| "still running after 20 s".to_owned())
}
