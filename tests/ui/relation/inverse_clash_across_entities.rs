use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
}

#[derive(Entity)]
#[entity(storage_path = "transfers/", primary_key = "transfer_id")]
pub struct Transfer {
    pub transfer_id: i64,
    #[relation(User, inverse = "payments")]
    pub sender_id: i64,
}

// The same inverse on the same target from another entity: the methods clash.
#[derive(Entity)]
#[entity(storage_path = "payments/", primary_key = "payment_id")]
pub struct Payment {
    pub payment_id: i64,
    #[relation(User, inverse = "payments")]
    pub user_id: i64,
}

fn main() {}
