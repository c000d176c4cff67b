use parquetframe::prelude::*;

// Every key column is checked at once: one names no field, one is an
// Option, one is skipped.
#[derive(Entity)]
#[entity(storage_path = "lines/", primary_key = ["order_idd", "line", "note"])]
struct Line {
    order_id: i64,
    line: Option<i32>,
    #[entity(skip)]
    note: String,
}

fn main() {}
