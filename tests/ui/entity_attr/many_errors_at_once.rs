use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "/abs", primary_key = "nope", colour = "red")]
struct User {
    id: i64,
    #[entity(rename = "id")]
    other: i64,
    #[entity(skip, default)]
    cache: Vec<String>,
}

fn main() {}
