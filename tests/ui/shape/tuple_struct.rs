use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "p/", primary_key = "id")]
struct Pair(i64, String);

fn main() {}
