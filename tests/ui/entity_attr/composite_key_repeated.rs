use parquetframe::prelude::*;

// The same column twice, and one field named by its ident and its column.
#[derive(Entity)]
#[entity(storage_path = "lines/", primary_key = ["order_id", "order_id"])]
struct Line {
    order_id: i64,
    line: i32,
}

#[derive(Entity)]
#[entity(storage_path = "parts/", primary_key = ["part", "part_no"])]
struct Part {
    #[entity(rename = "part_no")]
    part: i64,
    supplier: i64,
}

fn main() {}
