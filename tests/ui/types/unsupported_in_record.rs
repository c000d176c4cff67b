use parquetframe::prelude::*;

#[derive(Record)]
struct Inner {
    cell: std::cell::Cell<i32>,
}

fn main() {}
