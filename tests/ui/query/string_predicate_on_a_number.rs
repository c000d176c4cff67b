use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
    pub age: i32,
}

fn main() {
    let _ = User::query().filter(User::AGE.starts_with("1"));
}
