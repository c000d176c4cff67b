use parquetframe::prelude::*;

#[derive(Entity)]
#[entity]
struct User {
    id: i64,
}

fn main() {}
