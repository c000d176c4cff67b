use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/../../etc", primary_key = "id")]
struct User {
    id: i64,
}

fn main() {}
