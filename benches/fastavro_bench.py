"""Times fastavro reading FILE (all records into a list) and writing those
records back (uncompressed, then fsync), ROUNDS times each; prints the medians in seconds.

usage: fastavro_bench.py FILE ROUNDS
"""
import os
import statistics
import sys
import time

import fastavro

path, rounds = sys.argv[1], int(sys.argv[2])
reads, writes = [], []
records = None
with open(path, "rb") as f:
    schema = fastavro.reader(f).writer_schema
for _ in range(rounds):
    start = time.perf_counter()
    with open(path, "rb") as f:
        records = list(fastavro.reader(f))
    reads.append(time.perf_counter() - start)
parsed = fastavro.parse_schema(schema)
out = os.path.join(os.path.dirname(os.path.abspath(path)), "pf-fastavro-bench.avro")
for _ in range(rounds):
    start = time.perf_counter()
    with open(out, "wb") as f:
        fastavro.writer(f, parsed, records, codec="null")
        f.flush()
        os.fsync(f.fileno())  # durable, as every writer in the benchmark
    writes.append(time.perf_counter() - start)
os.remove(out)
print("rows", len(records))
print("read", statistics.median(reads))
print("write", statistics.median(writes))
