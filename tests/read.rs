//! `parquetframe::read`: every format by extension and by content, directories,
//! the DataFrameProxy operations on every engine, writing results back as
//! Parquet and Avro, and errors that name the file.

use parquetframe::engine::{Engine, FileFormat, JoinKind, col, len, lit};
use parquetframe::polars::prelude::*;
use parquetframe::prelude::Record;
use parquetframe::{Error, QueryError, read};

#[derive(parquetframe::Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "people/", primary_key = "id")]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub city: Option<String>,
    pub score: f64,
}

fn people() -> Vec<Person> {
    (0..50)
        .map(|i| Person {
            id: i,
            name: format!("p{i}"),
            city: if i % 5 == 0 { None } else { Some(["Oslo", "Lima", "Pune"][(i % 3) as usize].to_owned()) },
            score: (i * 3 % 11) as f64,
        })
        .collect()
}

fn frame(rows: &[Person]) -> DataFrame {
    parquetframe::engine::batches_to_frame(&Person::arrow_schema(), &[Person::to_record_batch(rows).unwrap()])
        .unwrap()
}

/// The same rows in every format, as files named with and without extension.
fn files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, FileFormat)> {
    let rows = people();
    let parquet = dir.join("people.parquet");
    Person::write_file(&parquet, &rows).unwrap();
    let avro = dir.join("people.avro");
    Person::write_file(&avro, &rows).unwrap();
    let mut df = frame(&rows);
    let csv = dir.join("people.csv");
    CsvWriter::new(std::fs::File::create(&csv).unwrap()).finish(&mut df).unwrap();
    let ndjson = dir.join("people.ndjson");
    JsonWriter::new(std::fs::File::create(&ndjson).unwrap())
        .with_json_format(JsonFormat::JsonLines)
        .finish(&mut df)
        .unwrap();
    let ipc = dir.join("people.arrow");
    IpcWriter::new(std::fs::File::create(&ipc).unwrap()).finish(&mut df).unwrap();
    let mut out = vec![
        (parquet, FileFormat::Parquet),
        (avro, FileFormat::Avro),
        (csv, FileFormat::Csv),
        (ndjson, FileFormat::Ndjson),
        (ipc, FileFormat::Ipc),
    ];
    // The same files without extension: detected by their first bytes.
    for (path, format) in out.clone() {
        let bare =
            dir.join(format!("bare-{}", path.file_stem().unwrap().to_string_lossy())).with_extension("");
        let bare = bare.with_file_name(
            format!("{}-{format}", bare.file_name().unwrap().to_string_lossy()).replace(' ', "_"),
        );
        std::fs::copy(&path, &bare).unwrap();
        out.push((bare, format));
    }
    out
}

fn as_people(df: &DataFrame) -> Vec<Person> {
    let mut rows =
        parquetframe::engine::DataFrameProxy::from_frame(df.clone()).to_entities::<Person>().unwrap();
    rows.sort_by_key(|p| p.id);
    rows
}

#[test]
fn every_format_reads_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    for (path, format) in files(dir.path()) {
        assert_eq!(FileFormat::detect(&path).unwrap(), format, "{}", path.display());
        let df = read(&path).unwrap().collect().unwrap();
        let df = df.select(["id", "name", "city", "score"]).unwrap();
        assert_eq!(as_people(&df), people(), "{}", path.display());
    }
}

#[test]
fn proxy_operations_agree_on_every_engine_and_format() {
    let dir = tempfile::tempdir().unwrap();
    let rows = people();
    let expected_total: f64 =
        rows.iter().filter(|p| p.score > 2.0 && p.city.is_some()).map(|p| p.score * 2.0).sum();
    for (path, _) in files(dir.path()).into_iter().take(5) {
        let mut seen = Vec::new();
        for engine in Engine::ALL {
            let df = read(&path)
                .unwrap()
                .engine(engine)
                .filter(col("score").gt(2.0).and(col("city").is_not_null()))
                .with_column((col("score") * lit(2.0)).alias("double"))
                .group_by([col("city")])
                .agg([col("double").sum().alias("total"), len().alias("n")])
                .sort([col("city").asc()])
                .collect()
                .unwrap();
            let total: f64 = df.column("total").unwrap().f64().unwrap().sum().unwrap();
            assert!((total - expected_total).abs() < 1e-9, "{engine} {}", path.display());
            seen.push(df);
        }
        assert!(seen.windows(2).all(|w| w[0].equals_missing(&w[1])), "{}: {seen:?}", path.display());
    }
}

#[test]
fn select_sort_limit_join() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("people.parquet");
    Person::write_file(&path, &people()).unwrap();
    let top = read(&path)
        .unwrap()
        .select([col("id"), col("score")])
        .sort([col("score").desc(), col("id").asc()])
        .limit(3)
        .collect()
        .unwrap();
    assert_eq!(top.get_column_names(), ["id", "score"]);
    let ids: Vec<i64> = top.column("id").unwrap().i64().unwrap().into_no_null_iter().collect();
    let mut expected = people();
    expected.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    assert_eq!(ids, expected.iter().take(3).map(|p| p.id).collect::<Vec<_>>());

    // Join with a small in-memory table of cities.
    let cities = df!("city" => ["Oslo", "Lima"], "country" => ["NO", "PE"]).unwrap();
    let joined = read(&path)
        .unwrap()
        .join(parquetframe::engine::DataFrameProxy::from_frame(cities), ["city"], ["city"], JoinKind::Inner)
        .collect()
        .unwrap();
    assert_eq!(
        joined.height(),
        people().iter().filter(|p| matches!(p.city.as_deref(), Some("Oslo" | "Lima"))).count()
    );
    let anti = read(&path)
        .unwrap()
        .join(
            parquetframe::engine::DataFrameProxy::from_frame(df!("id" => [1i64, 2, 3]).unwrap()),
            ["id"],
            ["id"],
            JoinKind::Anti,
        )
        .collect()
        .unwrap();
    assert_eq!(anti.height(), 47);
}

#[test]
fn directories_hold_one_format() {
    let dir = tempfile::tempdir().unwrap();
    let rows = people();
    std::fs::create_dir(dir.path().join("part=1")).unwrap();
    Person::write_file(dir.path().join("a.parquet"), &rows[..20]).unwrap();
    Person::write_file(dir.path().join("part=1/b.parquet"), &rows[20..]).unwrap();
    std::fs::write(dir.path().join("_SUCCESS"), b"").unwrap();
    std::fs::write(dir.path().join(".hidden"), b"x").unwrap();
    let df = read(dir.path()).unwrap().collect().unwrap();
    assert_eq!(as_people(&df), rows);

    Person::write_file(dir.path().join("c.avro"), &rows[..1]).unwrap();
    let err = read(dir.path()).err().unwrap();
    let text = err.to_string();
    assert!(matches!(err, Error::Query(QueryError::Format { .. })), "{err:?}");
    assert!(text.contains("mixes formats") && text.contains("c.avro"), "{text}");

    // A Delta table's files hold replaced and deleted rows: refused, named.
    std::fs::create_dir(dir.path().join("_delta_log")).unwrap();
    let text = read(dir.path()).err().unwrap().to_string();
    assert!(text.contains("Delta Lake table") && text.contains(&dir.path().display().to_string()), "{text}");
}

#[test]
fn unknown_and_broken_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk");
    std::fs::write(&junk, [0u8, 1, 2, 3, 4, 5]).unwrap();
    let text = read(&junk).err().unwrap().to_string();
    assert!(text.contains("junk") && text.contains("unknown format"), "{text}");

    let missing = dir.path().join("nope.parquet");
    let text = read(&missing).err().unwrap().to_string();
    assert!(text.contains("nope.parquet"), "{text}");

    let broken = dir.path().join("broken.parquet");
    std::fs::write(&broken, b"PAR1 not really").unwrap();
    let text = read(&broken).err().unwrap().to_string();
    assert!(text.contains("broken.parquet"), "{text}");

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(read(&empty).err().unwrap().to_string().contains("no data files"));

    // A column that is not there: polars' message names it.
    let path = dir.path().join("people.parquet");
    Person::write_file(&path, &people()).unwrap();
    let text = read(&path).unwrap().select([col("nope")]).collect().err().unwrap().to_string();
    assert!(text.contains("nope"), "{text}");
}

#[test]
fn results_write_as_parquet_and_avro_and_become_entities() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("people.csv");
    let mut df = frame(&people());
    CsvWriter::new(std::fs::File::create(&src).unwrap()).finish(&mut df).unwrap();
    let query = read(&src).unwrap().filter(col("id").lt(10));

    let parquet = dir.path().join("out.parquet");
    assert_eq!(query.write_parquet(&parquet).unwrap(), 10);
    assert_eq!(Person::read_file(&parquet).unwrap(), people()[..10].to_vec());

    // Avro with a derived schema (CSV gives i64, str, f64 columns), then with the entity's.
    let avro = dir.path().join("out.avro");
    assert_eq!(query.write_avro(&avro, parquetframe::avro::Codec::Snappy, None).unwrap(), 10);
    assert_eq!(as_people(&read(&avro).unwrap().collect().unwrap()), people()[..10].to_vec());
    let typed = dir.path().join("typed.avro");
    query.write_avro(&typed, parquetframe::avro::Codec::Null, Some(Person::avro_schema())).unwrap();
    assert_eq!(Person::read_file(&typed).unwrap(), people()[..10].to_vec());

    assert_eq!(query.to_entities::<Person>().unwrap(), people()[..10].to_vec());
    let err = read(&src).unwrap().select([col("id")]).to_entities::<Person>().err().unwrap();
    assert!(err.to_string().contains("name"), "{err}");
}

#[test]
fn the_memory_engine_caches_until_a_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("people.parquet");
    Person::write_file(&path, &people()).unwrap();
    let q = || read(&path).unwrap().filter(col("id").ge(0));
    assert!(!q().explain().unwrap().choice.figures.cached);
    assert_eq!(q().engine(Engine::Memory).collect().unwrap().height(), 50);
    let e = q().explain().unwrap();
    assert!(e.choice.figures.cached, "{e}");
    std::thread::sleep(std::time::Duration::from_millis(20));
    Person::write_file(&path, &people()[..7]).unwrap();
    assert_eq!(q().engine(Engine::Memory).collect().unwrap().height(), 7);
}
