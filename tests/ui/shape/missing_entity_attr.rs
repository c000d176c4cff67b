use parquetframe::prelude::*;

#[derive(Entity)]
struct User {
    user_id: i64,
}

fn main() {}
