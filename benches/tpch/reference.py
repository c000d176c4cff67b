"""DuckDB's answers to the 22 TPC-H queries over a store's Parquet files.

    python reference.py STORE_DIR OUT_DIR

Runs the standard query texts (`sql/qNN.sql`, as DuckDB's tpch extension
prints them) on DuckDB over the data files of each table of the store
(freshly generated: every file is live) and writes `OUT_DIR/qNN.csv`, a
header and the rows, floats printed to round-trip exactly.
"""

import csv
import datetime
import os
import sys

import duckdb

TABLES = ["region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem"]


def text(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def main():
    store, out = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out, exist_ok=True)
    con = duckdb.connect()
    for table in TABLES:
        files = os.path.join(store, table, "data", "*.parquet")
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{files}')")
        count = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        print(f"{table}: {count} rows", file=sys.stderr)
    for n in range(1, 23):
        sql = open(os.path.join(here, "sql", f"q{n:02}.sql")).read()
        result = con.execute(sql)
        names = [d[0] for d in result.description]
        rows = result.fetchall()
        with open(os.path.join(out, f"q{n:02}.csv"), "w", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(names)
            for row in rows:
                writer.writerow([text(v) for v in row])
        print(f"q{n:02}: {len(rows)} rows", file=sys.stderr)


if __name__ == "__main__":
    main()
