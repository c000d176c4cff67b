use parquetframe::prelude::*;

struct NotAColumn;

#[derive(Entity)]
#[entity(storage_path = "jobs/", primary_key = "id")]
struct Job {
    id: i64,
    parts: Vec<NotAColumn>,
}

fn main() {}
