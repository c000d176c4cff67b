//! Typed queries over entities (Parquet and Avro), on every engine: filters,
//! sorting, paging, counts, aggregates and a join along a relation, checked
//! against the same computation over `load_all()`.

use chrono::{DateTime, TimeZone, Utc};
use parquetframe::engine::{Engine, EngineRegistry};
use parquetframe::polars::prelude::{DataFrame, SortMultipleOptions};
use parquetframe::prelude::*;

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
#[entity(storage_path = "orders/", primary_key = "order_id", format = "avro")]
pub struct Order {
    pub order_id: i64,
    #[relation(User, inverse = "orders")]
    pub user_id: i64,
    pub amount: f64,
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

/// A store whose users span three files, with upserts and deletes, and
/// orders in Avro.
fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.save_all(&(1..=120).map(user).collect::<Vec<_>>()).unwrap();
    let mut changed: Vec<User> = (100..=130).map(user).collect();
    for u in &mut changed {
        u.age += 1;
    }
    store.save_all(&changed).unwrap();
    store.delete_all::<User>(&[5, 50, 125]).unwrap();
    let orders: Vec<Order> = (1..=400)
        .map(|i| Order { order_id: i, user_id: 1 + (i * 13 % 130), amount: (i % 17) as f64 * 2.5 })
        .filter(|o| ![5, 50, 125].contains(&o.user_id))
        .collect();
    store.save_all(&orders).unwrap();
    (dir, store)
}

fn sorted(mut users: Vec<User>) -> Vec<User> {
    users.sort_by_key(|u| u.user_id);
    users
}

#[test]
fn typed_filters_match_load_all_on_every_engine() {
    let (_dir, store) = store();
    let all = store.load_all::<User>().unwrap();
    assert_eq!(all.len(), 127);
    let expected = sorted(all.iter().filter(|u| u.age > 30 && u.name.starts_with('A')).cloned().collect());
    assert!(!expected.is_empty());
    for engine in Engine::ALL {
        let q =
            store.query::<User>().filter(User::AGE.gt(30).and(User::NAME.starts_with("A"))).engine(engine);
        assert_eq!(sorted(q.fetch().unwrap()), expected, "{engine}");
        assert_eq!(q.count().unwrap(), expected.len(), "{engine}");
    }
}

#[test]
fn predicates_sorting_and_paging() {
    let (_dir, store) = store();
    let all = store.load_all::<User>().unwrap();
    let q = || store.query::<User>();

    let no_email = sorted(q().filter(User::EMAIL.is_null()).fetch().unwrap());
    assert_eq!(no_email, sorted(all.iter().filter(|u| u.email.is_none()).cloned().collect()));
    let with_email = q().filter(User::EMAIL.is_not_null()).count().unwrap();
    assert_eq!(with_email + no_email.len(), all.len());

    let picked = sorted(q().filter(User::USER_ID.is_in([1i64, 2, 5, 77, 999])).fetch().unwrap());
    assert_eq!(picked.iter().map(|u| u.user_id).collect::<Vec<_>>(), vec![1, 2, 77]);

    let contains = q().filter(User::NAME.contains("rac").or(User::NAME.ends_with(" 7"))).fetch().unwrap();
    let expected: Vec<_> = all.iter().filter(|u| u.name.contains("rac") || u.name.ends_with(" 7")).collect();
    assert_eq!(contains.len(), expected.len());

    let since = Utc.timestamp_opt(1_600_000_000 + 100 * 86_400, 0).unwrap();
    let late = q().filter(User::SIGNUP.ge(since)).count().unwrap();
    assert_eq!(late, all.iter().filter(|u| u.signup >= since).count());

    // order_by age desc, then id; a page of 5 after skipping 3.
    let mut by_age = all.clone();
    by_age.sort_by(|a, b| b.age.cmp(&a.age).then(a.user_id.cmp(&b.user_id)));
    for engine in Engine::ALL {
        let page = q()
            .order_by(User::AGE.desc())
            .order_by(User::USER_ID.asc())
            .offset(3)
            .limit(5)
            .engine(engine)
            .fetch()
            .unwrap();
        assert_eq!(page, by_age[3..8].to_vec(), "{engine}");
    }
    let first = q().filter(User::AGE.lt(20)).order_by(User::USER_ID.asc()).first().unwrap();
    assert_eq!(first.as_ref(), all.iter().filter(|u| u.age < 20).min_by_key(|u| u.user_id));
    assert_eq!(q().filter(User::AGE.gt(1000)).first().unwrap(), None);
}

fn sort_frame(df: DataFrame, by: &[&str]) -> DataFrame {
    df.sort(by.iter().map(|s| s.to_string()).collect::<Vec<_>>(), SortMultipleOptions::default()).unwrap()
}

#[test]
fn group_by_and_join_along_a_relation() {
    let (_dir, store) = store();
    let users = store.load_all::<User>().unwrap();
    let orders = store.load_all::<Order>().unwrap();

    // Mean age per first name.
    let mut expected: std::collections::BTreeMap<String, (f64, usize)> = Default::default();
    for u in &users {
        let first = u.name.split(' ').next().unwrap().to_owned();
        let e = expected.entry(first).or_default();
        e.0 += u.age as f64;
        e.1 += 1;
    }
    let df = store
        .query::<User>()
        .proxy()
        .with_column(parquetframe::col("name").contains("a").alias("has_a"))
        .select([parquetframe::col("age"), parquetframe::col("has_a")])
        .collect()
        .unwrap();
    assert_eq!(df.height(), users.len());

    let mut results = Vec::new();
    for engine in Engine::ALL {
        let df = store
            .query::<User>()
            .engine(engine)
            .filter(User::AGE.ge(0))
            .group_by([User::AGE])
            .agg([User::USER_ID.count().alias("n"), User::AGE.mean().alias("mean_age")])
            .unwrap();
        results.push(sort_frame(df, &["age"]));
    }
    assert!(results.windows(2).all(|w| w[0].equals_missing(&w[1])), "{results:?}");

    // Total order amount per user name: the join along Order -> User.
    let mut totals: std::collections::BTreeMap<String, f64> = Default::default();
    for o in &orders {
        let u = users.iter().find(|u| u.user_id == o.user_id).unwrap();
        *totals.entry(u.name.clone()).or_default() += o.amount;
    }
    for engine in Engine::ALL {
        let df = store
            .query::<Order>()
            .join::<User>()
            .unwrap()
            .filter(User::AGE.ge(0))
            .engine(engine)
            .group_by([User::NAME])
            .agg([Order::AMOUNT.sum().alias("total")])
            .unwrap();
        let df = sort_frame(df, &["name"]);
        let names = df.column("name").unwrap().str().unwrap().clone();
        let sums = df.column("total").unwrap().f64().unwrap().clone();
        let got: std::collections::BTreeMap<String, f64> =
            names.iter().zip(sums.iter()).map(|(n, s)| (n.unwrap().to_owned(), s.unwrap())).collect();
        assert_eq!(got, totals, "{engine}");
    }
    // The other direction: users with their orders.
    let n = store.query::<User>().join::<Order>().unwrap().filter(Order::AMOUNT.gt(10.0)).count().unwrap();
    assert_eq!(n, orders.iter().filter(|o| o.amount > 10.0).count());
}

#[test]
fn avro_entities_query_like_parquet_ones() {
    let (_dir, store) = store();
    let orders = store.load_all::<Order>().unwrap();
    let expected: Vec<Order> = {
        let mut v: Vec<Order> = orders.iter().filter(|o| o.amount >= 20.0).cloned().collect();
        v.sort_by_key(|o| o.order_id);
        v
    };
    for engine in Engine::ALL {
        let got = store
            .query::<Order>()
            .filter(Order::AMOUNT.ge(20))
            .order_by(Order::ORDER_ID.asc())
            .engine(engine)
            .fetch()
            .unwrap();
        assert_eq!(got, expected, "{engine}");
    }
}

#[test]
fn explain_names_engine_reasons_and_figures() {
    let (_dir, store) = store();
    let q = store.query::<User>().filter(User::AGE.gt(30));
    let e = q.clone().engine(Engine::Lazy).explain().unwrap();
    assert_eq!(e.engine(), Engine::Lazy);
    let text = e.to_string();
    for needle in [
        "engine: lazy (override: .engine(Engine::Lazy) on the query)",
        "executor: polars in-memory executor",
        "estimated bytes after projection",
        "available memory",
        "engine.memory_threshold_mb",
        "entity `User` (parquet, version",
        "filter (User.age > 30)",
        "polars plan:",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    // Small data on the default thresholds: the memory engine, automatically.
    let auto = q.explain().unwrap();
    assert_eq!(auto.engine(), Engine::Memory, "{auto}");
    assert!(auto.to_string().contains("engine: memory (auto)"), "{auto}");
    // Without a join, the cached frame runs on the streaming executor.
    assert!(auto.to_string().contains("executor: polars streaming executor"), "{auto}");
    // A projection reads fewer bytes than the whole entity.
    let projected =
        store.query::<User>().group_by([User::AGE]).proxy([User::USER_ID.count()]).explain().unwrap();
    let f = &projected.choice.figures;
    assert!(f.estimated_bytes < f.total_bytes, "{projected}");
    assert_eq!(projected.columns.as_deref(), Some(&["age".to_owned(), "user_id".to_owned()][..]));
}

#[test]
fn registry_lists_the_engines() {
    let registry = EngineRegistry::new();
    let engines: Vec<Engine> = registry.available().map(|e| e.engine).collect();
    // DataFusion in this process, when the build has it, needs no cluster.
    let mut here = Engine::ALL.to_vec();
    if Engine::DataFusion.compiled() {
        here.push(Engine::DataFusion);
    }
    assert_eq!(engines, here);
    assert!(registry.get(Engine::Streaming).unwrap().capabilities.bounded_memory);
    assert!(registry.get(Engine::Memory).unwrap().capabilities.caches);
}

#[test]
fn an_entity_never_saved_has_no_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    for engine in Engine::ALL {
        assert_eq!(store.query::<User>().engine(engine).fetch().unwrap(), vec![]);
        assert_eq!(store.query::<User>().engine(engine).count().unwrap(), 0);
    }
}

#[test]
fn heuristics_pick_by_size_complexity_and_limit() {
    use parquetframe::config::EngineConfig;
    use parquetframe::engine::{ClusterStatus, EngineHeuristics, Figures};
    const MIB: u64 = 1 << 20;
    let config = EngineConfig::default();
    let h = EngineHeuristics::new(config.clone());
    let figures = |estimated: u64, total: u64, joins: usize, limit: Option<u64>| Figures {
        estimated_bytes: estimated,
        total_bytes: total,
        estimated_rows: Some(1),
        working_bytes: (estimated as f64 * EngineHeuristics::complexity_factor(joins, 0)) as u64,
        joins,
        non_inner_joins: 0,
        group_bys: 0,
        available_memory: 8 * 1024 * MIB,
        memory_limit: limit,
        config: config.clone(),
        cached: false,
        reads_whole: false,
        pre_aggregated: 0,
        cache_bytes: 1024 * MIB,
        cluster: ClusterStatus::NotNeeded,
        datafusion_here: false,
    };
    // Small inputs: load once and cache.
    assert_eq!(h.auto(&figures(MIB, 10 * MIB, 0, None)).0, Engine::Memory);
    // Above the memory threshold: scan lazily.
    assert_eq!(h.auto(&figures(100 * MIB, 2048 * MIB, 0, None)).0, Engine::Lazy);
    // Above the threshold, a plan that joins reads the files on the streaming executor.
    assert_eq!(h.auto(&figures(100 * MIB, 2048 * MIB, 1, None)).0, Engine::Streaming);
    // Working estimate above half the available memory: stream; joins count double.
    assert_eq!(h.auto(&figures(3000 * MIB, 3000 * MIB, 0, None)).0, Engine::Lazy);
    let (engine, reasons) = h.auto(&figures(3000 * MIB, 3000 * MIB, 1, None));
    assert_eq!(engine, Engine::Streaming, "{reasons:?}");
    assert!(reasons[0].contains("x2 for 1 join(s)"), "{reasons:?}");
    // A hard limit is the budget.
    assert_eq!(h.auto(&figures(300 * MIB, 300 * MIB, 0, Some(512 * MIB))).0, Engine::Streaming);
    // Small enough to cache by the threshold, but not within the limit: lazy.
    assert_eq!(h.auto(&figures(MIB, 300 * MIB, 0, Some(512 * MIB))).0, Engine::Lazy);
    // A cache smaller than the inputs: the memory engine could not keep them.
    let small_cache = Figures { cache_bytes: 0, ..figures(MIB, 10 * MIB, 0, None) };
    let (engine, reasons) = h.auto(&small_cache);
    assert_eq!(engine, Engine::Lazy, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("performance.cache_mb = 0")), "{reasons:?}");
    // With engine.datafusion_joins = 4, four joins over local Parquet, with
    // DataFusion in the build: DataFusion here; three, or inputs it does not
    // read as well, or the rule off (the default): streaming.
    let joins = |n: usize| Figures { datafusion_here: true, ..figures(100 * MIB, 2048 * MIB, n, None) };
    let on = EngineHeuristics::new(EngineConfig { datafusion_joins: 4, ..config.clone() });
    let (engine, reasons) = on.auto(&joins(4));
    assert_eq!(engine, Engine::DataFusion, "{reasons:?}");
    assert!(reasons.last().unwrap().contains("engine.datafusion_joins = 4"), "{reasons:?}");
    assert_eq!(on.auto(&joins(3)).0, Engine::Streaming);
    assert_eq!(on.auto(&Figures { datafusion_here: false, ..joins(5) }).0, Engine::Streaming);
    assert_eq!(h.auto(&joins(5)).0, Engine::Streaming);
    // A semi, anti or outer join over local Parquet: DataFusion here (on by
    // default), unless DataFusion reads the inputs less well or the rule is off.
    let semi = Figures { non_inner_joins: 1, ..joins(2) };
    let (engine, reasons) = h.auto(&semi);
    assert_eq!(engine, Engine::DataFusion, "{reasons:?}");
    assert!(reasons.last().unwrap().contains("engine.datafusion_non_inner_joins"), "{reasons:?}");
    assert_eq!(h.auto(&Figures { datafusion_here: false, ..semi.clone() }).0, Engine::Streaming);
    let off = EngineHeuristics::new(EngineConfig { datafusion_non_inner_joins: false, ..config.clone() });
    assert_eq!(off.auto(&semi).0, Engine::Streaming);
    // Already cached: the memory engine.
    let cached = Figures { cached: true, ..figures(100 * MIB, 2048 * MIB, 0, None) };
    assert_eq!(h.auto(&cached).0, Engine::Memory);
    // Above engine.distributed_threshold_mb: the cluster when it answers,
    // else the local choice with the reason.
    let big = figures(200 * 1024 * MIB, 200 * 1024 * MIB, 0, None);
    let reachable = Figures { cluster: ClusterStatus::Reachable("df://s:50050".into()), ..big.clone() };
    let (engine, reasons) = h.auto(&reachable);
    assert_eq!(engine, Engine::Distributed, "{reasons:?}");
    assert!(reasons[0].contains("engine.distributed_threshold_mb = 102400"), "{reasons:?}");
    assert!(reasons[0].contains("the cluster at df://s:50050 answers"), "{reasons:?}");
    let down = Figures {
        cluster: ClusterStatus::Unreachable("df://s:50050".into(), "connection refused".into()),
        ..big.clone()
    };
    let (engine, reasons) = h.auto(&down);
    assert_eq!(engine, Engine::Streaming, "{reasons:?}");
    assert!(reasons[0].contains("does not answer (connection refused): run here"), "{reasons:?}");
    let none = Figures { cluster: ClusterStatus::NotConfigured, ..big };
    let (engine, reasons) = h.auto(&none);
    assert_ne!(engine, Engine::Distributed);
    assert!(reasons[0].contains("no cluster is configured"), "{reasons:?}");
}

/// The size estimate is what the columns take decoded, not on disk: a
/// dictionary-encoded string column of one repeated value is a few bytes in
/// the file but a view per row in memory.
#[test]
fn size_estimate_counts_decoded_widths_not_dictionary_pages() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let n = 20_000u64;
    let users: Vec<User> =
        (0..n as i64).map(|i| User { name: "same".into(), email: None, ..user(i) }).collect();
    store.save_all(&users).unwrap();
    let e = store.query::<User>().proxy().select([parquetframe::engine::col("name")]).explain().unwrap();
    let f = &e.choice.figures;
    assert_eq!(f.estimated_rows, Some(n));
    // 16-byte views at least, though the file holds the value once.
    assert!(f.estimated_bytes >= n * 16, "{}", e);
    // Every column: ids (8), names (16+), emails (16+, null), ages (4), signups (8).
    assert!(f.total_bytes >= n * (8 + 16 + 16 + 4 + 8), "{}", e);
    // The second query of the same snapshot gives the same figures (from the
    // live-set cache), a new commit new ones.
    let again = store.query::<User>().explain().unwrap().choice.figures.total_bytes;
    assert_eq!(again, f.total_bytes);
    store.save_all(&[user(n as i64)]).unwrap();
    let after = store.query::<User>().explain().unwrap();
    assert_eq!(after.choice.figures.estimated_rows, Some(n + 1));
    assert!(after.choice.figures.total_bytes > f.total_bytes);
}

/// A join from the many side followed by a group-by aggregates the orders per
/// user first (explain shows the aggregate below the join); the results
/// equal the plan that cannot (a filter between the join and the group-by),
/// on every engine, for inner and left joins, with left and right group keys.
#[test]
fn aggregating_before_a_join_equals_aggregating_after_it() {
    use parquetframe::engine::len;
    let (_dir, store) = store();
    // One aggregate without an alias: its output keeps the column's name.
    let aggs = || -> Vec<parquetframe::engine::Expr> {
        vec![
            Order::AMOUNT.sum().alias("total").into(),
            Order::ORDER_ID.count().into(),
            Order::AMOUNT.min().alias("smallest").into(),
            Order::AMOUNT.max().alias("largest").into(),
            len().alias("rows"),
        ]
    };
    for left in [false, true] {
        for engine in Engine::ALL {
            let joined = || {
                let q = store.query::<Order>().engine(engine);
                if left { q.left_join::<User>().unwrap() } else { q.join::<User>().unwrap() }
            };
            for keys in [vec![User::AGE.into()], vec![User::NAME.into(), Order::AMOUNT.into()]] {
                let keys: Vec<parquetframe::engine::Expr> = keys;
                let names: Vec<String> =
                    keys.iter().map(|k| k.to_string().split('.').nth(1).unwrap().to_owned()).collect();
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                let early = joined().group_by(keys.clone()).proxy(aggs());
                let explained = early.explain().unwrap();
                let plan = &explained.polars_plan;
                assert_eq!(plan.matches("AGGREGATE").count(), 2, "{plan}");
                assert!(explained.to_string().contains("joins that aggregate first: 1"), "{explained}");
                let early = sort_frame(early.collect().unwrap(), &names);
                let late = joined().filter(Order::AMOUNT.ge(-1.0e9)).group_by(keys).agg(aggs()).unwrap();
                let late = sort_frame(late, &names);
                assert!(early.equals_missing(&late), "left {left}, {engine}:\n{early}\n{late}");
                assert_eq!(early.get_column_names(), late.get_column_names());
                assert_eq!(early.dtypes(), late.dtypes());
            }
        }
    }
    // The counts add up to the orders.
    let orders = store.load_all::<Order>().unwrap().len();
    let df = store
        .query::<Order>()
        .join::<User>()
        .unwrap()
        .group_by([User::AGE])
        .agg([len().alias("rows")])
        .unwrap();
    let rows: u64 = df.column("rows").unwrap().as_materialized_series().sum().unwrap();
    assert_eq!(rows, orders as u64);
}

/// Cached string columns with few values group by hidden dictionary codes on
/// the memory engine: the same groups, names and types as the other engines,
/// with filters before the group-by, nulls as a group, and no hidden column
/// in any result.
#[test]
fn low_cardinality_strings_group_by_codes_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let users: Vec<User> = (0..400)
        .map(|i| User {
            name: NAMES[(i % 6) as usize].to_owned(),
            email: (i % 5 != 0).then(|| ["a@x", "b@x"][(i % 2) as usize].to_owned()),
            ..user(i)
        })
        .collect();
    store.save_all(&users).unwrap();
    let run = |engine: Engine| {
        let q = store.query::<User>().engine(engine).filter(User::AGE.gt(20));
        let keys: [parquetframe::engine::Expr; 2] = [User::NAME.into(), User::EMAIL.into()];
        let grouped = q.clone().group_by(keys).proxy([
            User::AGE.sum().into(),
            parquetframe::engine::len().alias("n"),
            User::NAME.count().alias("names").into(),
        ]);
        let df = sort_frame(grouped.clone().collect().unwrap(), &["name", "email"]);
        // (After the run: explain shows the cached frame once it is cached.)
        let plan = grouped.explain().unwrap().polars_plan;
        (df, plan, q.to_dataframe().unwrap())
    };
    let (memory, memory_plan, memory_rows) = run(Engine::Memory);
    assert!(memory_plan.contains("__parquetframe_code_name"), "{memory_plan}");
    for engine in [Engine::Lazy, Engine::Streaming] {
        let (other, plan, rows) = run(engine);
        assert!(!plan.contains("__parquetframe_code"), "{plan}");
        assert!(memory.equals_missing(&other), "{engine}:\n{memory}\n{other}");
        assert_eq!(memory.get_column_names(), other.get_column_names());
        assert_eq!(memory.dtypes(), other.dtypes());
        assert!(memory_rows.equals_missing(&rows));
    }
    // Each name has one email (both follow the id's parity) or none.
    assert_eq!(memory.height(), 12, "{memory}");
    assert!(memory.column("email").unwrap().null_count() > 0);
    assert!(memory_rows.get_column_names().iter().all(|c| !c.starts_with("__parquetframe")));
}

/// With `engine.datafusion_joins = 4`, auto selection gives a plan of four
/// joins over local Parquet to DataFusion in this process (when the build
/// has it); a plan DataFusion refuses runs on the streaming engine instead,
/// and explain says why.
#[test]
fn auto_runs_many_joins_on_datafusion_and_falls_back_when_it_refuses() {
    let dir = tempfile::tempdir().unwrap();
    // Above the memory engine's threshold, so that the files are read; the
    // rule on (it is off by default).
    let store = Store::builder()
        .root(dir.path())
        .isolated()
        .memory_threshold_mb(0)
        .set("engine.datafusion_joins", 4)
        .open()
        .unwrap();
    store.save_all(&(1..=60).map(user).collect::<Vec<_>>()).unwrap();
    let joined = || {
        let mut q = store.query::<User>().proxy();
        for i in 0..4 {
            let other = store.query::<User>().proxy().select([col("user_id").alias(format!("id{i}"))]);
            q = q.join(other, ["user_id"], [format!("id{i}")], JoinKind::Inner);
        }
        q
    };
    let sorted =
        |q: DataFrameProxy| q.collect().unwrap().sort(["user_id"], SortMultipleOptions::default()).unwrap();
    let explained = joined().explain().unwrap();
    if Engine::DataFusion.compiled() {
        assert_eq!(explained.engine(), Engine::DataFusion, "{explained}");
        assert!(explained.to_string().contains("engine.datafusion_joins = 4"), "{explained}");
    } else {
        assert_eq!(explained.engine(), Engine::Streaming, "{explained}");
    }
    let auto = sorted(joined());
    assert_eq!(auto.height(), 60);
    assert!(auto.equals_missing(&sorted(joined().engine(Engine::Streaming))));
    // An aggregate broadcast into a column: polars runs it, DataFusion does not.
    let broadcast = || joined().with_columns([col("age").sum().alias("total_age")]);
    let explained = broadcast().explain().unwrap();
    assert_eq!(explained.engine(), Engine::Streaming, "{explained}");
    if Engine::DataFusion.compiled() {
        assert!(explained.to_string().contains("the streaming engine instead"), "{explained}");
    }
    let auto = sorted(broadcast());
    assert!(auto.equals_missing(&sorted(broadcast().engine(Engine::Streaming))));
    let total: i32 = (1..=60).map(|i| user(i).age).sum();
    assert_eq!(auto.column("total_age").unwrap().i32().unwrap().get(0), Some(total));
}

/// By default auto selection gives a plan holding a semi or anti join (or an
/// outer join) over local Parquet to DataFusion in this process when the
/// build has it, with the same answer as polars; with
/// `engine.datafusion_non_inner_joins = false` it stays on polars.
#[test]
fn auto_runs_semi_and_anti_joins_on_datafusion() {
    let dir = tempfile::tempdir().unwrap();
    let open = |rule: bool| {
        Store::builder()
            .root(dir.path())
            .isolated()
            .memory_threshold_mb(0)
            .set("engine.datafusion_non_inner_joins", rule)
            .open()
            .unwrap()
    };
    let store = open(true);
    store.save_all(&(1..=60).map(user).collect::<Vec<_>>()).unwrap();
    let older =
        |store: &Store| store.query::<User>().proxy().filter(col("age").gt(40)).select([col("user_id")]);
    let sorted =
        |q: DataFrameProxy| q.collect().unwrap().sort(["user_id"], SortMultipleOptions::default()).unwrap();
    for kind in [JoinKind::Semi, JoinKind::Anti] {
        let q = || store.query::<User>().proxy().join(older(&store), ["user_id"], ["user_id"], kind);
        let explained = q().explain().unwrap();
        if Engine::DataFusion.compiled() {
            assert_eq!(explained.engine(), Engine::DataFusion, "{explained}");
            assert!(explained.to_string().contains("engine.datafusion_non_inner_joins"), "{explained}");
        } else {
            assert_eq!(explained.engine(), Engine::Streaming, "{explained}");
        }
        let auto = sorted(q());
        let older_count = (1..=60).filter(|&i| user(i).age > 40).count();
        let expected = if kind == JoinKind::Semi { older_count } else { 60 - older_count };
        assert_eq!(auto.height(), expected, "{kind:?}");
        assert!(auto.equals_missing(&sorted(q().engine(Engine::Streaming))), "{kind:?}");
    }
    let off = open(false);
    let q = off.query::<User>().proxy().join(older(&off), ["user_id"], ["user_id"], JoinKind::Semi);
    assert_eq!(q.explain().unwrap().engine(), Engine::Streaming);
}
