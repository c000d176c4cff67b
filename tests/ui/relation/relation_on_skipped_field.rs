use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
}

#[derive(Entity)]
#[entity(storage_path = "orders/", primary_key = "order_id")]
pub struct Order {
    pub order_id: i64,
    #[entity(skip)]
    #[relation(User, inverse = "orders")]
    pub user_id: i64,
}

fn main() {}
