use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "id", format = "csv")]
struct User {
    id: i64,
}

fn main() {}
