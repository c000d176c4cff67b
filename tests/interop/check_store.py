"""Reads an entity of a parquetframe store with pyarrow, polars and DuckDB
(Parquet entities) or fastavro (Avro entities), file by file, using only the
catalog and the Delta log (no Rust types), and checks that each gives
exactly the expected rows.

These readers know nothing of deletion vectors, so the table must have none
(compact it first); delta_readers.py checks Delta engines at every step.

usage: check_store.py ROOT ENTITY EXPECTED_JSON
"""
import json
import os
import sys

import duckdb
import fastavro
import polars as pl
import pyarrow.parquet as pq

from common import delta_live_files, normalise, require_equal


def main():
    root, entity, expected_path = sys.argv[1:4]
    catalog = json.load(open(os.path.join(root, "_parquetframe", "catalog.json")))
    meta = catalog["entities"][entity]
    key = meta["primary_key"]
    base = os.path.join(root, meta["path"])
    files = delta_live_files(base)
    columns = [f["name"] for f in meta["arrow_schema"]]

    def rows_pyarrow(path):
        return pq.read_table(os.path.join(base, path)).to_pylist()

    def rows_polars(path):
        return pl.read_parquet(os.path.join(base, path)).to_dicts()

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")

    def rows_duckdb(path):
        cur = con.execute(f"SELECT * FROM read_parquet('{os.path.join(base, path)}')")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def rows_fastavro(path):
        with open(os.path.join(base, path), "rb") as f:
            return list(fastavro.reader(f))

    readers = [("pyarrow", rows_pyarrow), ("polars", rows_polars), ("duckdb", rows_duckdb)]
    if meta["format"] == "avro":
        readers = [("fastavro", rows_fastavro)]
    expected = sorted(json.load(open(expected_path)), key=lambda r: r[key])
    for name, read in readers:
        got = [row for path in files for row in read(path)]
        got = sorted(({c: normalise(r.get(c)) for c in columns} for r in got), key=lambda r: r[key])
        require_equal(f"{name}: ", got, expected)
        print(f"{name}: {len(got)} rows from {len(files)} files match")


if __name__ == "__main__":
    main()
