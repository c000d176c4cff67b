//! Types are recognised through trait impls, so aliases and full paths work.
use parquetframe::prelude::*;

type Id = i64;
type When = chrono::DateTime<chrono::Utc>;
type Names = ::std::vec::Vec<::std::string::String>;
type Stamp = chrono::NaiveDateTime;

#[derive(Entity)]
#[entity(storage_path = "events/", primary_key = "event_id", format = "avro")]
pub struct Event {
    pub event_id: Id,
    pub at: When,
    pub local: Stamp,
    pub names: Names,
    pub note: ::core::option::Option<::std::string::String>,
    pub counts: std::collections::HashMap<String, u64>,
}

fn main() {
    assert_eq!(<Event as Entity>::FORMAT, Format::Avro);
    let _: Col<Event, Names> = Event::NAMES;
}
