use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "s/", primary_key = "id")]
enum State {
    On,
    Off,
}

fn main() {}
