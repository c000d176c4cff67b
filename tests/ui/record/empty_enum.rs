use parquetframe::prelude::*;

#[derive(Record)]
enum Never {}

fn main() {}
