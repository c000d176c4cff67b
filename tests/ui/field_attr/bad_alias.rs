use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "a/", primary_key = "id")]
pub struct User {
    pub id: i64,
    #[entity(alias = "old-name", alias = "fine_name")]
    pub name: String,
    #[entity(alias)]
    pub other: String,
}

fn main() {}
