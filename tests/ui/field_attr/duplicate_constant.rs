use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "id")]
#[allow(non_snake_case)]
struct User {
    id: i64,
    fooBar: i32,
    foobar: i32,
}

fn main() {}
