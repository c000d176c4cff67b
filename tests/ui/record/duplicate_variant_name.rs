use parquetframe::prelude::*;

#[derive(Record)]
enum Level {
    Low,
    #[record(rename = "Low")]
    High,
}

fn main() {}
