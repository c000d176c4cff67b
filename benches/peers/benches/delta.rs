//! Delta Lake benchmark (issue #18), one run, ratios printed: the store
//! against delta-rs's own operations (deltalake-core, with its DataFusion
//! feature) on the same rows, in the same directory.
//!
//! - `save_all` of `BENCH_ROWS` new rows (default 1M) into a new entity,
//!   against a raw `ArrowWriter` of the same batches and deltalake-core's
//!   `WriteBuilder` (same codec, zstd level 1, and row-group size);
//! - one-row `save()` (an upsert of an existing key) into that entity,
//!   against deltalake-core's `MergeBuilder` upsert of the same row (a
//!   `MERGE` on the key: matched rows updated, others inserted).
//!
//! The store syncs every file it writes; deltalake-core's local object store
//! does not, so the comparison favours delta-rs.
//!
//! `cargo bench -p parquetframe-peers --bench delta` (`BENCH_ROWS`,
//! `BENCH_SAVES` one-row saves, `BENCH_MERGES` merges; files under the
//! temporary directory: a disk, so syncs cost what they cost).

#[allow(dead_code)] // the shared harness has more than this benchmark uses
#[path = "../../support/mod.rs"]
mod support;

use std::fs::File;
use std::time::{Duration, Instant};

use arrow::array::RecordBatch;
use datafusion::prelude::SessionContext;
use deltalake_core::DeltaTable;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquetframe::prelude::*;
use support::data::{BenchUser, users};
use support::{compare, env, report, sizes};

const ROW_GROUP: usize = 128 * 1024;

fn props() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap()))
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .build()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

fn url(dir: &std::path::Path) -> url::Url {
    url::Url::from_directory_path(dir).unwrap()
}

/// A new Delta table of `batches` written by deltalake-core.
async fn delta_write(dir: &std::path::Path, batches: Vec<RecordBatch>) -> DeltaTable {
    std::fs::create_dir_all(dir).unwrap();
    let table = DeltaTable::try_from_url(url(dir)).await.unwrap();
    table.write(batches).with_writer_properties(props()).await.unwrap()
}

/// deltalake-core's upsert of `row`: MERGE on the key.
async fn delta_merge(table: DeltaTable, row: RecordBatch) -> DeltaTable {
    let source = SessionContext::new().read_batch(row.clone()).unwrap();
    let columns: Vec<String> = row.schema().fields().iter().map(|f| f.name().clone()).collect();
    let (table, _) = table
        .merge(source, "target.id = source.id")
        .with_source_alias("source")
        .with_target_alias("target")
        .with_writer_properties(props())
        .when_matched_update(|mut update| {
            for c in columns.iter().filter(|c| *c != "id") {
                update = update.update(c.as_str(), format!("source.{c}"));
            }
            update
        })
        .unwrap()
        .when_not_matched_insert(|mut insert| {
            for c in &columns {
                insert = insert.set(c.as_str(), format!("source.{c}"));
            }
            insert
        })
        .unwrap()
        .await
        .unwrap();
    table
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)].as_secs_f64() * 1e3
}

fn main() {
    let base = std::env::temp_dir().join("parquetframe-delta-bench");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let rt = runtime();
    let counter = std::cell::Cell::new(0usize);
    let fresh = |name: &str| {
        counter.set(counter.get() + 1);
        let dir = base.join(format!("{name}-{}", counter.get()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    };
    println!("threads: {}, zstd level 1, row groups of {ROW_GROUP} rows", rayon::current_num_threads());
    for n in sizes(&[1_000_000]) {
        let rows = users(n);
        let batches: Vec<RecordBatch> =
            rows.chunks(ROW_GROUP).map(|c| BenchUser::to_record_batch(c).unwrap()).collect();
        let rounds = env("BENCH_ROUNDS", 3);

        // ---- save_all ---------------------------------------------------
        let results = compare(
            rounds,
            &mut [
                (
                    "reference: ArrowWriter on built batches",
                    Box::new(|| {
                        let dir = fresh("ref");
                        std::fs::create_dir_all(&dir).unwrap();
                        let file = File::create(dir.join("data.parquet")).unwrap();
                        let mut w =
                            ArrowWriter::try_new(file, BenchUser::arrow_schema(), Some(props())).unwrap();
                        for b in &batches {
                            w.write(b).unwrap();
                        }
                        w.into_inner().unwrap().sync_all().unwrap();
                        let _ = std::fs::remove_dir_all(&dir);
                    }),
                ),
                (
                    "parquetframe save_all",
                    Box::new(|| {
                        let dir = fresh("store");
                        Store::open(&dir).unwrap().save_all(&rows).unwrap();
                        let _ = std::fs::remove_dir_all(&dir);
                    }),
                ),
                (
                    "deltalake-core WriteBuilder",
                    Box::new(|| {
                        let dir = fresh("delta");
                        rt.block_on(delta_write(&dir, batches.clone()));
                        let _ = std::fs::remove_dir_all(&dir);
                    }),
                ),
            ],
        );
        report(
            &format!("save_all of {n} new rows"),
            n,
            &results,
            &["reference: ArrowWriter on built batches", "deltalake-core WriteBuilder"],
        );

        // ---- one-row upsert -----------------------------------------------
        let saves = env("BENCH_SAVES", 300);
        let merges = env("BENCH_MERGES", 5);
        let store_dir = fresh("store-upserts");
        let store = Store::open(&store_dir).unwrap();
        store.save_all(&rows).unwrap();
        let changed = |i: usize| {
            let mut row = rows[(i * 7919) % rows.len()].clone();
            row.age += 1;
            row
        };
        for i in 0..20 {
            store.save(&changed(saves + merges + i)).unwrap(); // warm-up
        }
        let mut ours: Vec<Duration> = (0..saves)
            .map(|i| {
                let row = changed(i);
                let start = Instant::now();
                store.save(&row).unwrap();
                start.elapsed()
            })
            .collect();
        ours.sort();
        drop(store);
        let _ = std::fs::remove_dir_all(&store_dir);

        let delta_dir = fresh("delta-upserts");
        let mut table = rt.block_on(delta_write(&delta_dir, batches.clone()));
        let mut theirs = Vec::with_capacity(merges);
        for i in 0..merges {
            let row = BenchUser::to_record_batch(&[changed(i)]).unwrap();
            let start = Instant::now();
            table = rt.block_on(delta_merge(table, row));
            theirs.push(start.elapsed());
        }
        theirs.sort();
        let _ = std::fs::remove_dir_all(&delta_dir);

        println!("\n### one-row upsert into a {n}-row entity\n");
        println!("| implementation | calls | p50 | p99 | ratio (p50) |\n|---|---:|---:|---:|---:|");
        let (ours_p50, theirs_p50) = (percentile(&ours, 0.5), percentile(&theirs, 0.5));
        println!(
            "| parquetframe save() | {saves} | {ours_p50:.2} ms | {:.2} ms | 1.00x |",
            percentile(&ours, 0.99)
        );
        println!(
            "| deltalake-core MergeBuilder | {merges} | {theirs_p50:.1} ms | {:.1} ms | {:.1}x slower |",
            percentile(&theirs, 0.99),
            theirs_p50 / ours_p50
        );
        // For scripts/bench-delta.sh.
        println!(
            "delta_peers rows={n} save_p50_ms={ours_p50:.3} save_p99_ms={:.3} merge_p50_ms={theirs_p50:.3}",
            percentile(&ours, 0.99)
        );
    }
    let _ = std::fs::remove_dir_all(&base);
}
