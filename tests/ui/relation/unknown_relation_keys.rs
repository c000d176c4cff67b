use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
}

// Every mistake is reported in one compile.
#[derive(Entity)]
#[entity(storage_path = "orders/", primary_key = "order_id")]
pub struct Order {
    pub order_id: i64,
    #[relation(User, invers = "orders", on_delete = "cascde", cascade = true)]
    pub user_id: i64,
    #[relation(inverse = "payments")]
    pub payer_id: i64,
    #[relation(User)]
    pub seller_id: i64,
    #[relation(User, inverse = "owned")]
    pub owner: i64,
    #[relation(User, inverse = "save", name = "fn")]
    pub approver_id: i64,
}

fn main() {}
