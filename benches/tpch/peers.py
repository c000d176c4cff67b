"""The peers of the TPC-H benchmark, one query per process (the parent reads
its peak memory): DuckDB or polars over the same Parquet files.

    python peers.py duckdb|polars STORE_DIR QUERY ROUNDS

Prints one line: `seconds <best of ROUNDS>` after a warm-up run, or
`unsupported <reason>` when the engine cannot run the query's text.
"""

import os
import sys
import time

TABLES = ["region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem"]
HERE = os.path.dirname(os.path.abspath(__file__))


def files(store, table):
    """The table's live Parquet files, from its Delta log (files a compaction
    replaced stay on disk until a vacuum)."""
    import pyarrow as pa
    from deltalake import DeltaTable

    dt = DeltaTable(os.path.join(store, table))
    actions = pa.table(dt.get_add_actions(flatten=True))
    dv = [c for c in actions.column_names if c.startswith("deletionVector")]
    if any(actions.column(c).null_count < actions.num_rows for c in dv):
        raise SystemExit(f"{table} has deletion vectors: the peers read whole files")
    return sorted(dt.file_uris())


def duckdb_runner(store, sql):
    import duckdb

    con = duckdb.connect()
    for t in TABLES:
        listed = ", ".join(f"'{f}'" for f in files(store, t))
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet([{listed}])")
    return lambda: con.execute(sql).fetchall()


def polars_runner(store, sql):
    import polars as pl

    ctx = pl.SQLContext({t: pl.scan_parquet(files(store, t)) for t in TABLES})
    plan = ctx.execute(sql, eager=False)
    return lambda: plan.collect()


def main():
    engine, store, number, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sql = open(os.path.join(HERE, "sql", f"q{number:02}.sql")).read()
    try:
        run = {"duckdb": duckdb_runner, "polars": polars_runner}[engine](store, sql)
        run()
    except Exception as e:  # the engine cannot run this text
        print("unsupported", str(e).splitlines()[0][:200])
        return
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    print("seconds", best)


if __name__ == "__main__":
    main()
