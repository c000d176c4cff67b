#!/usr/bin/env bash
# Creates (or reuses) a Python environment of the interop tests and prints
# the path of its interpreter. Packages come from the package index.
#
#   scripts/python-env.sh         pyarrow, polars, DuckDB, fastavro (pytz: DuckDB
#                                 needs it for time-zone-aware timestamps;
#                                 backports.zstd and cramjam: fastavro's codecs)
#   scripts/python-env.sh delta   the Delta engines: DuckDB 1.4.4 with its delta
#                                 and httpfs extensions (duckdb-ext-delta matches
#                                 1.4.4 only, hence a second environment; httpfs
#                                 reads tables in S3 buckets), polars, deltalake
set -euo pipefail
python="${PYTHON:-python3}"
if [ "${1:-}" = delta ]; then
  venv="${PF_DELTA_VENV:-${HOME:-/tmp}/.cache/parquetframe-delta-venv}"
  check="import duckdb, duckdb_ext, polars, deltalake, pyarrow, pytz, glob, os; assert duckdb.__version__ == '1.4.4'; assert glob.glob(os.path.join(list(duckdb_ext.__path__)[0], '**', 'httpfs.duckdb_extension'), recursive=True)"
  packages=("duckdb==1.4.4" duckdb-ext-delta duckdb-ext-httpfs polars deltalake pyarrow pytz)
else
  venv="${PF_VENV:-${HOME:-/tmp}/.cache/parquetframe-venv}"
  check="import pyarrow, polars, duckdb, pytz, fastavro, backports.zstd, cramjam"
  packages=(pyarrow polars duckdb pytz fastavro backports.zstd cramjam)
fi
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -c "$check" 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}" >&2
fi
echo "$venv/bin/python"
