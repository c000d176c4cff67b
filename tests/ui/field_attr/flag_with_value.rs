use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "id")]
struct User {
    id: i64,
    #[entity(skip = true)]
    cache: Vec<String>,
}

fn main() {}
