use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "nations/", primary_key = "nation_id")]
pub struct Nation {
    pub nation_id: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "customers/", primary_key = "customer_id")]
pub struct Customer {
    pub customer_id: i64,
    #[relation(Nation, inverse = "customers")]
    pub nation_id: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "orders/", primary_key = "order_id")]
pub struct Order {
    pub order_id: i64,
    #[relation(Customer, inverse = "orders")]
    pub customer_id: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "parts/", primary_key = "part_id")]
pub struct Part {
    pub part_id: i64,
}

fn main() -> Result<()> {
    // Along the relations: compiles.
    let _ = Order::query().join::<Customer>()?.join::<Nation>()?;
    let _ = Nation::query().join::<Customer>()?.join::<Order>()?;
    // A hop that skips the entity in between.
    let _ = Order::query().join::<Nation>()?;
    // No relation at all.
    let _ = Order::query().join::<Customer>()?.left_join::<Part>()?;
    Ok(())
}
