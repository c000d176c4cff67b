use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "prices/", primary_key = "id")]
struct Price {
    id: i64,
    #[entity(precision = 40, scale = 2)]
    a: rust_decimal::Decimal,
    #[entity(precision = 5, scale = 9)]
    b: rust_decimal::Decimal,
}

fn main() {}
