use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
    pub name: String,
    pub age: i32,
}

fn main() {
    let _ = User::query().filter(User::AGE.gt("x"));
    let _ = User::query().filter(User::NAME.eq(3));
}
