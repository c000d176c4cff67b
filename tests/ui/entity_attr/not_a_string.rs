use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = users, primary_key = 3)]
struct User {
    id: i64,
}

fn main() {}
