"""Reads an entity of a parquetframe store with pyarrow, polars and DuckDB
(Parquet entities) or fastavro (Avro entities), using only the catalog and
the manifest (no Rust types), and checks that each gives exactly the
expected rows.

usage: check_store.py ROOT ENTITY EXPECTED_JSON
"""
import json
import os
import sys

import duckdb
import fastavro
import polars as pl
import pyarrow.parquet as pq

from common import normalise, require_equal


def live_rows(files, read, key):
    """Merge-on-read as the manifest defines it: newest sequence first, the
    last row of a key within a file wins, deletes hide older rows."""
    seen, out = set(), []
    for entry in sorted(files, key=lambda f: f["seq"], reverse=True):
        rows = read(entry["path"])
        for row in reversed(rows):
            k = row[key]
            if k in seen:
                continue
            seen.add(k)
            if entry["kind"] == "data":
                out.append(row)
    return out


def main():
    root, entity, expected_path = sys.argv[1:4]
    catalog = json.load(open(os.path.join(root, "_parquetframe", "catalog.json")))
    meta = catalog["entities"][entity]
    key = meta["primary_key"]
    base = os.path.join(root, meta["path"])
    manifests = sorted(n for n in os.listdir(os.path.join(base, "_manifest")) if n.endswith(".json"))
    manifest = json.load(open(os.path.join(base, "_manifest", manifests[-1])))
    files = manifest["files"]
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
        got = live_rows(files, read, key)
        got = sorted(({c: normalise(r.get(c)) for c in columns} for r in got), key=lambda r: r[key])
        require_equal(f"{name}: ", got, expected)
        print(f"{name}: {len(got)} rows from {len(files)} files match")


if __name__ == "__main__":
    main()
