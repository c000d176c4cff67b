use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "things/", primary_key = "r#type", name = "Thing")]
pub struct Thing {
    pub r#type: String,
    #[entity(rename = "match")]
    pub r#match: i32,
    #[entity(default)]
    pub added: Option<String>,
}

fn main() {
    assert_eq!(Thing::TYPE.name(), "type");
    assert_eq!(Thing::MATCH.name(), "match");
    assert_eq!(<Thing as Entity>::ENTITY_NAME, "Thing");
    assert_eq!(<Thing as Entity>::PRIMARY_KEY, "type");
}
