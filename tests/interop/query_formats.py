"""Files for `parquetframe::read` written by the Python clients, and checks of
the files parquetframe writes from query results.

usage: query_formats.py write DIR   -> writes people.{parquet,arrow,csv,ndjson}
                                       (pyarrow, polars) and people.avro
                                       (fastavro, deflate), prints the expected
                                       score sum per city as JSON
       query_formats.py check PARQUET AVRO ROWS SUM
                                    -> pyarrow and fastavro read parquetframe's
                                       query output; the rows and the score sum
"""
import json
import sys

import fastavro
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as feather
import pyarrow.parquet as pq

mode = sys.argv[1]
if mode == "write":
    out = sys.argv[2]
    rows = [
        {"id": i, "name": f"p{i} ünï", "city": None if i % 5 == 0 else ["Oslo", "Lima", "Pune"][i % 3],
         "score": float(i * 3 % 11)}
        for i in range(300)
    ]
    table = pa.Table.from_pylist(rows)
    pq.write_table(table, f"{out}/people.parquet", compression="snappy")
    feather.write_feather(table, f"{out}/people.arrow")
    pacsv.write_csv(table, f"{out}/people.csv")
    pl.from_arrow(table).write_ndjson(f"{out}/people.ndjson")
    schema = {
        "type": "record", "name": "Person",
        "fields": [
            {"name": "id", "type": "long"},
            {"name": "name", "type": "string"},
            {"name": "city", "type": ["null", "string"]},
            {"name": "score", "type": "double"},
        ],
    }
    with open(f"{out}/people.avro", "wb") as f:
        fastavro.writer(f, schema, rows, codec="deflate")
    expected = {}
    for r in rows:
        if r["city"] is not None:
            expected[r["city"]] = expected.get(r["city"], 0.0) + r["score"]
    print(json.dumps(expected, sort_keys=True))
elif mode == "check":
    parquet, avro, want_rows, want_sum = sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    t = pq.read_table(parquet)
    with open(avro, "rb") as f:
        records = list(fastavro.reader(f))
    for label, n, s in [
        ("pyarrow", t.num_rows, sum(t.column("score").to_pylist())),
        ("fastavro", len(records), sum(r["score"] for r in records)),
    ]:
        if n != want_rows or abs(s - want_sum) > 1e-9:
            print(f"{label}: {n} rows, sum {s}; expected {want_rows}, {want_sum}")
            sys.exit(1)
    print(f"pyarrow and fastavro read {want_rows} rows, score sum {want_sum}")
