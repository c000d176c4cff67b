use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "a/", primary_key = "id", codec = "lz4")]
pub struct UnknownCodec {
    pub id: i64,
}

#[derive(Entity)]
#[entity(storage_path = "b/", primary_key = "id", codec = "xz")]
pub struct AvroCodecOnParquet {
    pub id: i64,
}

#[derive(Entity)]
#[entity(storage_path = "c/", primary_key = "id", format = "avro", codec = "xz")]
pub struct Fine {
    pub id: i64,
}

fn main() {}
