use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "id")]
struct User {
    id: i64,
    #[entity(rename = "first name")]
    first_name: String,
}

fn main() {}
