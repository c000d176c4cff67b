use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "user_id")]
struct User {
    #[entity(skip)]
    user_id: i64,
    name: String,
}

fn main() {}
