use parquetframe::prelude::*;

#[derive(Record)]
struct Point {
    #[record(storage_path = "p/")]
    x: i32,
}

fn main() {}
