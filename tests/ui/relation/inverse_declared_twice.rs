use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
}

// Two relations of one entity with the same inverse on one target.
#[derive(Entity)]
#[entity(storage_path = "transfers/", primary_key = "transfer_id")]
pub struct Transfer {
    pub transfer_id: i64,
    #[relation(User, inverse = "transfers")]
    pub sender_id: i64,
    #[relation(User, inverse = "transfers")]
    pub receiver_id: i64,
}

fn main() {}
