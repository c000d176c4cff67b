//! DESIGN.md section 1 as written: the derive, the store, navigation,
//! validation, the graph, typed queries and the untyped side.
use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub age: i32,
    pub signup: chrono::DateTime<chrono::Utc>,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "orders/", primary_key = "order_id", format = "avro")]
pub struct Order {
    pub order_id: i64,
    #[relation(User, inverse = "orders")] // foreign key to User's primary key
    pub user_id: i64,
    pub amount: f64,
}

#[allow(dead_code, unused_variables)]
fn contract(store: &Store, users: &[User], batch: &arrow::array::RecordBatch) -> Result<()> {
    let _: arrow::datatypes::SchemaRef = User::arrow_schema();
    let _: &apache_avro::Schema = User::avro_schema();
    let _: arrow::array::RecordBatch = User::to_record_batch(users)?;
    let _: Vec<User> = User::from_record_batch(batch)?;
    let _: Vec<User> = User::load_all()?;
    User::save_all(users)?;
    users[0].save()?;
    let _: Option<User> = User::find(&1)?;
    let _: bool = User::delete(&1)?;
    let _: usize = User::count()?;
    let store: Store = Store::open("data")?;
    let _: Vec<User> = store.load_all::<User>()?;
    store.save_all(users)?;
    let _: Option<User> = store.find::<User>(&1)?;
    let _: bool = store.delete::<User>(&1)?;
    let _: usize = store.count::<User>()?;
    let _: Col<User, i32> = User::AGE;
    let _: Col<Order, f64> = Order::AMOUNT;
    let order = Order { order_id: 1, user_id: 1, amount: 2.0 };
    let _: Option<User> = order.user()?;
    let _: Vec<Order> = users[0].orders()?;
    let _: Option<User> = order.user_in(&store)?;
    let _: Vec<Order> = users[0].orders_in(&store)?;
    let report: ValidationReport = store.validate()?;
    let _: bool = report.is_ok();
    let graph: parquetframe::SchemaGraph = parquetframe::schema_graph();
    graph.check()?;
    let _: Vec<&str> = graph.topological_order()?;
    let _: (String, String) = (graph.to_dot(), graph.to_mermaid());
    let adults: Vec<User> = User::query().filter(User::AGE.gt(30).and(User::NAME.starts_with("A"))).fetch()?;
    let _ = adults;
    let q: Query<User> = store.query::<User>().order_by(User::AGE.desc()).limit(10).offset(1);
    let _: usize = q.count()?;
    let _: Option<User> = q.first()?;
    let _: parquetframe::polars::prelude::DataFrame = q.to_dataframe()?;
    let _: parquetframe::polars::prelude::LazyFrame = q.lazy()?;
    let _: parquetframe::Explanation = q.clone().engine(Engine::Lazy).explain()?;
    let _ = store.query::<User>().group_by([User::NAME]).agg([User::AGE.mean()])?;
    let _ = store.query::<Order>().join::<User>()?.group_by([User::NAME]).agg([Order::AMOUNT.sum()])?;
    let proxy: DataFrameProxy = parquetframe::read("data/users")?;
    let _ = proxy
        .engine(Engine::Streaming)
        .select([col("name"), col("age")])
        .filter(col("age").gt(lit(30)))
        .with_column(col("age").alias("years"))
        .sort([col("age").desc()])
        .limit(5);
    let _ = parquetframe::read("x.avro")?.group_by([col("name")]).agg([col("age").max()]).explain()?;
    let _: Vec<User> = parquetframe::read("x.parquet")?.to_entities::<User>()?;
    let _: u64 = parquetframe::read("x.csv")?.write_parquet("y.parquet")?;
    let _: u64 =
        parquetframe::read("x.ndjson")?.write_avro("y.avro", parquetframe::avro::Codec::Null, Some(User::avro_schema()))?;
    // Configuration (DESIGN §5, issue #7): layers, per-call arguments, origins.
    let configured: Store = Store::builder().root("data").engine(Engine::Lazy).open()?;
    let _: parquetframe::config::Config = configured.config()?;
    for setting in parquetframe::config::effective()? {
        let _: (&str, String, parquetframe::config::Origin) = (setting.key, setting.value, setting.origin);
    }
    Ok(())
}

fn main() {}
