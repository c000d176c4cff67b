use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "u/", primary_key = "id")]
struct Marker;

fn main() {}
