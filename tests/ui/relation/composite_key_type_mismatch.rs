use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "offers/", primary_key = ["part_id", "supplier_id"])]
pub struct Offer {
    pub part_id: i64,
    pub supplier_id: i64,
}

// The columns of a relation over several columns take the target's key
// types in key order: `supplier` is an i32 where the key has an i64.
#[derive(Entity)]
#[entity(storage_path = "lines/", primary_key = "line_id")]
#[relation(Offer, columns = ["part", "supplier"], inverse = "lines")]
pub struct Line {
    pub line_id: i64,
    pub part: i64,
    pub supplier: i32,
}

// Three columns for a key of two.
#[derive(Entity)]
#[entity(storage_path = "quotes/", primary_key = "quote_id")]
#[relation(Offer, columns = ["part", "supplier", "quote_id"], inverse = "quotes")]
pub struct Quote {
    pub quote_id: i64,
    pub part: i64,
    pub supplier: i64,
}

fn main() {}
