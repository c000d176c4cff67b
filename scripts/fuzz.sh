#!/usr/bin/env bash
# Fuzzes the readers for a bounded time: `scripts/fuzz.sh [seconds] [target...]`
# (default 60 seconds each, every target). Installs cargo-fuzz from crates.io
# if it is missing. Runs on the machine's stable toolchain (RUSTC_BOOTSTRAP=1
# lets it take the flags cargo-fuzz passes) without a sanitizer: the crate's
# only `unsafe` code, avro/fill.rs, runs under Miri instead (scripts/miri.sh).
# Each input runs under a memory limit (2 GiB) and a time limit (10 s): a
# hang or an unbounded allocation fails like a crash. A failure fails the
# script and leaves its input under fuzz/artifacts/<target>/.
#
# PF_FUZZ_TIMEOUT=S raises the per-input time limit (long runs beside other
# work: a niced run starved of CPU can take seconds for an input that runs
# in a fraction of one alone).
#
# PF_FUZZ_RUNS=N also bounds each target to N inputs from a fixed random
# seed: the run CI makes, so that it checks the same inputs every time (an
# open finding, docs/reliability.md, must not fail CI at random); without
# it every run explores new inputs.
#
# Targets:
#   avro_decode   arbitrary bytes as an Avro file, through every reader
#   avro_schemas  an arbitrary writer schema, every codec, lying row counts
#   parquet_read  arbitrary bytes as a Parquet file (footer, pages)
set -euo pipefail
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(avro_decode avro_schemas parquet_read)
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

# Seeds: valid files of the fuzzed types (Avro with every codec, Parquet),
# from a workspace example built like the tests, in the target directory
# .ci/run uses.
for t in "${targets[@]}"; do mkdir -p "$root/fuzz/corpus/$t"; done
(cd "$root" && CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/parquetframe-target}" \
    cargo run --quiet --example avro_fuzz_seeds -- "$root/fuzz/corpus/avro_decode" "$root/fuzz/corpus/parquet_read")

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${PF_FUZZ_TARGET:-$HOME/.cache/parquetframe-fuzz-target}"
for t in "${targets[@]}"; do
    max_len=65536
    [ "$t" = avro_schemas ] && max_len=1048576
    log="$(mktemp)"
    bound=()
    [ -n "${PF_FUZZ_RUNS:-}" ] && bound=(-seed=1 -runs="$PF_FUZZ_RUNS")
    echo "fuzzing $t for ${seconds}s ${bound[*]}"
    if ! cargo fuzz run --sanitizer none "$t" "$root/fuzz/corpus/$t" -- \
        -max_total_time="$seconds" "${bound[@]}" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -max_len="$max_len" -timeout="${PF_FUZZ_TIMEOUT:-10}" -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log"
        rm -f "$log"
        exit 1
    fi
    # The execution count, for docs/reliability.md.
    grep -E "^Done [0-9]+ runs" "$log" | sed "s/^/$t: /" || tail -n 5 "$log"
    rm -f "$log"
done
