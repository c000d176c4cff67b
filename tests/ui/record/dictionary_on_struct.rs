use parquetframe::prelude::*;

#[derive(Record)]
#[record(dictionary)]
struct Point {
    x: i32,
}

fn main() {}
