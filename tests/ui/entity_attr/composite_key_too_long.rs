use parquetframe::prelude::*;

#[derive(Entity)]
#[entity(storage_path = "cells/", primary_key = ["a", "b", "c", "d", "e"])]
struct Cell {
    a: i64,
    b: i64,
    c: i64,
    d: i64,
    e: i64,
}

fn main() {}
