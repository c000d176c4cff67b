//! The README's main example: derive entities, open a store in a local
//! directory, then save, load, update, find and delete, navigate a relation
//! and validate foreign keys, query with typed columns, printing what happens.
//!
//! `cargo run --release --example quickstart`

use chrono::{DateTime, Utc};
use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub age: i32,
    pub signup: DateTime<Utc>,
    pub address: Address,
    pub plan: Plan,
    pub tags: Vec<String>,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "orders/", primary_key = "order_id", format = "avro")]
pub struct Order {
    pub order_id: i64,
    #[relation(User, inverse = "orders")]
    pub user_id: i64,
    pub amount: f64,
}

#[derive(Record, Debug, Clone, PartialEq)]
pub struct Address {
    pub city: String,
    pub zip: Option<String>,
}

#[derive(Record, Debug, Clone, Copy, PartialEq)]
pub enum Plan {
    Free,
    Pro,
}

fn user(id: i64, name: &str, age: i32, city: &str, plan: Plan) -> User {
    User {
        user_id: id,
        name: name.into(),
        email: Some(format!("{}@example.org", name.to_lowercase())),
        age,
        signup: DateTime::from_timestamp(1_700_000_000 + id * 86_400, 0).unwrap_or_default(),
        address: Address { city: city.into(), zip: None },
        plan,
        tags: vec![],
    }
}

fn main() -> parquetframe::Result<()> {
    let root = std::env::temp_dir().join("parquetframe-quickstart");
    // Start from an empty directory each run, so the output is the same every time.
    let _ = std::fs::remove_dir_all(&root);
    let store = Store::open(&root)?;
    println!("store opened at {}", store.root().display());

    println!(
        "\nUser is stored under `{}` as {}, keyed by `{}`; its Arrow schema:",
        <User as Entity>::STORAGE_PATH,
        <User as Entity>::FORMAT,
        <User as Entity>::PRIMARY_KEY
    );
    for field in User::arrow_schema().fields() {
        println!(
            "  {:<8} {}{}",
            field.name(),
            field.data_type(),
            if field.is_nullable() { " (nullable)" } else { "" }
        );
    }

    let users = vec![
        user(1, "Ada", 36, "London", Plan::Pro),
        user(2, "Grace", 45, "New York", Plan::Free),
        user(3, "Edsger", 42, "Austin", Plan::Free),
    ];
    store.save_all(&users)?;
    println!("\nsaved {} users (one atomic commit)", users.len());

    let mut loaded = store.load_all::<User>()?;
    loaded.sort_by_key(|u| u.user_id);
    println!("loaded {} users: {}", loaded.len(), names(&loaded));

    let mut grace = store.find::<User>(&2)?.unwrap_or_else(|| user(2, "Grace", 45, "New York", Plan::Free));
    grace.plan = Plan::Pro;
    grace.tags.push("compilers".into());
    store.save(&grace)?;
    println!("updated user 2: plan {:?}, tags {:?} (an upsert by primary key)", grace.plan, grace.tags);

    match store.find::<User>(&3)? {
        Some(u) => println!("found user 3: {} from {}", u.name, u.address.city),
        None => println!("user 3 not found"),
    }
    // Relations: orders reference users; navigation goes both ways.
    let orders = [(10, 1, 25.0), (11, 1, 12.5), (12, 2, 99.0), (13, 3, 5.0)];
    store.save_all(&orders.map(|(order_id, user_id, amount)| Order { order_id, user_id, amount }))?;
    let ada = store.find::<User>(&1)?.unwrap_or_else(|| user(1, "Ada", 36, "London", Plan::Pro));
    let total: f64 = ada.orders_in(&store)?.iter().map(|o| o.amount).sum();
    println!(
        "
Ada's orders total {total:.2}"
    );
    if let Some(order) = store.find::<Order>(&12)? {
        println!("order 12 belongs to {:?}", order.user_in(&store)?.map(|u| u.name));
    }
    // User 3 still has an order: the default on_delete = "restrict" refuses.
    if let Err(e) = store.delete::<User>(&3) {
        println!("delete user 3 refused: {e}");
    }
    store.delete::<Order>(&13)?;
    println!("delete user 3: {}", if store.delete::<User>(&3)? { "deleted" } else { "was not there" });
    println!("find user 3 again: {:?}", store.find::<User>(&3)?.map(|u| u.name));
    println!("find user 99: {:?}", store.find::<User>(&99)?.map(|u| u.name));

    println!(
        "\n{} users now; the entity has {} live files",
        store.count::<User>()?,
        store.snapshot::<User>()?.files.len()
    );
    let report = store.compact::<User>()?;
    println!("compacted {} files into {} ({} rows)", report.files_before, report.files_after, report.rows);
    let mut after = store.load_all::<User>()?;
    after.sort_by_key(|u| u.user_id);
    println!("after compaction: {}", names(&after));

    // Typed queries: filters on typed columns, a join along the relation; the
    // engine is chosen per query from the files' metadata, and explain says why.
    let older = store.query::<User>().filter(User::AGE.ge(30)).order_by(User::AGE.desc()).fetch()?;
    println!("\nusers aged 30 or more, oldest first: {}", names(&older));
    let totals = store
        .query::<Order>()
        .join::<User>()?
        .group_by([User::NAME])
        .agg([Order::AMOUNT.sum().alias("total")])?;
    println!("order totals per user name:\n{totals}");
    let explanation = store.query::<User>().filter(User::AGE.ge(30)).explain()?;
    println!("{}", explanation.to_string().lines().take(4).collect::<Vec<_>>().join("\n"));
    // An order for a user that does not exist: saved (fk_check is "deferred"
    // by default), then found by validation.
    store.save(&Order { order_id: 14, user_id: 42, amount: 1.0 })?;
    println!("\n{}", store.validate()?);
    println!("the entity graph (Mermaid):\n{}", parquetframe::schema_graph().to_mermaid());
    println!(
        "each entity is a Delta Lake table (Parquet or Avro data files, `_delta_log/`, deletion vectors): see {}",
        root.display()
    );
    Ok(())
}

fn names(users: &[User]) -> String {
    users.iter().map(|u| format!("{} ({})", u.name, u.user_id)).collect::<Vec<_>>().join(", ")
}
