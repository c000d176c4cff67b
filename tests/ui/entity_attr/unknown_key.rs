use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "id", formt = "avro")]
struct User {
    id: i64,
}

fn main() {}
