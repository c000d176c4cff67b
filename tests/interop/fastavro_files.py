"""fastavro against parquetframe's Avro files.

usage: fastavro_files.py read FILE EXPECTED_JSON   (fastavro reads our file)
       fastavro_files.py write DIR                 (fastavro writes a file per codec)
"""
import datetime
import json
import os
import sys

import fastavro

from common import normalise, require_equal

CODECS = ["null", "deflate", "snappy", "zstandard", "bzip2", "xz"]


def read(path, expected_path):
    expected = json.load(open(expected_path))
    with open(path, "rb") as f:
        reader = fastavro.reader(f)
        codec = reader.codec
        got = [{k: normalise(v) for k, v in r.items()} for r in reader]
    require_equal("", got, expected)
    print(f"fastavro: {len(got)} rows of {os.path.basename(path)} ({codec}) match")


# Python's idea of the same entity: other field order, an extra field, a
# union with null second, and int where the entity has long.
SCHEMA = {
    "type": "record",
    "name": "PyUser",
    "namespace": "python.side",
    "fields": [
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "score", "type": "float"},
        {"name": "from_python", "type": "string"},
        {"name": "user_id", "type": "int"},
        {"name": "name", "type": "string"},
        {"name": "email", "type": ["string", "null"]},
        {"name": "age", "type": "int"},
        {"name": "active", "type": "boolean"},
        {"name": "signup", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    ],
}


def write(directory):
    base = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    rows = [
        {
            "tags": [f"t{j}" for j in range(i % 3)],
            "score": i / 4,
            "from_python": "x" * i,
            "user_id": i,
            "name": f"py-{i} ünï",
            "email": None if i % 3 == 0 else f"{i}@py.org",
            "age": 20 + i % 30,
            "active": i % 2 == 0,
            "signup": base + datetime.timedelta(milliseconds=i),
        }
        for i in range(1000)
    ]
    parsed = fastavro.parse_schema(SCHEMA)
    for codec in CODECS:
        with open(os.path.join(directory, f"py-{codec}.avro"), "wb") as f:
            # Small sync intervals: many blocks, as fastavro writes by default.
            fastavro.writer(f, parsed, rows, codec=codec, sync_interval=4000)
    print(f"fastavro wrote {len(rows)} rows with each of {', '.join(CODECS)}")


if __name__ == "__main__":
    if sys.argv[1] == "read":
        read(sys.argv[2], sys.argv[3])
    else:
        write(sys.argv[2])
