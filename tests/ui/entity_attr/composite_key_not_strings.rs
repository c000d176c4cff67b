use parquetframe::prelude::*;

// Both mistakes are reported: an identifier and a number in the list.
#[derive(Entity)]
#[entity(storage_path = "lines/", primary_key = [order_id, 2])]
struct Line {
    order_id: i64,
    line: i32,
}

fn main() {}
