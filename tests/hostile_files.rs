//! Hostile files: whatever counts a file or a log claims, reading takes time
//! and memory in proportion to its real size, and ends in a clear error
//! naming the file (and the block). Each test here hung, ran out of memory
//! or aborted before the bounds of `avro::limits`, `avro::binary::Input`
//! and `formats::claims` (issue #20, items 1-5).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use parquetframe::avro::binary::{put_bytes as bytes, put_long as zigzag};
use parquetframe::prelude::*;

#[derive(Record, Debug, Clone, PartialEq)]
pub struct Id {
    pub id: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "items/", primary_key = "id")]
pub struct Item {
    pub id: i64,
    pub name: String,
}

const SYNC: [u8; 16] = *b"0123456789abcdef";

/// An Avro container file: `schema`, `codec`, and blocks of (claimed rows, data).
fn container(schema: &str, codec: &str, blocks: &[(i64, Vec<u8>)]) -> Vec<u8> {
    let mut out = b"Obj\x01".to_vec();
    zigzag(&mut out, 2);
    bytes(&mut out, b"avro.schema");
    bytes(&mut out, schema.as_bytes());
    bytes(&mut out, b"avro.codec");
    bytes(&mut out, codec.as_bytes());
    zigzag(&mut out, 0);
    out.extend_from_slice(&SYNC);
    for (rows, data) in blocks {
        zigzag(&mut out, *rows);
        zigzag(&mut out, data.len() as i64);
        out.extend_from_slice(data);
        out.extend_from_slice(&SYNC);
    }
    out
}

fn write(dir: &Path, name: &str, contents: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// Reads `path` through every Avro reader (typed, direct and Arrow) and
/// returns each error; each must come quickly and name the file.
fn errors_of(path: &Path, name: &str) -> Vec<String> {
    let started = Instant::now();
    let errors = vec![
        Id::read_file(path).expect_err("typed read must refuse").to_string(),
        parquetframe::avro::arrow::read_file(path, None).expect_err("Arrow read must refuse").to_string(),
    ];
    for e in &errors {
        assert!(e.contains(name), "the error names the file: {e}");
    }
    // A bound, not a timing claim: before the fix these loops ran for
    // hours or until memory ran out.
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
    errors
}

#[test]
fn a_block_claiming_2_62_rows_of_a_schema_without_fields_is_refused() {
    // Item 1: rows of a schema with no fields take no bytes, so a one-byte
    // claim made the decoder loop 2^62 times, pushing reader placeholders.
    let dir = tempfile::tempdir().unwrap();
    let empty = r#"{"type":"record","name":"Id","fields":[]}"#;
    let path = write(dir.path(), "no_fields.avro", &container(empty, "null", &[(1 << 62, vec![0])]));
    for e in errors_of(&path, "no_fields.avro") {
        assert!(e.contains("block 0") && e.contains("take no bytes"), "{e}");
    }
    // The same claim against a schema whose rows take bytes: the block's size bounds it.
    let long = r#"{"type":"record","name":"Id","fields":[{"name":"id","type":"long"}]}"#;
    let path = write(dir.path(), "lying_rows.avro", &container(long, "null", &[(1 << 62, vec![2, 4])]));
    for e in errors_of(&path, "lying_rows.avro") {
        assert!(e.contains("block 0 claims 4611686018427387904 rows"), "{e}");
    }
    // Compressed: checked against what the block decompresses to.
    let data = zstd::bulk::compress(&[2, 4, 6], 1).unwrap();
    let path = write(dir.path(), "lying_zstd.avro", &container(long, "zstandard", &[(1000, data)]));
    for e in errors_of(&path, "lying_zstd.avro") {
        assert!(e.contains("claims 1000 rows, but its 3 bytes of data hold at most 3"), "{e}");
    }
}

#[test]
fn a_skipped_array_claiming_2_62_items_is_refused() {
    // Item 2: a writer field the reader lacks is skipped; its array of
    // nulls claimed 2^62 items and the skip looped over them.
    let dir = tempfile::tempdir().unwrap();
    let schema = r#"{"type":"record","name":"Id","fields":[
        {"name":"id","type":"long"},
        {"name":"junk","type":{"type":"array","items":"null"}}]}"#;
    let mut datum = Vec::new();
    zigzag(&mut datum, 7);
    zigzag(&mut datum, 1 << 62);
    zigzag(&mut datum, 0);
    let path = write(dir.path(), "skipped.avro", &container(schema, "null", &[(1, datum)]));
    for e in errors_of(&path, "skipped.avro") {
        assert!(e.contains("block 0, row 0") && e.contains("claims 4611686018427387904 items"), "{e}");
    }
}

#[test]
fn zero_width_items_are_bounded_per_datum_not_per_block() {
    // Item 3: each array block had its own allowance of 2^20 zero-width
    // items, so a 1 MiB datum of block headers gave ~2^40 iterations.
    let dir = tempfile::tempdir().unwrap();
    let schema = r#"{"type":"record","name":"Id","fields":[
        {"name":"id","type":"long"},
        {"name":"junk","type":{"type":"array","items":{"type":"record","name":"Empty","fields":[]}}}]}"#;
    let mut datum = Vec::new();
    zigzag(&mut datum, 7);
    for _ in 0..(1 << 18) {
        zigzag(&mut datum, 1 << 20);
    }
    zigzag(&mut datum, 0);
    let path = write(dir.path(), "many_blocks.avro", &container(schema, "null", &[(1, datum)]));
    for e in errors_of(&path, "many_blocks.avro") {
        assert!(e.contains("items, more than the data's"), "{e}");
    }
}

#[test]
fn blocks_inflating_beyond_the_budget_are_refused_one_block_at_a_time() {
    // Item 4: the 256 MiB limit was per block, and a group kept every
    // decompressed block before decoding: ~8 KiB of zstd per 256 MiB. Three
    // blocks of 100 MiB each, from a file of a few KiB, exceed the file's
    // budget (256 MiB, or 1024 times its size).
    let dir = tempfile::tempdir().unwrap();
    let schema = r#"{"type":"record","name":"Id","fields":[
        {"name":"id","type":{"type":"fixed","name":"Pad","size":1024}}]}"#;
    let block = zstd::bulk::compress(&vec![0u8; 100 << 20], 1).unwrap();
    let rows = 100 * 1024;
    let file = container(schema, "zstandard", &[(rows, block.clone()), (rows, block.clone()), (rows, block)]);
    assert!(file.len() < 64 << 10, "the bomb is small: {} bytes", file.len());
    let path = write(dir.path(), "bomb.avro", &file);
    let err = parquetframe::avro::arrow::read_file(&path, None).unwrap_err().to_string();
    assert!(err.contains("bomb.avro") && err.contains("decompression bomb"), "{err}");

    // A block without rows but with data is refused at once.
    let long = r#"{"type":"record","name":"Id","fields":[{"name":"id","type":"long"}]}"#;
    let data = zstd::bulk::compress(&[2, 4, 6], 1).unwrap();
    let path = write(dir.path(), "empty_block.avro", &container(long, "zstandard", &[(0, data)]));
    for e in errors_of(&path, "empty_block.avro") {
        assert!(e.contains("block 0 holds no rows but 3 bytes of data"), "{e}");
    }
}

#[test]
fn a_log_claiming_2_40_rows_for_a_file_allocates_nothing_on_its_word() {
    // Item 5: masks of live rows were sized from the log's numRecords
    // (`vec![true; rows]`): a log claiming 2^40 rows for a file with a
    // deletion vector aborted the process. Now deleted rows are applied
    // to the rows decoded, and only those rows are read.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let items: Vec<Item> = (0..10).map(|id| Item { id, name: format!("n{id}") }).collect();
    store.save_all(&items).unwrap();
    store.delete::<Item>(&3).unwrap();
    // Another writer's commit re-adds the file (with its deletion vector)
    // claiming 2^40 rows; a new version, so every reader replays it.
    let log = dir.path().join("items/_delta_log");
    let mut commits: Vec<PathBuf> = std::fs::read_dir(&log)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json") && !p.to_string_lossy().contains("last_checkpoint")
        })
        .collect();
    commits.sort();
    let newest = std::fs::read_to_string(commits.last().unwrap()).unwrap();
    let add = newest.lines().find(|l| l.starts_with("{\"add\"")).expect("the delete re-adds the file");
    let lied = add.replace("\\\"numRecords\\\":10", "\\\"numRecords\\\":1099511627776");
    assert_ne!(lied, add, "the add action names the file's row count: {add}");
    let version: u64 = commits.last().unwrap().file_stem().unwrap().to_str().unwrap().parse().unwrap();
    std::fs::write(log.join(format!("{:020}.json", version + 1)), format!("{lied}\n")).unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut loaded = store.load_all::<Item>().unwrap();
    loaded.sort_by_key(|i| i.id);
    assert_eq!(loaded.iter().map(|i| i.id).collect::<Vec<_>>(), [0, 1, 2, 4, 5, 6, 7, 8, 9]);
    assert_eq!(store.find::<Item>(&4).unwrap().map(|i| i.name), Some("n4".into()));
}

#[test]
fn parquet_files_that_panic_arrow_or_parquet_are_errors_naming_the_file() {
    // Found by the `parquet_read` fuzz target: a malformed Arrow schema
    // embedded in the footer made arrow-ipc panic (e.g. "Int type with bit
    // width of ... not supported"), and a page in an encoding without its
    // decoder made the parquet crate panic; the reader panicked with them.
    for fixture in
        ["arrow_schema_panic_1.parquet", "arrow_schema_panic_2.parquet", "page_decoder_panic.parquet"]
    {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(fixture);
        let err = Id::read_file(&path).expect_err("a malformed footer must be an error").to_string();
        assert!(err.contains(fixture), "the error names the file: {err}");
    }
}

#[test]
fn a_parquet_page_header_claiming_2_31_booleans_is_refused_without_decoding_it() {
    // Found by the `parquet_read` fuzz target: an unknown field of a page
    // header, a list of booleans claiming ~2^31 elements in five bytes, which
    // the parquet crate skips as zero bytes each; the file's lists kept
    // `read_file` busy for more than a minute. The structures are now walked
    // with bounded work first (`formats::thrift_walk`).
    let fixture = "parquet_thrift_skip_hang.parquet";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(fixture);
    let started = Instant::now();
    let err = Id::read_file(&path).expect_err("the page header must be refused").to_string();
    assert!(err.contains(fixture), "the error names the file: {err}");
    let Err(err) = parquetframe::formats::parquet::DataFile::open(&path) else {
        panic!("opening walks the page headers")
    };
    let err = err.to_string();
    assert!(err.contains("page header"), "the error names the structure: {err}");
    // A bound, not a timing claim: before the walk this ran for minutes.
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
}
