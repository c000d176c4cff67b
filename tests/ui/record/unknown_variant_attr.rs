use parquetframe::prelude::*;

#[derive(Record)]
enum Level {
    #[record(skip)]
    Low,
    High,
}

fn main() {}
