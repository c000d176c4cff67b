//! Expressions and plan operations analytics needs (issue #22), one by one,
//! on every local engine, each checked against the same computation in
//! Rust over `load_all()`: typed arithmetic, comparisons of two columns,
//! `between`, `like`, substrings and case, casts, date parts and intervals,
//! `when/then/otherwise`, `count_distinct`, `distinct`, filters after an
//! aggregation, semi and anti joins, and top-k.

use chrono::NaiveDate;
use parquetframe::engine::{Engine, Interval, ScalarType, col, len, lit, when};
use parquetframe::polars::prelude::{DataFrame, SortMultipleOptions};
use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "items/", primary_key = "id")]
pub struct Item {
    pub id: i64,
    #[relation(Part, inverse = "items")]
    pub part_id: i64,
    pub quantity: i32,
    pub price: f64,
    pub discount: f64,
    pub tax: Option<f64>,
    pub kind: String,
    pub comment: Option<String>,
    pub shipped: NaiveDate,
    pub received: NaiveDate,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "parts/", primary_key = "part_id")]
pub struct Part {
    pub part_id: i64,
    pub brand: String,
}

const KINDS: [&str; 5] =
    ["PROMO BRUSHED", "STANDARD POLISHED", "PROMO PLATED", "ECONOMY ANODIZED", "LARGE BRASS"];

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn item(i: i64) -> Item {
    let shipped = day(1994, 1, 1) + chrono::Days::new((i * 37 % 1100) as u64);
    Item {
        id: i,
        part_id: i % 23,
        quantity: 1 + (i * 7 % 50) as i32,
        price: 900.0 + (i * 131 % 1000) as f64 + 0.25,
        discount: (i % 11) as f64 / 100.0,
        tax: (i % 4 != 0).then(|| (i % 9) as f64 / 100.0),
        kind: KINDS[(i % 5) as usize].to_owned(),
        comment: (i % 3 != 0)
            .then(|| format!("{} requests {i}", ["special", "pending", "quick"][(i % 3) as usize])),
        shipped,
        received: shipped + chrono::Days::new((i * 11 % 40) as u64) - chrono::Days::new(10),
    }
}

/// Items in two files with an upsert and deletes; parts 0..20 (items name
/// parts up to 22: some have no part).
fn store() -> (tempfile::TempDir, Store, Vec<Item>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::builder().root(dir.path()).isolated().open().unwrap();
    store.save_all(&(0..300).map(item).collect::<Vec<_>>()).unwrap();
    let mut changed: Vec<Item> = (250..320).map(item).collect();
    for it in &mut changed {
        it.quantity += 100;
    }
    store.save_all(&changed).unwrap();
    store.delete_all::<Item>(&[3, 4, 260]).unwrap();
    let parts: Vec<Part> = (0..20).map(|p| Part { part_id: p, brand: format!("Brand#{}", p % 4) }).collect();
    store.save_all(&parts).unwrap();
    let mut items = store.load_all::<Item>().unwrap();
    items.sort_by_key(|i| i.id);
    assert_eq!(items.len(), 317);
    (dir, store, items)
}

/// The local engines, and DataFusion on this machine when the build has it
/// (the README's test command builds the workspace with every feature).
fn engines() -> Vec<Engine> {
    Engine::ALL.into_iter().chain(Engine::DataFusion.compiled().then_some(Engine::DataFusion)).collect()
}

fn ids(mut items: Vec<Item>) -> Vec<i64> {
    items.sort_by_key(|i| i.id);
    items.into_iter().map(|i| i.id).collect()
}

fn sort_frame(df: DataFrame, by: &str) -> DataFrame {
    df.sort([by], SortMultipleOptions::default()).unwrap()
}

fn f64s(df: &DataFrame, name: &str) -> Vec<f64> {
    df.column(name).unwrap().f64().unwrap().iter().map(|v| v.unwrap()).collect()
}

fn strs(df: &DataFrame, name: &str) -> Vec<String> {
    df.column(name).unwrap().str().unwrap().iter().map(|v| v.unwrap().to_owned()).collect()
}

fn i64s(df: &DataFrame, name: &str) -> Vec<i64> {
    let c = df.column(name).unwrap().cast(&parquetframe::polars::prelude::DataType::Int64).unwrap();
    c.i64().unwrap().iter().map(|v| v.unwrap()).collect()
}

fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-9 * x.abs().max(1.0))
}

#[test]
fn typed_arithmetic_sums_per_group_like_rust() {
    let (_dir, store, items) = store();
    // SQL: SUM(price * (1 - discount) * (1 + tax)) GROUP BY kind
    let mut expected: Vec<(String, f64, f64)> = Vec::new();
    for kind in KINDS {
        let rows = items.iter().filter(|i| i.kind == kind);
        let revenue: f64 = rows.clone().map(|i| i.price * (1.0 - i.discount)).sum();
        let charge: f64 = rows.filter_map(|i| i.tax.map(|t| i.price * (1.0 - i.discount) * (1.0 + t))).sum();
        expected.push((kind.to_owned(), revenue, charge));
    }
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    for engine in engines() {
        let df = store
            .query::<Item>()
            .engine(engine)
            .group_by([Item::KIND])
            .agg([
                (Item::PRICE * (1.0 - Item::DISCOUNT)).sum().alias("revenue"),
                (Item::PRICE * (1.0 - Item::DISCOUNT) * (1.0 + Item::TAX)).sum().alias("charge"),
            ])
            .unwrap();
        let df = sort_frame(df, "kind");
        assert_eq!(strs(&df, "kind"), expected.iter().map(|e| e.0.clone()).collect::<Vec<_>>(), "{engine}");
        assert!(close(&f64s(&df, "revenue"), &expected.iter().map(|e| e.1).collect::<Vec<_>>()), "{engine}");
        assert!(close(&f64s(&df, "charge"), &expected.iter().map(|e| e.2).collect::<Vec<_>>()), "{engine}");
    }
}

#[test]
fn two_columns_compare_and_between_takes_both_ends() {
    let (_dir, store, items) = store();
    let late = ids(items.iter().filter(|i| i.shipped < i.received).cloned().collect());
    let (low, high) = (day(1995, 3, 1), day(1995, 9, 30));
    let window = ids(items.iter().filter(|i| i.shipped >= low && i.shipped <= high).cloned().collect());
    let cheap = ids(items
        .iter()
        .filter(|i| (0.05..=0.07).contains(&i.discount) && -i.price < -1500.0)
        .cloned()
        .collect());
    assert!(!late.is_empty() && late.len() < items.len() && !window.is_empty() && !cheap.is_empty());
    for engine in engines() {
        let q = || store.query::<Item>().engine(engine);
        assert_eq!(ids(q().filter(Item::SHIPPED.lt(Item::RECEIVED)).fetch().unwrap()), late, "{engine}");
        assert_eq!(ids(q().filter(Item::SHIPPED.between(low, high)).fetch().unwrap()), window, "{engine}");
        let filter = Item::DISCOUNT.between(0.05, 0.07).and((-Item::PRICE).lt(-1500.0));
        assert_eq!(ids(q().filter(filter).fetch().unwrap()), cheap, "{engine}");
    }
}

#[test]
fn like_substring_and_case_work_on_strings() {
    let (_dir, store, items) = store();
    let promo = ids(items.iter().filter(|i| i.kind.starts_with("PROMO")).cloned().collect());
    let not_special = ids(items
        .iter()
        .filter(|i| i.comment.as_deref().is_some_and(|c| !(c.contains("special") && c.contains("requests"))))
        .cloned()
        .collect());
    let brass =
        ids(items.iter().filter(|i| i.kind.ends_with("BRASS") && i.kind.len() == 11).cloned().collect());
    for engine in engines() {
        let q = || store.query::<Item>().engine(engine);
        assert_eq!(ids(q().filter(Item::KIND.like("PROMO%")).fetch().unwrap()), promo, "{engine}");
        let pattern = Item::COMMENT.not_like("%special%requests%");
        assert_eq!(ids(q().filter(pattern).fetch().unwrap()), not_special, "{engine}");
        // `_` is one character; regex characters are themselves.
        assert_eq!(ids(q().filter(Item::KIND.like("_____ BRASS")).fetch().unwrap()), brass, "{engine}");
        assert!(q().filter(Item::KIND.like("LARGE.BRASS")).fetch().unwrap().is_empty(), "{engine}");

        // SQL: SELECT DISTINCT SUBSTRING(kind FROM 1 FOR 3), LOWER(kind) ...
        let df = q()
            .proxy()
            .select([col("kind").substring(1, 3).alias("prefix"), col("kind").lower().alias("lower")])
            .distinct()
            .sort([col("lower")])
            .collect()
            .unwrap();
        let mut kinds: Vec<&str> = KINDS.to_vec();
        kinds.sort_by_key(|k| k.to_lowercase());
        assert_eq!(
            strs(&df, "lower"),
            kinds.iter().map(|k| k.to_lowercase()).collect::<Vec<_>>(),
            "{engine}"
        );
        assert_eq!(
            strs(&df, "prefix"),
            kinds.iter().map(|k| k[..3].to_owned()).collect::<Vec<_>>(),
            "{engine}"
        );
        let upper = q().filter(Item::KIND.lower().upper().eq("LARGE BRASS")).count().unwrap();
        assert_eq!(upper, items.iter().filter(|i| i.kind == "LARGE BRASS").count(), "{engine}");
    }
}

#[test]
fn date_parts_intervals_and_casts() {
    let (_dir, store, items) = store();
    // SQL: WHERE shipped >= DATE '1995-01-01' AND shipped < DATE '1995-01-01' + INTERVAL '1' YEAR
    let start = day(1995, 1, 1);
    let year_ids =
        ids(items.iter().filter(|i| i.shipped >= start && i.shipped < day(1996, 1, 1)).cloned().collect());
    // Items received more than 20 days after shipping.
    let slow =
        ids(items.iter().filter(|i| i.received > i.shipped + chrono::Days::new(20)).cloned().collect());
    let mut per_month: std::collections::BTreeMap<(i32, i32), i64> = Default::default();
    for i in &items {
        use chrono::Datelike;
        *per_month.entry((i.shipped.year(), i.shipped.month() as i32)).or_default() += i64::from(i.quantity);
    }
    assert!(!year_ids.is_empty() && !slow.is_empty());
    for engine in engines() {
        let q = || store.query::<Item>().engine(engine);
        let end = lit(start).add_interval(Interval::years(1));
        assert_eq!(end, lit(day(1996, 1, 1)));
        let filter = Item::SHIPPED.ge(start).and(Item::SHIPPED.year().eq(1995));
        assert_eq!(ids(q().filter(filter).fetch().unwrap()), year_ids, "{engine}");
        let filter = Item::RECEIVED.gt(Item::SHIPPED.add_interval(Interval::days(20)));
        assert_eq!(ids(q().filter(filter).fetch().unwrap()), slow, "{engine}");

        let df = q()
            .proxy()
            .group_by([col("shipped").year().alias("year"), col("shipped").month().alias("month")])
            .agg([col("quantity").cast(ScalarType::Int64).sum().alias("quantity")])
            .sort([col("year"), col("month")])
            .collect()
            .unwrap();
        assert_eq!(
            i64s(&df, "year"),
            per_month.keys().map(|k| i64::from(k.0)).collect::<Vec<_>>(),
            "{engine}"
        );
        assert_eq!(
            i64s(&df, "month"),
            per_month.keys().map(|k| i64::from(k.1)).collect::<Vec<_>>(),
            "{engine}"
        );
        assert_eq!(i64s(&df, "quantity"), per_month.values().copied().collect::<Vec<_>>(), "{engine}");

        // A typed cast: integer quantity as a float, halved.
        let half: Vec<f64> = items.iter().map(|i| f64::from(i.quantity) / 2.0).collect();
        let df = q().proxy().sort([col("id")]).select([(Item::QUANTITY.cast::<f64>() / 2.0).alias("half")]);
        assert!(close(&f64s(&df.collect().unwrap(), "half"), &half), "{engine}");
    }
}

#[test]
fn moving_a_column_by_months_says_which_engines_can() {
    let (_dir, store, _) = store();
    // The polars engines refuse; DataFusion moves by months (tested on the cluster).
    for engine in Engine::ALL {
        let err = store
            .query::<Item>()
            .engine(engine)
            .filter(Item::RECEIVED.gt(Item::SHIPPED.add_interval(Interval::months(1))))
            .fetch()
            .unwrap_err();
        assert!(err.to_string().contains("by calendar months"), "{engine}: {err}");
    }
}

#[test]
fn when_then_otherwise_and_count_distinct() {
    let (_dir, store, items) = store();
    // SQL (TPC-H Q14's shape):
    // 100 * SUM(CASE WHEN kind LIKE 'PROMO%' THEN price * (1 - discount) ELSE 0 END)
    //     / SUM(price * (1 - discount))
    let revenue = |i: &Item| i.price * (1.0 - i.discount);
    let promo: f64 = items.iter().filter(|i| i.kind.starts_with("PROMO")).map(revenue).sum();
    let all: f64 = items.iter().map(revenue).sum();
    let share = 100.0 * promo / all;
    let mut comments: Vec<&str> = items.iter().filter_map(|i| i.comment.as_deref()).collect();
    comments.sort();
    comments.dedup();
    let tiers = |i: &Item| {
        if i.quantity < 10 {
            "small"
        } else if i.quantity < 40 {
            "medium"
        } else {
            "large"
        }
    };
    for engine in engines() {
        let value = col("price") * (lit(1.0) - col("discount"));
        let df = store
            .query::<Item>()
            .engine(engine)
            .proxy()
            .select([(lit(100.0)
                * when(col("kind").like("PROMO%")).then(value.clone()).otherwise(lit(0.0)).sum()
                / value.sum())
            .alias("promo_revenue")])
            .collect()
            .unwrap();
        assert!(close(&f64s(&df, "promo_revenue"), &[share]), "{engine}: {df}");

        let df = store
            .query::<Item>()
            .engine(engine)
            .proxy()
            .with_column(
                when(col("quantity").lt(10))
                    .then(lit("small"))
                    .when(col("quantity").lt(40))
                    .then(lit("medium"))
                    .otherwise(lit("large"))
                    .alias("tier"),
            )
            .group_by([col("tier")])
            .agg([len().alias("n")])
            .sort([col("tier")])
            .collect()
            .unwrap();
        let mut expected: Vec<(String, i64)> = ["large", "medium", "small"]
            .iter()
            .map(|t| (t.to_string(), items.iter().filter(|i| tiers(i) == *t).count() as i64))
            .collect();
        expected.retain(|e| e.1 > 0);
        assert_eq!(strs(&df, "tier"), expected.iter().map(|e| e.0.clone()).collect::<Vec<_>>(), "{engine}");
        assert_eq!(i64s(&df, "n"), expected.iter().map(|e| e.1).collect::<Vec<_>>(), "{engine}");

        // COUNT(DISTINCT comment) skips nulls; n_unique counts null as a value.
        let df = store
            .query::<Item>()
            .engine(engine)
            .proxy()
            .select([
                col("comment").count_distinct().alias("distinct"),
                col("comment").n_unique().alias("unique"),
            ])
            .collect()
            .unwrap();
        assert_eq!(i64s(&df, "distinct"), [comments.len() as i64], "{engine}");
        assert_eq!(i64s(&df, "unique"), [comments.len() as i64 + 1], "{engine}");
    }
}

#[test]
fn having_semi_and_anti_joins_and_top_k() {
    let (_dir, store, items) = store();
    // HAVING: parts whose items' quantities sum above the median part's.
    let mut sums: std::collections::BTreeMap<i64, i64> = Default::default();
    for i in &items {
        *sums.entry(i.part_id).or_default() += i64::from(i.quantity);
    }
    let mut totals: Vec<i64> = sums.values().copied().collect();
    totals.sort();
    let threshold = totals[totals.len() / 2];
    let big: Vec<i64> = sums.iter().filter(|(_, s)| **s > threshold).map(|(p, _)| *p).collect();
    assert!(!big.is_empty() && big.len() < sums.len());
    // EXISTS / NOT EXISTS a part for the item.
    let with_part = ids(items.iter().filter(|i| i.part_id < 20).cloned().collect());
    let without = ids(items.iter().filter(|i| i.part_id >= 20).cloned().collect());
    // Top 5 by price, ties broken by id.
    let mut by_price = items.clone();
    by_price.sort_by(|a, b| b.price.total_cmp(&a.price).then(a.id.cmp(&b.id)));
    let top: Vec<i64> = by_price.iter().take(5).map(|i| i.id).collect();
    for engine in engines() {
        let df = store
            .query::<Item>()
            .engine(engine)
            .group_by([Item::PART_ID])
            .proxy([Item::QUANTITY.cast::<i64>().sum().alias("total")])
            .filter(col("total").gt(threshold))
            .sort([col("part_id")])
            .collect()
            .unwrap();
        assert_eq!(i64s(&df, "part_id"), big, "{engine}");

        let parts = store.query::<Part>().proxy();
        let q = || store.query::<Item>().engine(engine).proxy();
        let semi = q().join(parts.clone(), ["part_id"], ["part_id"], JoinKind::Semi);
        assert_eq!(ids(semi.to_entities::<Item>().unwrap()), with_part, "{engine}");
        let anti = q().join(parts, ["part_id"], ["part_id"], JoinKind::Anti);
        assert_eq!(ids(anti.to_entities::<Item>().unwrap()), without, "{engine}");

        let fetched = store
            .query::<Item>()
            .engine(engine)
            .order_by(Item::PRICE.desc())
            .order_by(Item::ID.asc())
            .limit(5)
            .fetch()
            .unwrap();
        assert_eq!(fetched.iter().map(|i| i.id).collect::<Vec<_>>(), top, "{engine}");
        // Ordered by a computed value.
        let fetched = store
            .query::<Item>()
            .engine(engine)
            .order_by((Item::PRICE * (1.0 - Item::DISCOUNT)).desc())
            .limit(3)
            .fetch()
            .unwrap();
        let mut by_revenue = items.clone();
        by_revenue.sort_by(|a, b| (b.price * (1.0 - b.discount)).total_cmp(&(a.price * (1.0 - a.discount))));
        assert_eq!(
            fetched.iter().map(|i| i.id).collect::<Vec<_>>(),
            by_revenue.iter().take(3).map(|i| i.id).collect::<Vec<_>>(),
            "{engine}"
        );
    }
}

#[test]
fn expressions_print_as_sql_reads() {
    let e = (Item::PRICE * (1.0 - Item::DISCOUNT)).sum().alias("revenue");
    assert_eq!(Expr::from(e).to_string(), "sum((Item.price * (1 - Item.discount))) AS revenue");
    let e =
        col("d").add_interval(Interval::months(3)).lt(lit(day(1995, 1, 1)).sub_interval(Interval::days(90)));
    assert_eq!(e.to_string(), "((d + INTERVAL '3' MONTH) < 1994-10-03)");
    let e = col("name").not_like("%x_").and(col("n").cast(ScalarType::Float64).between(1, 2));
    assert_eq!(
        e.to_string(),
        "(name NOT LIKE \"%x_\" AND ((CAST(n AS DOUBLE) >= 1) AND (CAST(n AS DOUBLE) <= 2)))"
    );
    assert_eq!((-col("x")).to_string(), "-x");
    assert_eq!(col("s").substring(2, 3).upper().to_string(), "upper(substring(s, 2, 3))");
    assert_eq!(col("c").count_distinct().to_string(), "count_distinct(c)");
}

#[test]
fn a_sort_then_a_limit_runs_as_a_top_k() {
    let (_dir, store, _) = store();
    for engine in Engine::ALL {
        let explained =
            store.query::<Item>().engine(engine).order_by(Item::PRICE.desc()).limit(5).explain().unwrap();
        // polars keeps the best 5 rows (and pushes their bound into the scan)
        // instead of sorting all of them.
        assert!(explained.to_string().contains("SORT BY [slice: (0, 5"), "{engine}: {explained}");
    }
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "regions/", primary_key = "region_id")]
pub struct Region {
    pub region_id: i64,
    pub name: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "nations/", primary_key = "nation_id")]
pub struct Nation {
    pub nation_id: i64,
    pub name: String,
    #[relation(Region, inverse = "nations")]
    pub region_id: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "customers/", primary_key = "customer_id")]
pub struct Customer {
    pub customer_id: i64,
    pub name: String,
    #[relation(Nation, inverse = "customers")]
    pub nation_id: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "sales/", primary_key = "sale_id")]
pub struct Sale {
    pub sale_id: i64,
    #[relation(Customer, inverse = "sales")]
    pub customer_id: i64,
    pub name: String,
    pub total: f64,
}

/// Every entity has a `name`: after each join the new one is `Entity.name`.
fn geography() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::builder().root(dir.path()).isolated().open().unwrap();
    let regions = ["AFRICA", "AMERICA", "EUROPE"];
    store
        .save_all(
            &(0..3)
                .map(|r| Region { region_id: r, name: regions[r as usize].to_owned() })
                .collect::<Vec<_>>(),
        )
        .unwrap();
    store
        .save_all(
            &(0..9)
                .map(|n| Nation { nation_id: n, name: format!("nation {n}"), region_id: n % 3 })
                .collect::<Vec<_>>(),
        )
        .unwrap();
    store
        .save_all(
            &(0..40)
                .map(|c| Customer { customer_id: c, name: format!("customer {c}"), nation_id: c % 9 })
                .collect::<Vec<_>>(),
        )
        .unwrap();
    store
        .save_all(
            &(0..400)
                .map(|s| Sale {
                    sale_id: s,
                    customer_id: s * 7 % 40,
                    name: format!("sale {s}"),
                    total: (s % 13) as f64 * 4.0,
                })
                .collect::<Vec<_>>(),
        )
        .unwrap();
    (dir, store)
}

#[test]
fn typed_joins_follow_a_path_of_relations() {
    let (_dir, store) = geography();
    // Rust: total per nation of sales to European customers whose name does not end in 0.
    let mut expected: std::collections::BTreeMap<String, (f64, i64)> = Default::default();
    for s in 0..400i64 {
        let customer = s * 7 % 40;
        let nation = customer % 9;
        if nation % 3 == 2 && customer % 10 != 0 {
            let e = expected.entry(format!("nation {nation}")).or_default();
            e.0 += (s % 13) as f64 * 4.0;
            e.1 += 1;
        }
    }
    assert!(expected.len() > 1);
    for engine in engines() {
        let df = store
            .query::<Sale>()
            .engine(engine)
            .join::<Customer>()
            .unwrap()
            .join::<Nation>()
            .unwrap()
            .join::<Region>()
            .unwrap()
            .filter(Region::NAME.eq("EUROPE"))
            .filter(Customer::NAME.not_like("%0"))
            .filter(Sale::NAME.starts_with("sale"))
            .group_by([Nation::NAME])
            .agg([Expr::from(Sale::TOTAL.sum().alias("total")), len().alias("n")])
            .unwrap();
        let df = sort_frame(df, "Nation.name");
        assert_eq!(strs(&df, "Nation.name"), expected.keys().cloned().collect::<Vec<_>>(), "{engine}");
        assert!(close(&f64s(&df, "total"), &expected.values().map(|v| v.0).collect::<Vec<_>>()), "{engine}");
        assert_eq!(i64s(&df, "n"), expected.values().map(|v| v.1).collect::<Vec<_>>(), "{engine}");

        // From the other end: each hop along a relation the joined entity declares.
        let df = store
            .query::<Region>()
            .engine(engine)
            .join::<Nation>()
            .unwrap()
            .join::<Customer>()
            .unwrap()
            .left_join::<Sale>()
            .unwrap()
            .group_by([Region::NAME])
            .agg([Sale::SALE_ID.count().alias("sales")])
            .unwrap();
        let df = sort_frame(df, "name");
        assert_eq!(strs(&df, "name"), ["AFRICA", "AMERICA", "EUROPE"], "{engine}");
        let per_region: Vec<i64> =
            (0..3).map(|r| (0..400i64).filter(|s| (s * 7 % 40) % 9 % 3 == r).count() as i64).collect();
        assert_eq!(i64s(&df, "sales"), per_region, "{engine}");
    }
    // An entity joined twice: the typed API has no aliases.
    let err = store.query::<Sale>().join::<Customer>().unwrap().join::<Sale>().err().unwrap();
    assert!(err.to_string().contains("entity `Sale` is already in the query"), "{err}");
    // A join with no relation between the query's entities and the one
    // joined does not compile: tests/ui/query/join_without_relation.rs.
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "zones/", primary_key = "zone_id")]
pub struct Zone {
    pub zone_id: i64,
    pub zone_name: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "countries/", primary_key = "country_id")]
pub struct Country {
    pub country_id: i64,
    pub country_name: String,
    #[relation(Zone, inverse = "countries")]
    pub country_zone_id: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "buyers/", primary_key = "buyer_id")]
pub struct Buyer {
    pub buyer_id: i64,
    #[relation(Country, inverse = "buyers")]
    pub buyer_country_id: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "purchases/", primary_key = "purchase_id")]
pub struct Purchase {
    pub purchase_id: i64,
    #[relation(Buyer, inverse = "purchases")]
    pub purchase_buyer_id: i64,
    pub amount: f64,
}

/// The geography again, every column named once (no `Entity.column` renames).
fn purchases() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::builder().root(dir.path()).isolated().open().unwrap();
    let zones = ["AFRICA", "AMERICA", "EUROPE"];
    store
        .save_all(
            &(0..3).map(|z| Zone { zone_id: z, zone_name: zones[z as usize].to_owned() }).collect::<Vec<_>>(),
        )
        .unwrap();
    store
        .save_all(
            &(0..9)
                .map(|c| Country {
                    country_id: c,
                    country_name: format!("country {c}"),
                    country_zone_id: c % 3,
                })
                .collect::<Vec<_>>(),
        )
        .unwrap();
    store
        .save_all(&(0..40).map(|b| Buyer { buyer_id: b, buyer_country_id: b % 9 }).collect::<Vec<_>>())
        .unwrap();
    store
        .save_all(
            &(0..400)
                .map(|p| Purchase {
                    purchase_id: p,
                    purchase_buyer_id: p * 7 % 40,
                    amount: (p % 13) as f64 * 4.0,
                })
                .collect::<Vec<_>>(),
        )
        .unwrap();
    (dir, store)
}

#[test]
fn joins_of_filtered_entities_run_before_the_first_table_meets_them() {
    let (_dir, store) = purchases();
    // Rust: per European country other than 5, the purchases' total and count.
    let mut expected: std::collections::BTreeMap<i64, (f64, i64)> = Default::default();
    for p in 0..400i64 {
        let country = p * 7 % 40 % 9;
        if country % 3 == 2 && country != 5 {
            let e = expected.entry(country).or_default();
            e.0 += (p % 13) as f64 * 4.0;
            e.1 += 1;
        }
    }
    assert!(expected.len() > 1);
    let query = |engine: Engine| {
        store
            .query::<Purchase>()
            .engine(engine)
            .join::<Buyer>()
            .unwrap()
            .join::<Country>()
            .unwrap()
            .join::<Zone>()
            .unwrap()
            .filter(Zone::ZONE_NAME.eq("EUROPE"))
            // The country's key merged into `buyer_country_id` when it joined;
            // the zone's into `country_zone_id`.
            .filter(Country::COUNTRY_ID.ne(5))
    };
    for engine in engines() {
        let explained = query(engine).proxy().explain().unwrap().to_string();
        // Buyer ⋈ (Country ⋈ Zone): the filters narrow the buyers before the purchases meet them.
        assert!(
            explained.contains("join order: `Country` joins `Buyer` inside the join of `Buyer`"),
            "{explained}"
        );
        assert!(explained.contains("join order: `Zone` joins `Country`"), "{explained}");
        let df = query(engine)
            .group_by([Expr::from(Country::COUNTRY_ID), Zone::ZONE_ID.into()])
            .agg([Expr::from(Purchase::AMOUNT.sum().alias("total")), len().alias("n")])
            .unwrap();
        let df = sort_frame(df, "buyer_country_id");
        assert_eq!(i64s(&df, "buyer_country_id"), expected.keys().copied().collect::<Vec<_>>(), "{engine}");
        assert_eq!(i64s(&df, "country_zone_id"), vec![2; expected.len()], "{engine}");
        assert!(close(&f64s(&df, "total"), &expected.values().map(|v| v.0).collect::<Vec<_>>()), "{engine}");
        assert_eq!(i64s(&df, "n"), expected.values().map(|v| v.1).collect::<Vec<_>>(), "{engine}");
    }
    // Nothing reads the entities past the first join: the written order stays.
    let plain = store.query::<Purchase>().join::<Buyer>().unwrap().join::<Country>().unwrap();
    let explained = plain.filter(Purchase::AMOUNT.gt(8.0)).proxy().explain().unwrap().to_string();
    assert!(!explained.contains("join order"), "{explained}");
}

#[test]
fn store_sql_runs_on_every_engine_and_explains_itself() {
    let (_dir, store, items) = store();
    let mut expected: Vec<(String, f64)> = KINDS
        .iter()
        .map(|k| {
            let revenue = items.iter().filter(|i| i.kind == *k).map(|i| i.price * (1.0 - i.discount)).sum();
            (k.to_string(), revenue)
        })
        .collect();
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    // The entity's name (`Item`) and its directory (`items`) are both tables.
    for table in ["Item", "items"] {
        for engine in engines() {
            let sql = store
                .sql(format!(
                    "SELECT kind, SUM(price * (1 - discount)) AS revenue FROM {table} \
                     WHERE shipped < DATE '1999-01-01' GROUP BY kind ORDER BY kind"
                ))
                .engine(engine);
            let df = sql.collect().unwrap();
            assert_eq!(
                strs(&df, "kind"),
                expected.iter().map(|e| e.0.clone()).collect::<Vec<_>>(),
                "{engine}"
            );
            assert!(
                close(&f64s(&df, "revenue"), &expected.iter().map(|e| e.1).collect::<Vec<_>>()),
                "{engine}"
            );
            // (Sums of floats may round differently on another executor.)
            let lazy = sql.lazy().unwrap().collect().unwrap();
            assert_eq!(strs(&lazy, "kind"), strs(&df, "kind"), "{engine}");
            assert!(close(&f64s(&lazy, "revenue"), &f64s(&df, "revenue")), "{engine}");
        }
    }
    // A join of two entities; the heuristics count both tables.
    let sql = store.sql(
        "SELECT p.brand, COUNT(*) AS n FROM items i JOIN parts p ON i.part_id = p.part_id GROUP BY p.brand ORDER BY p.brand",
    );
    let df = sql.collect().unwrap();
    let with_part = items.iter().filter(|i| i.part_id < 20);
    let brands: Vec<i64> =
        (0..4).map(|b| with_part.clone().filter(|i| i.part_id % 4 == b).count() as i64).collect();
    assert_eq!(i64s(&df, "n"), brands);
    let explained = sql.explain().unwrap();
    let text = explained.to_string();
    assert!(
        text.contains("engine:") && text.contains("entity `Item`") && text.contains("entity `Part`"),
        "{text}"
    );
    assert_eq!(explained.choice.figures.joins, 1, "{text}");
    assert_eq!(explained.choice.figures.group_bys, 1, "{text}");
    // A table the store does not have: the error names the ones it found.
    let err = store.sql("SELECT * FROM items JOIN nowhere ON true").collect().unwrap_err();
    assert!(err.to_string().contains("tables named in the query: Item, items"), "{err}");
}

#[test]
fn scalar_subqueries_run_first_and_enter_as_constants() {
    let (_dir, store, items) = store();
    let average = items.iter().map(|i| i.price).sum::<f64>() / items.len() as f64;
    let above = ids(items.iter().filter(|i| i.price > average).cloned().collect());
    let most = items.iter().map(|i| i.quantity).max().unwrap();
    let largest = ids(items.iter().filter(|i| i.quantity == most).cloned().collect());
    // TPC-H Q15's shape: the part(s) whose revenue equals the largest revenue.
    // Prices are exact in binary (n + 0.25), so their sums are equal in any
    // order; a float sum computed twice by a parallel engine may not be.
    let mut revenue: std::collections::BTreeMap<i64, f64> = Default::default();
    for i in &items {
        *revenue.entry(i.part_id).or_default() += i.price;
    }
    let best = revenue.iter().max_by(|a, b| a.1.total_cmp(b.1)).map(|(p, _)| *p).unwrap();
    for engine in engines() {
        let q = || store.query::<Item>().engine(engine);
        let mean = q().proxy().select([col("price").mean()]).scalar();
        let df = q()
            .proxy()
            .filter(col("price").gt(mean))
            .sort([col("id")])
            .select([col("id")])
            .collect()
            .unwrap();
        assert_eq!(i64s(&df, "id"), above, "{engine}");
        // Typed: the subquery's value compares with an i32 column.
        let max = q().proxy().select([col("quantity").max()]).scalar_as::<i32>();
        assert_eq!(ids(q().filter(Item::QUANTITY.eq(max)).fetch().unwrap()), largest, "{engine}");

        let per_part = || q().group_by([Item::PART_ID]).proxy([Item::PRICE.sum().alias("revenue")]);
        let top = per_part().select([col("revenue").max()]).scalar();
        let df = per_part().filter(col("revenue").eq(top)).collect().unwrap();
        assert_eq!(i64s(&df, "part_id"), [best], "{engine}");
        let explained =
            per_part().filter(col("revenue").eq(per_part().select([col("revenue").max()]).scalar()));
        let text = explained.explain().unwrap().to_string();
        if !matches!(engine, Engine::DataFusion | Engine::Distributed) {
            // polars runs the subquery inside the outer plan: its one value is
            // zipped beside the rows and dropped after the filter, and the
            // per-part sums both parts read are computed once (a cache).
            assert!(text.contains("filter (revenue == (SELECT .."), "{engine}: {text}");
            assert!(text.contains("__parquetframe_subquery_0"), "{engine}: {text}");
            assert!(text.contains("CACHE"), "{engine}: {text}");
            continue;
        }
        // DataFusion: explain() runs the subquery and shows the outer plan with its value.
        let shown = text.split("filter (revenue == ").nth(1).and_then(|t| t.split(')').next()).unwrap_or("");
        let shown: f64 = shown.parse().unwrap_or_else(|_| panic!("{engine}: no value in {text}"));
        assert!(close(&[shown], &[revenue[&best]]), "{engine}: {text}");
    }
    // No row: null, so nothing compares equal.
    let none = store.query::<Item>().proxy().filter(col("id").lt(0)).select([col("price").max()]).scalar();
    assert_eq!(store.query::<Item>().proxy().filter(col("price").eq(none)).collect().unwrap().height(), 0);
    // A count runs first (only sums, means, minima, maxima and len() run
    // inside the polars plan), with the same answer on every engine.
    for engine in engines() {
        let q = || store.query::<Item>().engine(engine).proxy();
        let count = q().filter(col("id").lt(5)).select([col("id").count()]).scalar();
        let df = q().filter(col("id").lt(count)).collect().unwrap();
        let counted = items.iter().filter(|i| i.id < 5).count() as i64;
        assert_eq!(df.height(), items.iter().filter(|i| i.id < counted).count(), "{engine}");
    }
    // More than one value is an error saying what it got.
    let many = store.query::<Item>().proxy().select([col("id")]).scalar();
    let err = store.query::<Item>().proxy().filter(col("id").eq(many)).collect().unwrap_err();
    assert!(err.to_string().contains("gave 317 row(s) of 1 column(s)"), "{err}");
    assert!(err.to_string().contains("FROM entity `Item`"), "{err}");
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "ledger/", primary_key = "id")]
pub struct Entry {
    pub id: i64,
    pub account: i64,
    #[entity(precision = 15, scale = 2)]
    pub amount: rust_decimal::Decimal,
    #[entity(precision = 4, scale = 2)]
    pub rate: rust_decimal::Decimal,
}

fn decimals(df: &DataFrame, name: &str) -> Vec<rust_decimal::Decimal> {
    let c = df.column(name).unwrap().cast(&parquetframe::polars::prelude::DataType::String).unwrap();
    c.str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap().parse::<rust_decimal::Decimal>().unwrap().normalize())
        .collect()
}

#[test]
fn decimals_compute_exactly_and_keep_their_scale() {
    use rust_decimal::Decimal;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::builder().root(dir.path()).isolated().open().unwrap();
    let entries: Vec<Entry> = (0..200)
        .map(|i| Entry {
            id: i,
            account: i % 7,
            amount: Decimal::new(10_000 + i * 1_237 % 90_000, 2),
            rate: Decimal::new(i % 11, 2),
        })
        .collect();
    store.save_all(&entries).unwrap();
    // SUM(amount * (1 - rate)) per account, exact.
    let mut expected: std::collections::BTreeMap<i64, Decimal> = Default::default();
    for e in &entries {
        *expected.entry(e.account).or_default() += e.amount * (Decimal::ONE - e.rate);
    }
    let threshold = Decimal::new(50_000, 2);
    let over: Vec<i64> = entries.iter().filter(|e| e.amount > threshold).map(|e| e.id).collect();
    let best = expected.iter().max_by_key(|(_, v)| **v).map(|(a, _)| *a).unwrap();
    for engine in engines() {
        let df = store
            .query::<Entry>()
            .engine(engine)
            .group_by([Entry::ACCOUNT])
            // polars keeps the larger scale of a product's operands (DataFusion
            // their sum): widen one side first so no digit is lost anywhere.
            .proxy([(Entry::AMOUNT.cast::<Decimal>() * (Decimal::ONE - Entry::RATE)).sum().alias("net")])
            .sort([col("account")])
            .collect()
            .unwrap();
        assert_eq!(i64s(&df, "account"), expected.keys().copied().collect::<Vec<_>>(), "{engine}");
        let net: Vec<Decimal> = expected.values().map(|v| v.normalize()).collect();
        assert_eq!(decimals(&df, "net"), net, "{engine}: {df}");

        let fetched =
            store.query::<Entry>().engine(engine).filter(Entry::AMOUNT.gt(threshold)).fetch().unwrap();
        assert_eq!(ids_of(fetched), over, "{engine}");
        // Equality with a decimal aggregate is exact on every engine (TPC-H Q15).
        let per_account = || {
            store.query::<Entry>().engine(engine).group_by([Entry::ACCOUNT]).proxy([(Entry::AMOUNT
                .cast::<Decimal>()
                * (Decimal::ONE - Entry::RATE))
                .sum()
                .alias("net")])
        };
        let top = per_account().select([col("net").max()]).scalar();
        let df = per_account().filter(col("net").eq(top)).collect().unwrap();
        assert_eq!(i64s(&df, "account"), [best], "{engine}");
        // Cast to a float.
        let df = store
            .query::<Entry>()
            .engine(engine)
            .proxy()
            .filter(col("id").eq(3))
            .select([Entry::AMOUNT.cast::<f64>().alias("f")])
            .collect()
            .unwrap();
        assert_eq!(f64s(&df, "f"), [f64::try_from(entries[3].amount).unwrap()], "{engine}");
    }
    assert_eq!(lit(Decimal::new(-5, 3)).to_string(), "-0.005");
}

fn ids_of(mut entries: Vec<Entry>) -> Vec<i64> {
    entries.sort_by_key(|e| e.id);
    entries.into_iter().map(|e| e.id).collect()
}
