#!/usr/bin/env bash
# Creates (or reuses) the Python environment of the interop tests and prints
# the path of its interpreter. Packages come from the package index
# (pytz: DuckDB needs it to return time-zone-aware timestamps; backports.zstd and
# cramjam: fastavro's zstandard and snappy codecs).
set -euo pipefail
venv="${PF_VENV:-${HOME:-/tmp}/.cache/parquetframe-venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -c "import pyarrow, polars, duckdb, pytz, fastavro, backports.zstd, cramjam" 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check pyarrow polars duckdb pytz fastavro backports.zstd cramjam >&2
fi
echo "$venv/bin/python"
