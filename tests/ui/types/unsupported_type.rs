use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "jobs/", primary_key = "id")]
struct Job {
    id: i64,
    started: std::time::Instant,
}

fn main() {}
