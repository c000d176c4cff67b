use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "items/", primary_key = "id")]
pub struct Item {
    pub id: i64,
    pub quantity: i32,
    pub price: f64,
    pub kind: String,
}

fn main() {
    // An i32 column times an f64 column: cast one side first.
    let _ = Item::QUANTITY * Item::PRICE;
    // Two columns of different types compared.
    let _ = Item::query().filter(Item::QUANTITY.lt(Item::PRICE));
    // Strings have no arithmetic.
    let _ = Item::KIND + "x";
    // The cast that makes the first line compile.
    let _ = Item::query().filter((Item::QUANTITY.cast::<f64>() * Item::PRICE).gt(100.0));
}
