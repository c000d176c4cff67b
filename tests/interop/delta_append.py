"""Appends rows to an entity's Delta table with Python deltalake's
write_deltalake (mode="append"), in the table's own schema.

usage: delta_append.py TABLE_DIR ROWS_JSON
"""
import json
import sys

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake


def main():
    table, rows_path = sys.argv[1:3]
    schema = DeltaTable(table).schema().to_arrow()
    schema = pa.schema(schema)
    rows = json.load(open(rows_path))
    batch = pa.Table.from_pylist(rows, schema=schema)
    write_deltalake(table, batch, mode="append")
    print(f"appended {len(rows)} rows")


if __name__ == "__main__":
    main()
