use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "id")]
struct User {
    id: i64,
    name: String,
    #[entity(rename = "name")]
    nickname: String,
}

fn main() {}
