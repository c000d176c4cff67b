use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "w/", primary_key = "id")]
struct Wrapper<T> {
    id: i64,
    value: T,
}

fn main() {}
