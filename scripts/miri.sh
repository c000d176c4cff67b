#!/usr/bin/env bash
# Runs the tests of the crate's only `unsafe` code (parquetframe/src/avro/fill.rs)
# under Miri, which checks every memory access, initialisation and drop
# (undefined behaviour, leaks, data races between rayon's threads).
# The module is compiled alone, in a scratch crate that includes the file
# itself (`#[path]`) with its one dependency, rayon: Miri interprets every
# dependency, and the whole library (polars, arrow) would take hours.
# Installs the nightly toolchain's miri component with rustup if missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! cargo +nightly miri --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal
    rustup component add --toolchain nightly miri rust-src
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src"
rayon="$(grep -A1 '^name = "rayon"$' "$root/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p' | head -1)"
cat >"$scratch/Cargo.toml" <<TOML
[package]
name = "fill-miri"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
rayon = "=$rayon"

[workspace]
TOML
cat >"$scratch/src/lib.rs" <<RS
#[path = "$root/parquetframe/src/avro/fill.rs"]
pub mod fill;
RS
# The workspace's lock file: rayon and crossbeam at the versions the crate uses.
cp "$root/Cargo.lock" "$scratch/Cargo.lock"
cd "$scratch"
# Many seeds: rayon's thread interleavings differ with each. Tree Borrows:
# under Stacked Borrows, Miri stops in crossbeam-epoch (rayon's deques)
# before reaching this code; its integer-to-pointer casts need permissive
# provenance. Leaks are not Miri's to judge here: rayon's pool threads
# outlive the tests by design, and the tests count the values they drop.
MIRIFLAGS="${MIRIFLAGS:--Zmiri-tree-borrows -Zmiri-permissive-provenance -Zmiri-ignore-leaks -Zmiri-many-seeds=0..8}" CARGO_TARGET_DIR="$scratch/target" cargo +nightly miri test
