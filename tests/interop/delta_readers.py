"""Reads an entity's Delta table with the Delta engines that honour deletion
vectors (DuckDB's delta extension, polars scan_delta, deltalake's
QueryBuilder) and checks that each gives exactly the expected rows, and that
the table's properties describe the entity.

usage: delta_readers.py TABLE ENTITY PRIMARY_KEY EXPECTED_JSON

TABLE is a directory or an s3:// URL; for a bucket, the endpoint and
credentials come from the AWS_* variables (`scripts/s3.sh env`), and DuckDB
reads through its httpfs extension.
"""
import glob
import json
import os
import sys

import duckdb
import polars as pl
import pyarrow as pa
from deltalake import DeltaTable, QueryBuilder

from common import normalise, require_equal


def extension(name):
    """An extension file shipped by a duckdb-ext-* package (delta, httpfs)."""
    import duckdb_ext

    base = list(duckdb_ext.__path__)[0]
    found = glob.glob(os.path.join(base, "**", f"{name}.duckdb_extension"), recursive=True)
    if not found:
        sys.exit(f"no {name}.duckdb_extension under {base}")
    return found[0]


def storage_options(table):
    """deltalake's and polars' options for a table in a bucket (None for a directory)."""
    if not table.startswith("s3://"):
        return None
    keys = ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ALLOW_HTTP"]
    return {k: os.environ[k] for k in keys if k in os.environ}


def duckdb_s3_secret(con):
    """DuckDB's S3 secret for the bucket's endpoint, from the AWS_* variables."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    host = endpoint.split("://", 1)[-1]
    quote = lambda v: "'" + v.replace("'", "''") + "'"
    ssl = "false" if endpoint.startswith("http://") else "true"
    con.execute(
        f"CREATE SECRET s3 (TYPE s3, KEY_ID {quote(os.environ['AWS_ACCESS_KEY_ID'])}, "
        f"SECRET {quote(os.environ['AWS_SECRET_ACCESS_KEY'])}, REGION {quote(os.environ.get('AWS_REGION', 'us-east-1'))}, "
        f"ENDPOINT {quote(host)}, URL_STYLE 'path', USE_SSL {ssl})"
    )


def main():
    table, entity, key, expected_path = sys.argv[1:5]
    expected = sorted(json.load(open(expected_path)), key=lambda r: r[key])
    columns = list(expected[0].keys()) if expected else None

    def rows(dicts):
        cols = columns or (list(dicts[0].keys()) if dicts else [])
        return sorted(({c: normalise(r.get(c)) for c in cols} for r in dicts), key=lambda r: r[key])

    options = storage_options(table)
    dt = DeltaTable(table, storage_options=options)
    config = dt.metadata().configuration
    require_equal("table properties: ", [config.get("parquetframe.entity"), config.get("parquetframe.primaryKey")],
                  [entity, key])

    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute("SET TimeZone = 'UTC'")
    if options is not None:
        con.execute(f"LOAD '{extension('httpfs')}'")
        duckdb_s3_secret(con)
    con.execute(f"LOAD '{extension('delta')}'")
    cur = con.execute(f"SELECT * FROM delta_scan('{table}')")
    names = [d[0] for d in cur.description]
    got = rows([dict(zip(names, r)) for r in cur.fetchall()])
    require_equal("duckdb delta_scan: ", got, expected)
    print(f"duckdb delta_scan: {len(got)} rows match")

    got = rows(pl.scan_delta(table, storage_options=options).collect().to_dicts())
    require_equal("polars scan_delta: ", got, expected)
    print(f"polars scan_delta: {len(got)} rows match")

    qb = QueryBuilder().register("t", dt)
    got = rows(pa.table(qb.execute("SELECT * FROM t").read_all()).to_pylist())
    require_equal("deltalake QueryBuilder: ", got, expected)
    print(f"deltalake QueryBuilder: {len(got)} rows match (version {dt.version()})")


if __name__ == "__main__":
    main()
