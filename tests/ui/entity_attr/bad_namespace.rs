use parquetframe::prelude::*;

#[derive(Record)]
#[record(namespace = "com.example-corp")]
struct Point {
    x: i32,
}

fn main() {}
