use parquetframe::prelude::*;

struct Handle;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "id")]
struct User {
    id: i64,
    #[entity(skip)]
    handle: Handle,
}

fn main() {}
