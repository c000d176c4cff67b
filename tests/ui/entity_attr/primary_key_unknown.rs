use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "usr_id")]
struct User {
    user_id: i64,
    name: String,
}

fn main() {}
