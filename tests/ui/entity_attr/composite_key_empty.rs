use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "lines/", primary_key = [])]
struct Line {
    order_id: i64,
    line: i32,
}

fn main() {}
