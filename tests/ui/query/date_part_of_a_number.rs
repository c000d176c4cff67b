use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "items/", primary_key = "id")]
pub struct Item {
    pub id: i64,
    pub quantity: i32,
    pub kind: String,
}

fn main() {
    // Date parts and intervals need a date or timestamp column.
    let _ = Item::query().filter(Item::QUANTITY.year().eq(1995));
    // `like` needs a string column.
    let _ = Item::query().filter(Item::QUANTITY.like("1%"));
}
