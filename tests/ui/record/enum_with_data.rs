use parquetframe::prelude::*;

#[derive(Record)]
enum Shape {
    Circle(f64),
    Square { side: f64 },
    Empty,
}

fn main() {}
