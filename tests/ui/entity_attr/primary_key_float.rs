use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "points/", primary_key = "x")]
struct Point {
    x: f64,
    y: f64,
}

fn main() {}
