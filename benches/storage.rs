//! Store benchmark (issue #3): save_all and load_all of `User`-like rows against
//! parquet_derive, serde_arrow + arrow-rs, and the physical reference (ArrowWriter
//! on already-built batches; the arrow-rs reader plus hand-written conversion),
//! all with the same writer settings (zstd level 1, 128K-row row groups); then
//! memory peaks, 1000 single saves into a 1M-row entity, and compaction.
//!
//! `cargo bench --bench storage` (sizes: `BENCH_ROWS=1000000,10000000`).

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use arrow::array::*;
use chrono::NaiveDateTime;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::record::{RecordReader, RecordWriter};
use parquet_derive::{ParquetRecordReader, ParquetRecordWriter};
use parquetframe::prelude::*;
use support::data::{BenchUser, hand_written_from_batch, users};
use support::{compare, report, sizes};

// ---- counting allocator (switched on only while measuring memory) -------------

struct Counting;
static COUNT: AtomicBool = AtomicBool::new(false);
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if COUNT.load(Ordering::Relaxed) && !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if COUNT.load(Ordering::Relaxed) {
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        unsafe { System.dealloc(p, layout) }
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, new) };
        if COUNT.load(Ordering::Relaxed) && !q.is_null() {
            if new > layout.size() {
                let now = CURRENT.fetch_add(new - layout.size(), Ordering::Relaxed) + new - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new, Ordering::Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` with counting on; returns its result and the peak bytes allocated
/// above the level at the start (frees of memory allocated before count as
/// negative, so the figure is a lower bound of the true extra).
fn peak_extra<R>(f: impl FnOnce() -> R) -> (R, usize) {
    CURRENT.store(0, Ordering::SeqCst);
    PEAK.store(0, Ordering::SeqCst);
    COUNT.store(true, Ordering::SeqCst);
    let out = f();
    COUNT.store(false, Ordering::SeqCst);
    (out, PEAK.load(Ordering::SeqCst))
}

// ---- data -------------------------------------------------------------------

/// parquet_derive's reader cannot read `Option` columns and writes timestamps
/// in milliseconds: its struct uses `String` ("" for none) and NaiveDateTime.
#[derive(ParquetRecordWriter, ParquetRecordReader, Default, Debug, Clone)]
pub struct PdUser {
    pub id: i64,
    pub age: i32,
    pub score: f64,
    pub active: bool,
    pub name: String,
    pub email: String,
    pub signup: NaiveDateTime,
}

fn pd_users(rows: &[BenchUser]) -> Vec<PdUser> {
    rows.iter()
        .map(|u| PdUser {
            id: u.id,
            age: u.age,
            score: u.score,
            active: u.active,
            name: u.name.clone(),
            email: u.email.clone().unwrap_or_default(),
            signup: u.signup.naive_utc(),
        })
        .collect()
}

const ROW_GROUP: usize = 128 * 1024;

fn props() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap()))
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .build()
}

fn vec_bytes(rows: &[BenchUser]) -> usize {
    std::mem::size_of_val(rows)
        + rows.iter().map(|u| u.name.capacity() + u.email.as_ref().map_or(0, String::capacity)).sum::<usize>()
}

struct Paths {
    dir: PathBuf,
    counter: std::cell::Cell<usize>,
}

impl Paths {
    fn fresh(&self, what: &str) -> PathBuf {
        let n = self.counter.get();
        self.counter.set(n + 1);
        self.dir.join(format!("{what}-{n}"))
    }
}

fn remove(path: &Path) {
    let _ = std::fs::remove_dir_all(path);
    let _ = std::fs::remove_file(path);
}

fn main() {
    let tmp = std::env::var_os("BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join("parquetframe-bench");
    remove(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let paths = Paths { dir: tmp.clone(), counter: Default::default() };
    let options = parquetframe::StoreOptions::default();
    println!("threads: {}, row groups of {ROW_GROUP} rows, zstd level 1", rayon::current_num_threads());
    let fields: Vec<arrow::datatypes::FieldRef> =
        BenchUser::arrow_schema().fields().iter().cloned().collect();

    for n in sizes(&[1_000_000, 10_000_000]) {
        let rows = users(n);
        let pd = pd_users(&rows);
        let rounds = if n >= 5_000_000 { 3 } else { 5 };
        let batches: Vec<RecordBatch> =
            rows.chunks(ROW_GROUP).map(|c| BenchUser::to_record_batch(c).unwrap()).collect();

        // ---- save_all -----------------------------------------------------
        let save = compare(
            rounds,
            &mut [
                (
                    "reference: ArrowWriter on built batches",
                    Box::new(|| {
                        let path = paths.fresh("ref");
                        let mut w = ArrowWriter::try_new(
                            File::create(&path).unwrap(),
                            BenchUser::arrow_schema(),
                            Some(props()),
                        )
                        .unwrap();
                        for b in &batches {
                            w.write(b).unwrap();
                        }
                        w.into_inner().unwrap().sync_all().unwrap();
                        remove(&path);
                    }),
                ),
                (
                    "parquetframe save_all",
                    Box::new(|| {
                        let root = paths.fresh("store");
                        Store::open_with(&root, options.clone()).unwrap().save_all(&rows).unwrap();
                        remove(&root);
                    }),
                ),
                (
                    "serde_arrow + ArrowWriter",
                    Box::new(|| {
                        let path = paths.fresh("serde");
                        let mut w = ArrowWriter::try_new(
                            File::create(&path).unwrap(),
                            BenchUser::arrow_schema(),
                            Some(props()),
                        )
                        .unwrap();
                        for c in rows.chunks(ROW_GROUP) {
                            w.write(&serde_arrow::to_record_batch(&fields, &c).unwrap()).unwrap();
                        }
                        w.into_inner().unwrap().sync_all().unwrap();
                        remove(&path);
                    }),
                ),
                (
                    "parquet_derive writer",
                    Box::new(|| {
                        let path = paths.fresh("pd");
                        let schema = pd.as_slice().schema().unwrap();
                        let mut w = SerializedFileWriter::new(
                            File::create(&path).unwrap(),
                            schema,
                            Arc::new(props()),
                        )
                        .unwrap();
                        for c in pd.chunks(ROW_GROUP) {
                            let mut rg = w.next_row_group().unwrap();
                            c.write_to_row_group(&mut rg).unwrap();
                            rg.close().unwrap();
                        }
                        w.into_inner().unwrap().sync_all().unwrap();
                        remove(&path);
                    }),
                ),
            ],
        );
        report("save_all", n, &save, &["reference: ArrowWriter on built batches", "parquet_derive writer"]);

        // Files to read: one of each kind.
        let store_root = paths.fresh("store-read");
        let store = Store::open_with(&store_root, options.clone()).unwrap();
        store.save_all(&rows).unwrap();
        let ref_file = paths.fresh("ref-read");
        {
            let mut w = ArrowWriter::try_new(
                File::create(&ref_file).unwrap(),
                BenchUser::arrow_schema(),
                Some(props()),
            )
            .unwrap();
            for b in &batches {
                w.write(b).unwrap();
            }
            w.close().unwrap();
        }
        let pd_file = paths.fresh("pd-read");
        {
            let schema = pd.as_slice().schema().unwrap();
            let mut w = SerializedFileWriter::new(File::create(&pd_file).unwrap(), schema, Arc::new(props()))
                .unwrap();
            for c in pd.chunks(ROW_GROUP) {
                let mut rg = w.next_row_group().unwrap();
                c.write_to_row_group(&mut rg).unwrap();
                rg.close().unwrap();
            }
            w.close().unwrap();
        }
        drop(batches);
        assert_eq!(store.load_all::<BenchUser>().unwrap(), rows);

        // ---- load_all -----------------------------------------------------
        let read_reference = || {
            let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&ref_file).unwrap())
                .unwrap()
                .build()
                .unwrap();
            let mut out = Vec::with_capacity(n);
            for b in reader {
                hand_written_from_batch(&b.unwrap(), &mut out);
            }
            out
        };
        assert_eq!(read_reference(), rows);
        let load = compare(
            rounds,
            &mut [
                (
                    "reference: arrow-rs reader + hand-written conversion",
                    Box::new(|| drop(std::hint::black_box(read_reference()))),
                ),
                (
                    "parquetframe load_all",
                    Box::new(|| drop(std::hint::black_box(store.load_all::<BenchUser>().unwrap()))),
                ),
                (
                    "serde_arrow + arrow-rs reader",
                    Box::new(|| {
                        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&ref_file).unwrap())
                            .unwrap()
                            .build()
                            .unwrap();
                        let mut out: Vec<BenchUser> = Vec::with_capacity(n);
                        for b in reader {
                            out.extend(
                                serde_arrow::from_record_batch::<Vec<BenchUser>>(&b.unwrap()).unwrap(),
                            );
                        }
                        drop(std::hint::black_box(out));
                    }),
                ),
                (
                    "parquet_derive reader",
                    Box::new(|| {
                        let reader = SerializedFileReader::new(File::open(&pd_file).unwrap()).unwrap();
                        let mut out: Vec<PdUser> = Vec::with_capacity(n);
                        for i in 0..reader.num_row_groups() {
                            let mut rg = reader.get_row_group(i).unwrap();
                            let rows_in_group = rg.metadata().num_rows() as usize;
                            let mut part: Vec<PdUser> = Vec::new();
                            part.read_from_row_group(&mut *rg, rows_in_group).unwrap();
                            out.extend(part);
                        }
                        drop(std::hint::black_box(out));
                    }),
                ),
            ],
        );
        report(
            "load_all",
            n,
            &load,
            &["reference: arrow-rs reader + hand-written conversion", "parquet_derive reader"],
        );

        // ---- memory ---------------------------------------------------------
        let (loaded, load_peak) = peak_extra(|| store.load_all::<BenchUser>().unwrap());
        let result = vec_bytes(&loaded);
        drop(loaded);
        let save_root = paths.fresh("store-mem");
        let ((), save_peak) =
            peak_extra(|| Store::open_with(&save_root, options.clone()).unwrap().save_all(&rows).unwrap());
        remove(&save_root);
        println!("\n### memory ({n} rows)\n");
        println!("| measure | bytes | ratio |\n|---|---:|---:|");
        println!("| resulting Vec<BenchUser> (structs + strings) | {:.1} MB | 1.00 |", result as f64 / 1e6);
        println!(
            "| load_all peak allocation | {:.1} MB | {:.2}x the Vec |",
            load_peak as f64 / 1e6,
            load_peak as f64 / result as f64
        );
        println!(
            "| save_all peak extra allocation | {:.1} MB | {:.3}x the input |",
            save_peak as f64 / 1e6,
            save_peak as f64 / result as f64
        );

        finds(&store, n);
        remove(&ref_file);
        remove(&pd_file);
        if n == 1_000_000 {
            single_saves(&store, &rows);
            deletion_vector_loads(&paths.dir, &rows);
        }
        drop(store);
        remove(&store_root);
    }
    remove(&tmp);
}

/// 1000 single `save()` calls (upserts of existing keys) into a 1M-row entity,
/// then load_all before and after compaction, and the copy-on-write alternative.
fn single_saves(store: &Store, rows: &[BenchUser]) {
    let mut latencies = Vec::with_capacity(1000);
    for i in 0..1000usize {
        let mut row = rows[(i * 7919) % rows.len()].clone();
        row.age += 1;
        let start = Instant::now();
        store.save(&row).unwrap();
        latencies.push(start.elapsed());
    }
    latencies.sort();
    let mean = latencies.iter().sum::<std::time::Duration>() / latencies.len() as u32;
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!("\n### 1000 single save() calls into a {}-row entity (upserts: deletion vectors)\n", rows.len());
    println!("| mean | p50 | p90 | p99 | max |\n|---:|---:|---:|---:|---:|");
    println!(
        "| {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.1} ms |",
        mean.as_secs_f64() * 1e3,
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.9).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies[latencies.len() - 1].as_secs_f64() * 1e3
    );
    let files = store.snapshot::<BenchUser>().unwrap().files.len();
    let mut loads = compare(
        3,
        &mut [("load_all before compaction", Box::new(|| drop(store.load_all::<BenchUser>().unwrap())))],
    );
    let start = Instant::now();
    let report_c = store.compact::<BenchUser>().unwrap();
    let compaction = start.elapsed();
    loads.extend(compare(
        3,
        &mut [("load_all after compaction", Box::new(|| drop(store.load_all::<BenchUser>().unwrap())))],
    ));
    println!("\nlive files before compaction: {files}, after: {}", report_c.files_after);
    report("load_all and compaction", rows.len(), &loads, &["load_all after compaction"]);
    println!(
        "\ncompaction of the {}-row entity: {:.0} ms. Copy-on-write would pay about this for every \
         save() that touches the entity's one file, against the deletion-vector mean above.",
        rows.len(),
        compaction.as_secs_f64() * 1e3
    );
}

/// load_all of the same live rows with 0, 1 and 10 data files carrying
/// deletion vectors; then what history and a time-travel read cost.
fn deletion_vector_loads(dir: &Path, rows: &[BenchUser]) {
    let n = rows.len();
    let open = |name: &str| {
        let root = dir.join(name);
        remove(&root);
        Store::open_with(&root, parquetframe::StoreOptions::default()).unwrap()
    };
    // One file, no deletion vector.
    let plain = open("dv0");
    plain.save_all(rows).unwrap();
    // One file whose deletion vector marks 1000 rows (upserted into a second file).
    let one = open("dv1");
    one.save_all(rows).unwrap();
    let upserts: Vec<BenchUser> = (0..1000).map(|i| rows[(i * 997) % n].clone()).collect();
    one.save_all(&upserts).unwrap();
    // Ten files, each with a deletion vector (100 rows of each upserted at once).
    let ten = open("dv10");
    for part in rows.chunks(n.div_ceil(10)) {
        ten.save_all(part).unwrap();
    }
    let spread: Vec<BenchUser> = (0..1000).map(|i| rows[(i * (n / 1000) + 7) % n].clone()).collect();
    ten.save_all(&spread).unwrap();
    let with_dv =
        |s: &Store| s.snapshot::<BenchUser>().unwrap().files.iter().filter(|f| f.deleted > 0).count();
    assert_eq!((with_dv(&plain), with_dv(&one), with_dv(&ten)), (0, 1, 10));
    let loads = compare(
        3,
        &mut [
            (
                "0 files with deletion vectors (1 file)",
                Box::new(|| drop(plain.load_all::<BenchUser>().unwrap())),
            ),
            (
                "1 file with a deletion vector (+1 file)",
                Box::new(|| drop(one.load_all::<BenchUser>().unwrap())),
            ),
            (
                "10 files with deletion vectors (+1 file)",
                Box::new(|| drop(ten.load_all::<BenchUser>().unwrap())),
            ),
        ],
    );
    report("load_all and deletion vectors", n, &loads, &["0 files with deletion vectors (1 file)"]);
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..20 {
            f();
        }
        start.elapsed().as_secs_f64() * 1e3 / 20.0
    };
    let history = time(&mut || drop(ten.history::<BenchUser>().unwrap()));
    let at = chrono::Utc::now();
    let count_now = time(&mut || assert!(ten.count::<BenchUser>().unwrap() > 0));
    let count_then = time(&mut || assert!(ten.as_of(at).count::<BenchUser>().unwrap() > 0));
    let find_then = time(&mut || drop(ten.as_of(at).find::<BenchUser>(&7).unwrap()));
    println!("\n### history and time travel ({} versions)\n", ten.history::<BenchUser>().unwrap().len());
    println!("| operation | mean |\n|---|---:|");
    println!("| store.history() | {history:.2} ms |");
    println!("| count() now | {count_now:.2} ms |");
    println!("| as_of(t).count() | {count_then:.2} ms |");
    println!("| as_of(t).find() | {find_then:.2} ms |");
    for name in ["dv0", "dv1", "dv10"] {
        remove(&dir.join(name));
    }
}

/// Latency of `find` on a single-file entity of `n` rows: row groups whose key
/// statistics exclude the key are skipped, so a lookup reads one row group's
/// key column and one row group.
fn finds(store: &Store, n: usize) {
    let mut hits = Vec::with_capacity(200);
    let mut misses = Vec::with_capacity(50);
    for i in 0..200u64 {
        let key = ((i * 2_654_435_761) % n as u64) as i64;
        let start = Instant::now();
        assert!(store.find::<BenchUser>(&key).unwrap().is_some());
        hits.push(start.elapsed());
    }
    for i in 0..50i64 {
        let start = Instant::now();
        assert!(store.find::<BenchUser>(&(n as i64 + i)).unwrap().is_none());
        misses.push(start.elapsed());
    }
    let stats = |mut v: Vec<std::time::Duration>| {
        v.sort();
        let p = |q: f64| v[((v.len() as f64 * q) as usize).min(v.len() - 1)].as_secs_f64() * 1e3;
        (p(0.5), p(0.99))
    };
    let (h50, h99) = stats(hits);
    let (m50, m99) = stats(misses);
    println!("\n### find on a {n}-row entity (one file, {} row groups)\n", n.div_ceil(ROW_GROUP));
    println!("| lookup | p50 | p99 |\n|---|---:|---:|");
    println!("| existing key | {h50:.2} ms | {h99:.2} ms |");
    println!("| missing key | {m50:.2} ms | {m99:.2} ms |");
}
