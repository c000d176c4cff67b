"""Reads an entity's Delta table with the Delta engines that honour deletion
vectors (DuckDB's delta extension, polars scan_delta, deltalake's
QueryBuilder) and checks that each gives exactly the expected rows, and that
the table's properties describe the entity.

usage: delta_readers.py TABLE_DIR ENTITY PRIMARY_KEY EXPECTED_JSON
"""
import glob
import json
import os
import sys

import duckdb
import polars as pl
import pyarrow as pa
from deltalake import DeltaTable, QueryBuilder

from common import normalise, require_equal


def delta_extension():
    """The delta extension file shipped by the duckdb-ext-delta package."""
    import duckdb_ext

    base = list(duckdb_ext.__path__)[0]
    found = glob.glob(os.path.join(base, "**", "delta.duckdb_extension"), recursive=True)
    if not found:
        sys.exit(f"no delta.duckdb_extension under {base}")
    return found[0]


def main():
    table, entity, key, expected_path = sys.argv[1:5]
    expected = sorted(json.load(open(expected_path)), key=lambda r: r[key])
    columns = list(expected[0].keys()) if expected else None

    def rows(dicts):
        cols = columns or (list(dicts[0].keys()) if dicts else [])
        return sorted(({c: normalise(r.get(c)) for c in cols} for r in dicts), key=lambda r: r[key])

    dt = DeltaTable(table)
    config = dt.metadata().configuration
    require_equal("table properties: ", [config.get("parquetframe.entity"), config.get("parquetframe.primaryKey")],
                  [entity, key])

    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"LOAD '{delta_extension()}'")
    cur = con.execute(f"SELECT * FROM delta_scan('{table}')")
    names = [d[0] for d in cur.description]
    got = rows([dict(zip(names, r)) for r in cur.fetchall()])
    require_equal("duckdb delta_scan: ", got, expected)
    print(f"duckdb delta_scan: {len(got)} rows match")

    got = rows(pl.scan_delta(table).collect().to_dicts())
    require_equal("polars scan_delta: ", got, expected)
    print(f"polars scan_delta: {len(got)} rows match")

    qb = QueryBuilder().register("t", dt)
    got = rows(pa.table(qb.execute("SELECT * FROM t").read_all()).to_pylist())
    require_equal("deltalake QueryBuilder: ", got, expected)
    print(f"deltalake QueryBuilder: {len(got)} rows match (version {dt.version()})")


if __name__ == "__main__":
    main()
