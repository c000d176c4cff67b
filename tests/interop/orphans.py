"""Counts the orphans of every relation of a parquetframe store with DuckDB,
from the catalog and the tables' Delta logs alone (no Rust types): the rows of the live
files whose foreign key names no live primary key of the target. Compares the
counts with EXPECTED_JSON ({"Entity.column": orphans}).

Every entity must have been compacted (no deletion vectors), so the live
rows are exactly the rows of the listed files.

usage: orphans.py ROOT EXPECTED_JSON
"""
import json
import os
import sys

import duckdb

from common import delta_live_files, require_equal


def live_files(root, meta):
    base = os.path.join(root, meta["path"])
    return [os.path.join(base, f) for f in delta_live_files(base)]


def main():
    root, expected_path = sys.argv[1:3]
    catalog = json.load(open(os.path.join(root, "_parquetframe", "catalog.json")))["entities"]
    con = duckdb.connect()
    counts = {}
    for name, meta in sorted(catalog.items()):
        for rel in meta.get("relations", []):
            target = catalog[rel["target"]]
            children, parents = live_files(root, meta), live_files(root, target)
            column, key = rel["column"], rel["target_key"]
            counts[f"{name}.{column}"] = con.execute(
                f"SELECT count(*) FROM read_parquet({children!r}) c "
                f"WHERE c.{column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM read_parquet({parents!r}) p WHERE p.{key} = c.{column})"
            ).fetchone()[0]
    expected = json.load(open(expected_path))
    require_equal("orphans per relation: ", sorted(counts.items()), sorted((k, v) for k, v in expected.items()))
    print(f"DuckDB agrees on the orphans of {len(counts)} relation(s): {counts}")


main()
