"""The peers of the query benchmark, on the store's Parquet files: the four
queries with DuckDB and with polars (Python), ROUNDS times each after a
warm-up; prints one line per engine and query: the median in seconds and the
result's row count.

usage: query_peers.py ORDERS_FILES USERS_FILES ROUNDS   (comma-separated live files)
"""
import sys

import duckdb
import polars as pl
from peers_timing import timed

orders_files, users_files = sys.argv[1].split(","), sys.argv[2].split(",")
rounds = int(sys.argv[3])
orders, users = repr(orders_files), repr(users_files)  # SQL list literals

con = duckdb.connect()
con.execute("SET threads TO 2")
duck = {
    "selective": f"SELECT * FROM read_parquet({orders}) WHERE amount > 990 AND status = 'refunded'",
    "projection": f"SELECT order_id, amount FROM read_parquet({orders})",
    "group_by": f"SELECT status, sum(amount), count(order_id) FROM read_parquet({orders}) GROUP BY status",
    "join": f"SELECT u.country, sum(o.amount) FROM read_parquet({orders}) o "
    f"JOIN read_parquet({users}) u ON o.user_id = u.user_id GROUP BY u.country",
}
o, u = pl.scan_parquet(orders_files), pl.scan_parquet(users_files)
polars_q = {
    "selective": lambda: o.filter((pl.col("amount") > 990) & (pl.col("status") == "refunded")).collect(),
    "projection": lambda: o.select("order_id", "amount").collect(),
    "group_by": lambda: o.group_by("status").agg(pl.col("amount").sum(), pl.col("order_id").count()).collect(),
    "join": lambda: o.join(u, on="user_id").group_by("country").agg(pl.col("amount").sum()).collect(),
}
for name, sql in duck.items():
    # to_arrow_table: the result materialised, as the other engines do.
    secs, rows = timed(lambda: con.sql(sql).to_arrow_table().num_rows, rounds)
    print(f"duckdb {name} {secs} {rows}")
for name, run in polars_q.items():
    secs, rows = timed(lambda: run().height, rounds)
    print(f"polars {name} {secs} {rows}")
