use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "offers/", primary_key = ["part_id", "supplier_id"])]
pub struct Offer {
    pub part_id: i64,
    pub supplier_id: i64,
}

// Every mistake in relations over several columns, reported in one compile:
// an unknown column, one column only, no columns, set_null on required
// columns, a skipped column, a column listed twice, two relations over the
// same columns, and `columns` on a field.
#[derive(Entity)]
#[entity(storage_path = "lines/", primary_key = "line_id")]
#[relation(Offer, columns = ["part", "suplier"], inverse = "lines")]
#[relation(Offer, columns = ["part"], name = "one", inverse = "single")]
#[relation(Offer, name = "none", inverse = "unlisted")]
#[relation(Offer, columns = ["part", "supplier"], name = "cleared", inverse = "cleared", on_delete = "set_null")]
#[relation(Offer, columns = ["part", "hidden"], name = "hidden", inverse = "hidden")]
#[relation(Offer, columns = ["part", "part"], name = "twice", inverse = "twice")]
#[relation(Offer, columns = ["part", "supplier"], name = "again", inverse = "again")]
pub struct Line {
    pub line_id: i64,
    #[relation(Offer, columns = ["part"], inverse = "field_lines")]
    pub part: i64,
    pub supplier: i64,
    #[entity(skip)]
    pub hidden: i64,
}

fn main() {}
