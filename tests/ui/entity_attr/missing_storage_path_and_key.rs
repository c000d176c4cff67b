use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(format = "parquet")]
struct User {
    user_id: i64,
    name: String,
}

fn main() {}
