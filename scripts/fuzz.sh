#!/usr/bin/env bash
# Fuzzes the Avro decoders for a bounded time: `scripts/fuzz.sh [seconds]`
# (default 60). Installs cargo-fuzz from crates.io if it is missing. Runs on
# the machine's stable toolchain (RUSTC_BOOTSTRAP=1 lets it take the flags
# cargo-fuzz passes) without a sanitizer: the decoders have no `unsafe`.
# A crash fails the script and leaves its input under fuzz/artifacts/.
set -euo pipefail
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

corpus="$root/fuzz/corpus/avro_decode"
mkdir -p "$corpus"
# Seeds: valid files of the fuzzed types, one per codec (a workspace example,
# built like the tests, in the target directory .ci/run uses).
(cd "$root" && CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/parquetframe-target}" \
    cargo run --quiet --example avro_fuzz_seeds -- "$corpus")

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${PF_FUZZ_TARGET:-$HOME/.cache/parquetframe-fuzz-target}"
cargo fuzz run --sanitizer none avro_decode "$corpus" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10
