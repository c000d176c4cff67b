"""Writes a Parquet file the way a pyarrow user would: narrower integers,
large strings, nanosecond timestamps, columns in another order, an extra
column. usage: write_pyarrow.py PATH"""
import datetime
import sys

import pyarrow as pa
import pyarrow.parquet as pq

n = 50
base = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
table = pa.table({
    "extra": pa.array([f"ignored {i}" for i in range(n)]),
    "signup": pa.array([base + datetime.timedelta(seconds=i) for i in range(n)], pa.timestamp("ns", tz="UTC")),
    "user_id": pa.array(range(n), pa.int32()),
    "name": pa.array([f"py-{i}" for i in range(n)], pa.large_string()),
    "email": pa.array([None if i % 3 == 0 else f"{i}@py.org" for i in range(n)], pa.string()),
    "age": pa.array([20 + i % 30 for i in range(n)], pa.int16()),
    "score": pa.array([i * 0.25 for i in range(n)], pa.float64()),
    "active": pa.array([i % 2 == 0 for i in range(n)], pa.bool_()),
    "tags": pa.array([[f"t{j}" for j in range(i % 3)] for i in range(n)], pa.large_list(pa.string())),
})
pq.write_table(table, sys.argv[1], compression="snappy")
print(f"pyarrow wrote {n} rows to {sys.argv[1]}")
