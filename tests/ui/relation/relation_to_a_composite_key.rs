use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "partsupp/", primary_key = ["part_id", "supplier_id"])]
struct PartSupp {
    part_id: i64,
    supplier_id: i64,
}

// A relation on a field holds one column, so it cannot reference a key of
// two (that takes #[relation(PartSupp, columns = [..])] on the struct).
#[derive(Entity)]
#[entity(storage_path = "lines/", primary_key = "line_id")]
struct Line {
    line_id: i64,
    #[relation(PartSupp, inverse = "lines")]
    part_id: i64,
}

fn main() {}
