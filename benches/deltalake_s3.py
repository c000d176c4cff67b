"""The Python deltalake peer of benches/object_storage.rs: appends the rows
of a Parquet file to a new Delta table in the bucket (`write_deltalake`),
reads it whole, and reads it with a filter, each `rounds` times; prints the
median milliseconds of each as JSON.

usage: deltalake_s3.py PARQUET_FILE S3_PREFIX ROUNDS FILTER_COLUMN FILTER_VALUE
"""
import json
import os
import statistics
import sys
import time

import pyarrow.parquet as pq
from deltalake import DeltaTable, write_deltalake


def main():
    path, prefix, rounds, column, value = sys.argv[1:6]
    rounds = int(rounds)
    keys = ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ALLOW_HTTP"]
    options = {k: os.environ[k] for k in keys if k in os.environ}
    options["conditional_put"] = "etag"
    table = pq.read_table(path)
    writes, reads, filtered = [], [], []
    for r in range(rounds + 1):
        url = f"{prefix}/deltalake-{r}-{time.time_ns()}"
        start = time.perf_counter()
        write_deltalake(url, table, storage_options=options)
        took = time.perf_counter() - start
        dt = DeltaTable(url, storage_options=options)
        start = time.perf_counter()
        whole = dt.to_pyarrow_table()
        read = time.perf_counter() - start
        assert whole.num_rows == table.num_rows
        start = time.perf_counter()
        some = DeltaTable(url, storage_options=options).to_pyarrow_table(filters=[(column, ">", int(value))])
        filt = time.perf_counter() - start
        if r > 0:  # the first round warms up
            writes.append(took)
            reads.append(read)
            filtered.append(filt)
    ms = lambda xs: statistics.median(xs) * 1e3
    print(json.dumps({"write_ms": ms(writes), "read_ms": ms(reads), "filter_ms": ms(filtered),
                      "filter_rows": some.num_rows}))


if __name__ == "__main__":
    main()
