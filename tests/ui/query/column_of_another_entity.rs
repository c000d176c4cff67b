use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
    pub age: i32,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "orders/", primary_key = "order_id")]
pub struct Order {
    pub order_id: i64,
    pub amount: f64,
}

fn main() {
    let _ = User::query().filter(Order::AMOUNT.gt(10.0));
    let _ = User::query().order_by(Order::AMOUNT.desc());
}
