//! The distributed engine (feature `distributed`).
//!
//! Tests marked `#[ignore]` need a Ballista cluster; the project's script
//! starts one on loopback (a scheduler, two executors), runs them, and
//! stops it:
//!
//! ```text
//! scripts/cluster.sh run cargo test --workspace --all-features --test distributed -- --include-ignored
//! ```
//!
//! They are the engine-equivalence suite of the local engines (typed
//! filters, predicates, sorting and paging, group-bys, joins along a
//! relation, untyped files, an Avro entity) run on `Engine::Distributed` and compared with
//! the local engines' answers, over a store with upserts and deletes in
//! several files. The others need no cluster: availability, explain, errors.
//!
//! With `PF_DISTRIBUTED_IN=bucket`, under `scripts/s3.sh run` as well, the
//! suite's stores live in the S3 test bucket and the executors read them
//! there (`.ci/run` runs the suite both ways):
//!
//! ```text
//! PF_DISTRIBUTED_IN=bucket scripts/s3.sh run scripts/cluster.sh run cargo test --workspace --all-features --test distributed -- --include-ignored
//! ```

use chrono::{DateTime, TimeZone, Utc};
use parquetframe::engine::{
    Engine, EngineRegistry, Expr, Interval, JoinKind, ScalarType, col, len, lit, when,
};
use parquetframe::polars::prelude::{DataFrame, SortMultipleOptions};
use parquetframe::prelude::*;
use parquetframe::{Error, QueryError, read};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub age: i32,
    pub signup: DateTime<Utc>,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "orders/", primary_key = "order_id")]
pub struct Order {
    pub order_id: i64,
    #[relation(User, inverse = "orders")]
    pub user_id: i64,
    pub amount: f64,
}

/// An Avro entity (zstd blocks): the executors read it with arrow-avro.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "notes/", primary_key = "id", format = "avro", codec = "zstd")]
pub struct Note {
    pub id: i64,
    pub text: String,
    pub tag: Option<String>,
    pub words: u32,
    pub score: f64,
    pub pinned: bool,
    pub at: DateTime<Utc>,
    pub day: chrono::NaiveDate,
    #[relation(User, inverse = "notes")]
    pub user_id: i64,
}

fn note(i: i64) -> Note {
    Note {
        id: i,
        text: format!("note {i}"),
        tag: (i % 4 != 0).then(|| ["red", "green", "blue"][(i % 3) as usize].to_owned()),
        words: (i * 13 % 200) as u32,
        score: i as f64 / 8.0,
        pinned: i % 5 == 0,
        at: Utc.timestamp_opt(1_700_000_000 + i * 3_600, 0).unwrap(),
        day: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(i as u64 % 90),
        user_id: i % 140,
    }
}

/// Columns Delta Lake has no type for: the files hold them as Delta types,
/// which the executors read and cast back.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "readings/", primary_key = "id")]
pub struct Reading {
    pub id: u64,
    pub small: u8,
    pub wide: Option<u32>,
    pub at: chrono::NaiveTime,
    pub took: chrono::TimeDelta,
    pub tag: uuid::Uuid,
    pub counts: Vec<u64>,
}

fn reading(i: u64, v: u64) -> Reading {
    Reading {
        id: if i == 0 { u64::MAX } else { i * 1_000_003 },
        small: 255 - v as u8,
        wide: (!i.is_multiple_of(3)).then_some(u32::MAX - i as u32),
        at: chrono::NaiveTime::from_num_seconds_from_midnight_opt(86_399 - i as u32, 999_999_000).unwrap(),
        took: chrono::TimeDelta::microseconds(-(i as i64) * 1_234_567),
        tag: uuid::Uuid::from_u128(u128::MAX - u128::from(i)),
        counts: vec![u64::MAX, i, v],
    }
}

const NAMES: [&str; 6] = ["Ada", "Alan", "Barbara", "Grace", "Anita", "Edsger"];

fn user(i: i64) -> User {
    User {
        user_id: i,
        name: format!("{} {i}", NAMES[(i % 6) as usize]),
        email: (i % 3 != 0).then(|| format!("u{i}@example.org")),
        age: 18 + (i * 7 % 50) as i32,
        signup: Utc.timestamp_opt(1_600_000_000 + i * 86_400, 0).unwrap(),
    }
}

/// The cluster the script started, if any.
fn cluster() -> Option<String> {
    std::env::var("PARQUETFRAME_CLUSTER").ok().filter(|s| !s.is_empty())
}

/// Where the store of the test whose temporary directory is `dir` lives:
/// in `dir`, or, when `PF_DISTRIBUTED_IN=bucket` (`.ci/run` runs the suite
/// both ways), under a prefix of the S3 test bucket (`PF_TEST_S3`) named
/// after `dir`; exported files stay in `dir` either way.
fn root_of(dir: &std::path::Path) -> String {
    match std::env::var("PF_DISTRIBUTED_IN").as_deref() {
        Ok("bucket") => {
            let bucket = std::env::var("PF_TEST_S3").expect("PF_DISTRIBUTED_IN=bucket needs PF_TEST_S3");
            let name = dir.file_name().unwrap().to_string_lossy().trim_start_matches('.').to_owned();
            format!("{}/distributed-{name}", bucket.trim_end_matches('/'))
        }
        _ => dir.display().to_string(),
    }
}

fn open(dir: &std::path::Path) -> Store {
    let root = root_of(dir);
    let mut b = Store::builder().root(root.as_str()).isolated();
    if let Some(address) = cluster() {
        b = b.cluster(address);
    }
    b.open().unwrap()
}

/// Users in three files with upserts and deletes (rows masked by newer
/// files), orders in two files, one order upserted; two orphan orders.
fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    fill(&store);
    (dir, store)
}

fn fill(store: &Store) {
    store.save_all(&(1..=120).map(user).collect::<Vec<_>>()).unwrap();
    let mut changed: Vec<User> = (100..=130).map(user).collect();
    for u in &mut changed {
        u.age += 1;
    }
    store.save_all(&changed).unwrap();
    store.delete_all::<User>(&[5, 50, 125]).unwrap();
    let orders: Vec<Order> = (1..=400)
        .map(|i| Order { order_id: i, user_id: 1 + (i * 7 % 130), amount: (i % 17) as f64 * 2.5 })
        .filter(|o| ![50, 125].contains(&o.user_id))
        .collect();
    store.save_all(&orders).unwrap();
    store.save(&Order { order_id: 7, user_id: 2, amount: 99.5 }).unwrap();
}

fn sorted(mut users: Vec<User>) -> Vec<User> {
    users.sort_by_key(|u| u.user_id);
    users
}

fn sort_frame(df: DataFrame, by: &[&str]) -> DataFrame {
    df.sort(by.iter().map(|s| s.to_string()).collect::<Vec<_>>(), SortMultipleOptions::default()).unwrap()
}

/// The same frame from the cluster and from every local engine.
fn agree(run: impl Fn(Engine) -> DataFrame, by: &[&str]) -> DataFrame {
    let distributed = sort_frame(run(Engine::Distributed), by);
    for engine in Engine::ALL {
        let local = sort_frame(run(engine), by);
        if !distributed.equals_missing(&local) {
            // Name the columns that differ, with both types.
            let differ: Vec<String> = local
                .columns()
                .iter()
                .filter(|c| distributed.column(c.name()).map_or(true, |d| !d.equals_missing(c)))
                .map(|c| {
                    let there = distributed.column(c.name()).map(|d| d.dtype().to_string());
                    format!("{} ({} here, {there:?} there)", c.name(), c.dtype())
                })
                .collect();
            panic!("distributed vs {engine}: columns {differ:?} differ\n{distributed}\n{local}");
        }
    }
    distributed
}

#[test]
#[ignore = "needs a Ballista cluster: scripts/cluster.sh run cargo test ... -- --include-ignored"]
fn typed_filters_sorting_and_paging_match_the_local_engines() {
    let (_dir, store) = store();
    let all = store.load_all::<User>().unwrap();
    assert_eq!(all.len(), 127);
    let q = || store.query::<User>().engine(Engine::Distributed);

    let expected = sorted(all.iter().filter(|u| u.age > 30 && u.name.starts_with('A')).cloned().collect());
    assert!(!expected.is_empty());
    let filtered = q().filter(User::AGE.gt(30).and(User::NAME.starts_with("A")));
    assert_eq!(sorted(filtered.fetch().unwrap()), expected);
    assert_eq!(filtered.count().unwrap(), expected.len());
    // Upserted rows come in their newest version, deleted ones not at all.
    let ids: Vec<i64> = sorted(q().fetch().unwrap()).iter().map(|u| u.user_id).collect();
    assert_eq!(ids, all.iter().map(|u| u.user_id).collect::<Vec<_>>());
    assert_eq!(q().filter(User::USER_ID.eq(110)).fetch().unwrap(), vec![all[107].clone()]);

    let no_email = sorted(q().filter(User::EMAIL.is_null()).fetch().unwrap());
    assert_eq!(no_email, sorted(all.iter().filter(|u| u.email.is_none()).cloned().collect()));
    let picked = sorted(q().filter(User::USER_ID.is_in([1i64, 2, 5, 77, 999])).fetch().unwrap());
    assert_eq!(picked.iter().map(|u| u.user_id).collect::<Vec<_>>(), vec![1, 2, 77]);
    let contains = q().filter(User::NAME.contains("rac").or(User::NAME.ends_with(" 7"))).count().unwrap();
    assert_eq!(contains, all.iter().filter(|u| u.name.contains("rac") || u.name.ends_with(" 7")).count());
    let since = Utc.timestamp_opt(1_600_000_000 + 100 * 86_400, 0).unwrap();
    assert_eq!(
        q().filter(User::SIGNUP.ge(since)).count().unwrap(),
        all.iter().filter(|u| u.signup >= since).count()
    );

    let mut by_age = all.clone();
    by_age.sort_by(|a, b| b.age.cmp(&a.age).then(a.user_id.cmp(&b.user_id)));
    let page =
        q().order_by(User::AGE.desc()).order_by(User::USER_ID.asc()).offset(3).limit(5).fetch().unwrap();
    assert_eq!(page, by_age[3..8].to_vec());
    let first = q().filter(User::AGE.lt(20)).order_by(User::USER_ID.asc()).first().unwrap();
    assert_eq!(first.as_ref(), all.iter().filter(|u| u.age < 20).min_by_key(|u| u.user_id));
    assert_eq!(q().filter(User::AGE.gt(1000)).first().unwrap(), None);
}

#[test]
#[ignore = "needs a Ballista cluster: scripts/cluster.sh run cargo test ... -- --include-ignored"]
fn group_bys_and_joins_match_the_local_engines() {
    let (_dir, store) = store();
    agree(
        |engine| {
            store
                .query::<User>()
                .engine(engine)
                .filter(User::AGE.ge(0))
                .group_by([User::AGE])
                .agg([
                    User::USER_ID.count().alias("n"),
                    User::AGE.mean().alias("mean_age"),
                    User::AGE.sum().alias("sum_age"),
                    User::EMAIL.n_unique().alias("emails"),
                    User::USER_ID.max().alias("last"),
                ])
                .unwrap()
        },
        &["age"],
    );
    // Along the relation Order -> User, and back.
    let totals = agree(
        |engine| {
            store
                .query::<Order>()
                .join::<User>()
                .unwrap()
                .filter(User::AGE.ge(0))
                .engine(engine)
                .group_by([User::NAME])
                .agg([Order::AMOUNT.sum().alias("total"), Order::ORDER_ID.count().alias("orders")])
                .unwrap()
        },
        &["name"],
    );
    assert!(totals.height() > 100);
    agree(
        |engine| store.query::<User>().left_join::<Order>().unwrap().engine(engine).to_dataframe().unwrap(),
        &["user_id", "order_id"],
    );
    let n = store
        .query::<User>()
        .join::<Order>()
        .unwrap()
        .filter(Order::AMOUNT.gt(10.0))
        .engine(Engine::Distributed)
        .count()
        .unwrap();
    let orders = store.load_all::<Order>().unwrap();
    let users = store.load_all::<User>().unwrap();
    let expected =
        orders.iter().filter(|o| o.amount > 10.0 && users.iter().any(|u| u.user_id == o.user_id)).count();
    assert_eq!(n, expected);
    // A global aggregate and expressions over aggregates.
    agree(
        |engine| {
            store
                .query::<Order>()
                .engine(engine)
                .proxy()
                .select([
                    col("amount").sum().alias("total"),
                    (col("amount").sum() / len()).alias("per_order"),
                    len().alias("n"),
                ])
                .collect()
                .unwrap()
        },
        &["total"],
    );
}

#[test]
#[ignore = "needs a Ballista cluster: scripts/cluster.sh run cargo test ... -- --include-ignored"]
fn untyped_files_and_joins_match_the_local_engines() {
    let (dir, store) = store();
    let users = dir.path().join("export-users.parquet");
    let orders = dir.path().join("export-orders.parquet");
    User::write_file(&users, &store.load_all::<User>().unwrap()).unwrap();
    Order::write_file(&orders, &store.load_all::<Order>().unwrap()).unwrap();
    agree(
        |engine| {
            read(&users)
                .unwrap()
                .engine(engine)
                .filter(col("age").gt(25).and(col("email").is_not_null()))
                .with_column((col("age") * lit(2)).alias("double"))
                .with_column((col("age") / lit(4)).alias("quarter"))
                .group_by([col("age")])
                .agg([col("double").sum().alias("total"), col("quarter").mean().alias("q"), len().alias("n")])
                .collect()
                .unwrap()
        },
        &["age"],
    );
    // A join of two files: `user_id` merges, `amount` stays, a clash gets `_right`.
    agree(
        |engine| {
            read(&orders)
                .unwrap()
                .engine(engine)
                .with_column(col("amount").alias("age"))
                .join(read(&users).unwrap(), ["user_id"], ["user_id"], JoinKind::Inner)
                .select([col("order_id"), col("user_id"), col("age"), col("age_right"), col("name")])
                .collect()
                .unwrap()
        },
        &["order_id"],
    );
    for kind in [JoinKind::Left, JoinKind::Semi, JoinKind::Anti, JoinKind::Full] {
        agree(
            |engine| {
                read(&users)
                    .unwrap()
                    .engine(engine)
                    .filter(col("user_id").lt(40))
                    .join(
                        read(&orders).unwrap().filter(col("amount").gt(30.0)),
                        ["user_id"],
                        ["user_id"],
                        kind,
                    )
                    .collect()
                    .unwrap()
            },
            &["user_id"],
        );
    }
}

#[test]
#[ignore = "needs a Ballista cluster: scripts/cluster.sh run cargo test ... -- --include-ignored"]
fn auto_selection_validation_and_empty_entities_on_the_cluster() {
    let (dir, store) = store();
    // Above the (lowered) threshold, with a cluster that answers: auto picks it.
    let low = Store::builder()
        .root(root_of(dir.path()).as_str())
        .isolated()
        .cluster(cluster().unwrap())
        .distributed_threshold_mb(0)
        .open()
        .unwrap();
    let explained = low.query::<User>().filter(User::AGE.gt(30)).explain().unwrap();
    assert_eq!(explained.engine(), Engine::Distributed, "{explained}");
    let text = explained.to_string();
    assert!(text.contains("engine: distributed (auto)"), "{text}");
    assert!(text.contains("answers: run there"), "{text}");
    assert!(text.contains("DataFusion plan:"), "{text}");
    assert_eq!(
        low.query::<User>().filter(User::AGE.gt(30)).count().unwrap(),
        store.query::<User>().filter(User::AGE.gt(30)).count().unwrap()
    );
    let registry = EngineRegistry::with_config(&low.config().unwrap().engine);
    assert!(registry.get(Engine::Distributed).unwrap().available, "{registry:?}");

    // Validation: the same report here and on the cluster (two orphan orders: users 5 and... deleted).
    let here = store.validate().unwrap();
    assert_eq!(here.ran_on, None);
    let there = store.validate_on_cluster().unwrap();
    assert_eq!(there.ran_on.as_deref(), cluster().as_deref());
    assert_eq!(there.entities, here.entities);
    assert_eq!(there.relations.len(), here.relations.len());
    for (a, b) in there.relations.iter().zip(&here.relations) {
        assert_eq!((a.rows, a.orphans, a.nulls), (b.rows, b.orphans, b.nulls), "{a:?} {b:?}");
        let (mut sa, mut sb) = (a.orphan_sample.clone(), b.orphan_sample.clone());
        sa.sort();
        sb.sort();
        assert_eq!(sa.len(), sb.len());
    }
    assert!(here.orphans() > 0);
    // Auto: above the threshold, validation goes to the cluster.
    assert_eq!(low.validate().unwrap().ran_on.as_deref(), cluster().as_deref());
    assert_eq!(store.validate_catalog_on_cluster().unwrap().orphans(), here.orphans());

    // An entity never saved has no rows on the cluster either.
    let empty = tempfile::tempdir().unwrap();
    let empty = open(empty.path());
    assert_eq!(empty.query::<User>().engine(Engine::Distributed).fetch().unwrap(), vec![]);
    assert_eq!(empty.query::<User>().engine(Engine::Distributed).count().unwrap(), 0);
}

#[test]
#[ignore = "needs a Ballista cluster: scripts/cluster.sh run cargo test ... -- --include-ignored"]
fn unsigned_times_and_uuids_match_the_local_engines() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.save_all(&(0..60).map(|i| reading(i, 0)).collect::<Vec<_>>()).unwrap();
    // The upsert and the delete leave rows the cluster drops by their u64 keys.
    store.save_all(&[reading(0, 1), reading(9, 1)]).unwrap();
    assert!(store.delete::<Reading>(&(4 * 1_000_003)).unwrap());
    let mut all = store.load_all::<Reading>().unwrap();
    all.sort_by_key(|r| r.id);
    assert_eq!(all.len(), 59);
    let mut there = store.query::<Reading>().engine(Engine::Distributed).fetch().unwrap();
    there.sort_by_key(|r| r.id);
    assert_eq!(there, all);
    let top = store.query::<Reading>().engine(Engine::Distributed).filter(Reading::ID.gt(u64::MAX - 1));
    assert_eq!(top.fetch().unwrap(), vec![reading(0, 1)]);
    agree(
        |engine| {
            store
                .query::<Reading>()
                .engine(engine)
                .group_by([Expr::from(Reading::SMALL)])
                .agg([
                    Reading::ID.max().alias("id"),
                    Reading::AT.min().alias("at"),
                    Reading::ID.count().alias("n"),
                ])
                .unwrap()
        },
        &["small"],
    );
}

#[test]
#[ignore = "needs a Ballista cluster: scripts/cluster.sh run cargo test ... -- --include-ignored"]
fn avro_entities_match_the_local_engines() {
    let (dir, store) = store();
    // Three commits: an upsert and a delete leave rows to drop by key.
    store.save_all(&(0..300).map(note).collect::<Vec<_>>()).unwrap();
    let mut changed: Vec<Note> = (100..150).map(note).collect();
    for n in &mut changed {
        n.text = format!("edited {}", n.id);
        n.words += 1000;
    }
    store.save_all(&changed).unwrap();
    store.delete_all::<Note>(&[7, 8, 120]).unwrap();

    let all = store.load_all::<Note>().unwrap();
    assert_eq!(all.len(), 297);
    let mut there = store.query::<Note>().engine(Engine::Distributed).fetch().unwrap();
    there.sort_by_key(|n| n.id);
    let mut here = all.clone();
    here.sort_by_key(|n| n.id);
    assert_eq!(there, here);
    let q = || store.query::<Note>().engine(Engine::Distributed);
    assert_eq!(
        q().filter(Note::WORDS.gt(1000u32).and(Note::TAG.is_not_null())).count().unwrap(),
        all.iter().filter(|n| n.words > 1000 && n.tag.is_some()).count()
    );
    agree(
        |engine| {
            store
                .query::<Note>()
                .engine(engine)
                .filter(Note::PINNED.eq(false))
                .group_by([Expr::from(Note::TAG), Expr::from(Note::DAY)])
                .agg([
                    Note::WORDS.sum().alias("words"),
                    Note::AT.max().alias("last"),
                    Note::ID.count().alias("n"),
                ])
                .unwrap()
        },
        &["tag", "day"],
    );
    // Along the relation to a Parquet entity.
    agree(
        |engine| {
            store
                .query::<Note>()
                .engine(engine)
                .proxy()
                .join(store.query::<User>().proxy(), ["user_id"], ["user_id"], JoinKind::Inner)
                .group_by([col("age")])
                .agg([col("words").sum().alias("words"), len().alias("n")])
                .collect()
                .unwrap()
        },
        &["age"],
    );
    // Validation sees the Avro entity's orphans there as here.
    let orphans = store.validate().unwrap().orphans();
    assert_eq!(store.validate_on_cluster().unwrap().orphans(), orphans);

    // Untyped Avro files are not sent to the cluster, and auto says why.
    let file = dir.path().join("notes.avro");
    Note::write_file(&file, &all).unwrap();
    let err = read(&file).unwrap().engine(Engine::Distributed).collect().unwrap_err();
    assert!(err.to_string().contains("Parquet files and Avro entities only"), "{err}");
}

/// Expressions and plan operations of issue #22 (arithmetic, case, like,
/// substrings, date parts and intervals, casts, count_distinct, having,
/// distinct, top-k, semi and anti joins): the cluster answers as polars.
#[test]
#[ignore = "needs a Ballista cluster: scripts/cluster.sh run cargo test ... -- --include-ignored"]
fn expressions_match_the_local_engines() {
    let (_dir, store) = store();
    store.save_all(&(0..300).map(note).collect::<Vec<_>>()).unwrap();
    store.delete_all::<Note>(&[7, 8, 120]).unwrap();
    let notes = || store.query::<Note>();
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2024, m, d).unwrap();
    agree(
        |engine| {
            notes()
                .engine(engine)
                .filter(Note::TEXT.like("note 1%").or(Note::TAG.not_like("%e%")))
                .filter(Note::DAY.add_interval(Interval::days(10)).lt(day(3, 1)))
                .proxy()
                .select([
                    col("id"),
                    // Exact in binary: engines may round `x / 100` differently (x * 0.01).
                    (col("score") * (lit(1.0) - col("score") / lit(8.0))).alias("net"),
                    (-col("score")).alias("neg"),
                    when(col("pinned"))
                        .then(lit("pinned"))
                        .when(col("words").gt(100))
                        .then(lit("long"))
                        .otherwise(lit("short"))
                        .alias("tier"),
                    col("text").substring(1, 4).upper().alias("head"),
                    col("tag").lower().alias("tag"),
                    col("day").year().alias("year"),
                    col("day").month().alias("month"),
                    col("at").day().alias("dom"),
                    col("words").cast(ScalarType::Float64).alias("wf"),
                    col("words").between(50, 150).alias("mid"),
                ])
                .collect()
                .unwrap()
        },
        &["id"],
    );
    agree(
        |engine| {
            notes()
                .engine(engine)
                .group_by([Note::DAY.month().alias("month")])
                .proxy([
                    Expr::from(Note::TAG.count_distinct().alias("tags")),
                    Expr::from((Note::SCORE * 2.0).sum().alias("s")),
                    when(col("pinned")).then(lit(1i64)).otherwise(lit(0i64)).sum().alias("pinned"),
                ])
                .filter(col("s").gt(2000.0))
                .collect()
                .unwrap()
        },
        &["month"],
    );
    agree(
        |engine| notes().engine(engine).proxy().select([col("tag")]).distinct().collect().unwrap(),
        &["tag"],
    );
    agree(
        |engine| {
            notes()
                .engine(engine)
                .order_by(Note::SCORE.desc())
                .order_by(Note::ID.asc())
                .limit(7)
                .proxy()
                .collect()
                .unwrap()
        },
        &["id"],
    );
    for kind in [JoinKind::Semi, JoinKind::Anti] {
        agree(
            |engine| {
                notes()
                    .engine(engine)
                    .proxy()
                    .join(store.query::<User>().proxy(), ["user_id"], ["user_id"], kind)
                    .select([col("id")])
                    .collect()
                    .unwrap()
            },
            &["id"],
        );
    }
    // A typed join along a path: notes, their user, that user's orders.
    agree(
        |engine| {
            notes()
                .engine(engine)
                .join::<User>()
                .unwrap()
                .join::<Order>()
                .unwrap()
                .filter(Order::AMOUNT.gt(5.0))
                .group_by([User::AGE])
                .agg([Expr::from(Order::AMOUNT.sum().alias("amount")), len().alias("n")])
                .unwrap()
        },
        &["age"],
    );
    // A scalar subquery, run on the cluster first, then the outer query there.
    agree(
        |engine| {
            let mean = notes().engine(engine).proxy().select([col("score").mean()]).scalar();
            notes()
                .engine(engine)
                .proxy()
                .filter(col("score").gt(mean))
                .select([col("id")])
                .collect()
                .unwrap()
        },
        &["id"],
    );
    // `store.sql` on the cluster: DataFusion SQL over the same tables.
    agree(
        |engine| {
            store
                .sql(
                    "SELECT user_id, SUM(amount) AS total, MAX(order_id) AS last FROM orders \
                     WHERE amount > 5 GROUP BY user_id",
                )
                .engine(engine)
                .collect()
                .unwrap()
        },
        &["user_id"],
    );
    // DataFusion moves columns by calendar months too (polars cannot yet).
    let later = notes()
        .engine(Engine::Distributed)
        .filter(Note::DAY.add_interval(Interval::months(1)).ge(day(3, 15)))
        .count()
        .unwrap();
    let all = store.load_all::<Note>().unwrap();
    let expected = all
        .iter()
        .filter(|n| n.day.checked_add_months(chrono::Months::new(1)).unwrap() >= day(3, 15))
        .count();
    assert_eq!(later, expected);
}

/// A composite key: the cluster drops a file's replaced and deleted rows by
/// both key columns.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "shipments/", primary_key = ["order_id", "line"])]
pub struct Shipment {
    pub order_id: i64,
    pub line: i32,
    pub qty: i64,
}

/// A relation over two columns to the composite key, with optional parts.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "deliveries/", primary_key = "delivery_id")]
#[relation(Shipment, columns = ["order_no", "line_no"], inverse = "deliveries")]
pub struct Delivery {
    pub delivery_id: i64,
    pub order_no: Option<i64>,
    pub line_no: Option<i32>,
}

#[test]
#[ignore = "needs a Ballista cluster: scripts/cluster.sh run cargo test ... -- --include-ignored"]
fn composite_keys_match_the_local_engines() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let rows: Vec<Shipment> = (1..=50)
        .flat_map(|o| (1..=4).map(move |l| Shipment { order_id: o, line: l, qty: o * 10 + i64::from(l) }))
        .collect();
    store.save_all(&rows).unwrap();
    // Upserts of (o, 2) for 30 orders: the same line numbers of other orders,
    // and the same orders' other lines, stay.
    let changed: Vec<Shipment> = (1..=30).map(|o| Shipment { order_id: o, line: 2, qty: -o }).collect();
    store.save_all(&changed).unwrap();
    store.delete_all::<Shipment>(&[(1, 1), (2, 3), (40, 4)]).unwrap();
    let all = agree(|e| store.query::<Shipment>().engine(e).to_dataframe().unwrap(), &["order_id", "line"]);
    assert_eq!(all.height(), 197);
    let negative = agree(
        |e| store.query::<Shipment>().filter(Shipment::QTY.lt(0)).engine(e).to_dataframe().unwrap(),
        &["order_id", "line"],
    );
    assert_eq!(negative.height(), 30);
    // Validation groups by both columns there too.
    let here = store.validate().unwrap();
    let there = store.validate_on_cluster().unwrap();
    assert_eq!(there.entity("Shipment"), here.entity("Shipment"));
    assert_eq!(here.entity("Shipment").map(|e| (e.rows, e.duplicate_keys)), Some((197, 0)));

    // A relation over both columns: deliveries of live shipments, of
    // deleted ones (orphans), and with a null part (null keys).
    let deliveries = vec![
        Delivery { delivery_id: 1, order_no: Some(3), line_no: Some(2) },
        Delivery { delivery_id: 2, order_no: Some(1), line_no: Some(1) },
        Delivery { delivery_id: 3, order_no: Some(2), line_no: Some(3) },
        Delivery { delivery_id: 4, order_no: Some(2), line_no: None },
        Delivery { delivery_id: 5, order_no: Some(50), line_no: Some(4) },
    ];
    store.save_all(&deliveries).unwrap();
    let here = store.validate().unwrap();
    let there = store.validate_on_cluster().unwrap();
    let relation = |r: &parquetframe::ValidationReport| {
        let c = r.relation("Delivery", "(order_no, line_no)").expect("checked").clone();
        let mut sample = c.orphan_sample.clone();
        sample.sort();
        (c.rows, c.orphans, c.nulls, sample)
    };
    assert_eq!(
        relation(&here),
        (5, 2, 1, vec!["{order_no: 1, line_no: 1}".into(), "{order_no: 2, line_no: 3}".into()])
    );
    assert_eq!(relation(&there), relation(&here));
    // The typed join matches both columns on the cluster too.
    let joined = agree(
        |e| store.query::<Delivery>().join::<Shipment>().unwrap().engine(e).to_dataframe().unwrap(),
        &["delivery_id"],
    );
    assert_eq!(joined.height(), 2);
}

/// The store in an S3 bucket (the local server of `scripts/s3.sh`; the
/// cluster's processes read it with the same AWS_* variables): queries,
/// joins and validation on the cluster agree with the local engines, which
/// read the bucket through the store. Needs `PF_TEST_S3` besides the cluster:
///
/// ```text
/// scripts/s3.sh run scripts/cluster.sh run cargo test --workspace --all-features --test distributed -- --include-ignored
/// ```
#[test]
#[ignore = "needs a Ballista cluster: scripts/cluster.sh run cargo test ... -- --include-ignored"]
fn a_store_in_an_s3_bucket_matches_the_local_engines() {
    let Ok(bucket) = std::env::var("PF_TEST_S3") else {
        eprintln!("skipped: PF_TEST_S3 is not set (run under `scripts/s3.sh run`)");
        return;
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let root = format!("{bucket}/distributed-{}-{nanos}", std::process::id());
    let store = Store::builder().root(root.as_str()).isolated().cluster(cluster().unwrap()).open().unwrap();
    fill(&store);
    let all = store.load_all::<User>().unwrap();
    assert_eq!(all.len(), 127);
    let q = || store.query::<User>().engine(Engine::Distributed);
    // Upserted rows come in their newest version, deleted ones not at all:
    // the executors drop the rows deletion vectors mark.
    assert_eq!(sorted(q().fetch().unwrap()), sorted(all.clone()));
    let expected = all.iter().filter(|u| u.age > 30 && u.name.starts_with('A')).count();
    assert_eq!(q().filter(User::AGE.gt(30).and(User::NAME.starts_with("A"))).count().unwrap(), expected);
    agree(
        |engine| {
            store
                .query::<Order>()
                .join::<User>()
                .unwrap()
                .filter(User::AGE.ge(0))
                .engine(engine)
                .group_by([User::NAME])
                .agg([Order::AMOUNT.sum().alias("total"), Order::ORDER_ID.count().alias("orders")])
                .unwrap()
        },
        &["name"],
    );
    let here = store.validate().unwrap();
    let there = store.validate_on_cluster().unwrap();
    assert_eq!(there.ran_on.as_deref(), cluster().as_deref());
    for (a, b) in there.relations.iter().zip(&here.relations) {
        assert_eq!((a.rows, a.orphans, a.nulls), (b.rows, b.orphans, b.nulls), "{a:?} {b:?}");
    }
    assert!(here.orphans() > 0);
    // A bucket the executors cannot open is refused, saying why.
    let memory = Store::builder()
        .root("memory://distributed/lake")
        .isolated()
        .cluster(cluster().unwrap())
        .open()
        .unwrap();
    memory.save(&user(1)).unwrap();
    let err = memory.query::<User>().engine(Engine::Distributed).fetch().unwrap_err().to_string();
    assert!(err.contains("memory://distributed/lake") && err.contains("cannot open"), "{err}");
}

#[test]
fn without_a_cluster_the_engine_is_unavailable_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::builder().root(dir.path()).isolated().open().unwrap();
    store.save_all(&(1..=10).map(user).collect::<Vec<_>>()).unwrap();
    let registry = EngineRegistry::with_config(&store.config().unwrap().engine);
    let info = registry.get(Engine::Distributed).unwrap();
    assert!(!info.available);
    assert!(info.capabilities.distributed);
    assert!(info.unavailable_because.as_deref().unwrap().contains("engine.cluster"), "{info:?}");
    // The local engines, and DataFusion on this machine, need no cluster.
    let mut here = Engine::ALL.to_vec();
    here.push(Engine::DataFusion);
    assert_eq!(registry.available().map(|e| e.engine).collect::<Vec<_>>(), here);
    let rows = store.query::<User>().engine(Engine::DataFusion).fetch().unwrap();
    assert_eq!(rows.len(), 10);

    let err = store.query::<User>().engine(Engine::Distributed).fetch().unwrap_err();
    assert!(matches!(err, Error::Query(QueryError::Unavailable { engine: "distributed", .. })), "{err:?}");
    assert!(err.to_string().contains("PARQUETFRAME_CLUSTER=df://"), "{err}");

    // A configured cluster that does not answer (a closed port).
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let down = Store::builder()
        .root(dir.path())
        .isolated()
        .cluster(format!("df://127.0.0.1:{port}"))
        .distributed_threshold_mb(0)
        .open()
        .unwrap();
    let registry = EngineRegistry::with_config(&down.config().unwrap().engine);
    let why = registry.get(Engine::Distributed).unwrap().unavailable_because.clone().unwrap();
    assert!(why.contains(&format!("df://127.0.0.1:{port} does not answer")), "{why}");
    let err = down.query::<User>().engine(Engine::Distributed).count().unwrap_err();
    assert!(err.to_string().contains("cannot reach the cluster"), "{err}");
    // Auto selection runs it here and explain says why.
    let explained = down.query::<User>().explain().unwrap();
    assert_ne!(explained.engine(), Engine::Distributed);
    assert!(explained.to_string().contains("does not answer"), "{explained}");
    assert_eq!(down.query::<User>().count().unwrap(), 10);
    // Validation too: here, whatever the threshold says.
    assert_eq!(down.validate().unwrap().ran_on, None);
    assert!(down.validate_on_cluster().unwrap_err().to_string().contains("cannot reach the cluster"));

    // A bad address is a configuration error naming its source.
    let bad = Store::builder().root(dir.path()).isolated().cluster("http://x:1").open();
    let Err(err) = bad else { panic!("a bad cluster address opened a store") };
    assert!(err.to_string().contains("engine.cluster"), "{err}");
    assert!(err.to_string().contains("df://"), "{err}");
}

/// A scheduler that accepts connections and never answers: the query fails
/// after `engine.cluster_timeout_s` instead of waiting for ever.
#[test]
fn a_cluster_that_never_answers_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let store = Store::builder()
        .root(dir.path())
        .isolated()
        .cluster(format!("df://127.0.0.1:{port}"))
        .cluster_timeout_s(1)
        .open()
        .unwrap();
    store.save_all(&(1..=10).map(user).collect::<Vec<_>>()).unwrap();
    let err = store.query::<User>().engine(Engine::Distributed).count().unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&format!("df://127.0.0.1:{port}")), "{text}");
    assert!(text.contains("no result within 1 s (engine.cluster_timeout_s)"), "{text}");
}

#[test]
fn explain_shows_the_datafusion_plan_without_a_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::builder().root(dir.path()).isolated().open().unwrap();
    store.save_all(&(1..=50).map(user).collect::<Vec<_>>()).unwrap();
    store.save_all(&[user(3)]).unwrap();
    let explained = store
        .query::<User>()
        .engine(Engine::Distributed)
        .filter(User::AGE.gt(30))
        .group_by([User::AGE])
        .proxy([User::USER_ID.count().alias("n")])
        .explain()
        .unwrap();
    let text = explained.to_string();
    for needle in [
        "engine: distributed (override: .engine(Engine::Distributed) on the query)",
        "executor: DataFusion on the Ballista cluster",
        "DataFusion plan:",
        // The upserted row's older version, marked in its file's deletion
        // vector, is dropped by its key; scans are named after the entity and file.
        "Filter: User@0.user_id != Int64(3)",
        "TableScan: User@0 projection=[user_id, age]",
        "Aggregate: groupBy=[[",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    // The expressions of issue #22 lower to DataFusion without a cluster.
    let text = store
        .query::<User>()
        .engine(Engine::Distributed)
        .proxy()
        .filter(col("name").like("A%").and(col("signup").add_interval(Interval::months(1)).year().gt(2020)))
        .select([when(col("age").gt(30))
            .then(col("age").cast(ScalarType::Float64) * lit(1.5))
            .otherwise(-col("age"))
            .alias("x")])
        .distinct()
        .explain()
        .unwrap()
        .to_string();
    // (DataFusion turns `year(x) > 2020` into a range of `x`, and DISTINCT into a group-by.)
    for needle in ["LIKE", "IntervalMonthDayNano", "CASE WHEN", "Aggregate: groupBy=[[x]]"] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    // SQL too.
    let text = store.sql("SELECT age, COUNT(*) AS n FROM users GROUP BY age").engine(Engine::Distributed);
    let text = text.explain().unwrap().to_string();
    assert!(text.contains("DataFusion plan:") && text.contains("TableScan: User"), "{text}");
    // Avro scans are named too.
    store.save_all(&(1..=5).map(note).collect::<Vec<_>>()).unwrap();
    let text = store.query::<Note>().engine(Engine::Distributed).explain().unwrap().to_string();
    assert!(text.contains("TableScan: Note projection="), "missing the named Avro scan in\n{text}");
}
