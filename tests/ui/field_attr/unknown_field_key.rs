use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "id")]
struct User {
    id: i64,
    #[entity(renmae = "full_name")]
    name: String,
}

fn main() {}
