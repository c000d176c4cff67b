"""The peers of the relations benchmark, on the store's Parquet files: the
orphan count of ORDERS against USERS (an anti-join on user_id) with DuckDB and
with polars (Python), ROUNDS times each after a warm-up; prints the medians in
seconds and the counts.

usage: relations_peers.py ORDERS_GLOB USERS_GLOB ROUNDS
"""
import sys

import duckdb
import polars as pl
from peers_timing import timed

orders, users, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])

con = duckdb.connect()
duck, duck_count = timed(
    lambda: con.execute(
        f"SELECT count(*) FROM read_parquet('{orders}') o "
        f"ANTI JOIN read_parquet('{users}') u ON o.user_id = u.user_id"
    ).fetchone()[0],
    rounds,
)
polars_py, polars_count = timed(
    lambda: pl.scan_parquet(orders)
    .select("user_id")
    .join(pl.scan_parquet(users).select("user_id"), on="user_id", how="anti")
    .select(pl.len())
    .collect()
    .item(),
    rounds,
)
print(f"duckdb {duck} {duck_count}")
print(f"polars {polars_py} {polars_count}")
