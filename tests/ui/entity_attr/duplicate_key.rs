use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "id")]
#[entity(storage_path = "people/")]
struct User {
    id: i64,
}

fn main() {}
