use parquetframe::prelude::*;

// Every key column is checked at once: one names no field, one is an
// Option, one is skipped, one cannot be a key.
#[derive(Entity)]
#[entity(storage_path = "lines/", primary_key = ["order_idd", "line", "note", "weight"])]
struct Line {
    order_id: i64,
    line: Option<i32>,
    #[entity(skip, default)]
    note: String,
    weight: f64,
}

fn main() {}
