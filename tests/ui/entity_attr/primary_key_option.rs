use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "user_id")]
struct User {
    user_id: Option<i64>,
}

fn main() {}
