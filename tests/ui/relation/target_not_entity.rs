use parquetframe::prelude::*;

pub struct Customer {
    pub id: i64,
}

#[derive(Entity)]
#[entity(storage_path = "orders/", primary_key = "order_id")]
pub struct Order {
    pub order_id: i64,
    #[relation(Customer, inverse = "orders")]
    pub customer_id: i64,
}

fn main() {}
