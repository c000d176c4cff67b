#!/usr/bin/env bash
# The Delta Lake benchmark of issue #18, side by side in one run:
#
#   1. one-row save() latency into a 1M-row entity at the commit before the
#      Delta Lake layer (d525eaa: the private layout of JSON manifests and
#      key delete files), built in a git worktree beside this clone;
#   2. the same benchmark on this tree;
#   3. this tree against deltalake-core's WriteBuilder and MergeBuilder
#      (`cargo bench -p parquetframe-peers --bench delta`);
#
# then the ratios. Release builds (the old tree's first build takes a while);
# files under the temporary directory (a disk: syncs count).
#
#   scripts/bench-delta.sh            (BENCH_ROWS=1000000 by default)
#   BENCH_ROWS=10000000 scripts/bench-delta.sh
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
old_commit="${PRIVATE_LAYOUT_COMMIT:-d525eaa}"
old="${TMPDIR:-/tmp}/parquetframe-private-layout"
export BENCH_ROWS="${BENCH_ROWS:-1000000}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

if [ ! -e "$old/.git" ]; then
  git -C "$here" worktree add --detach --force "$old" "$old_commit" >&2
fi
# The benchmark is the same source in both trees (it uses only the API both have).
cp "$here/benches/one_row_saves.rs" "$old/benches/one_row_saves.rs"
grep -q 'name = "one_row_saves"' "$old/Cargo.toml" ||
  printf '\n[[bench]]\nname = "one_row_saves"\nharness = false\n' >> "$old/Cargo.toml"

echo "== private layout ($old_commit): one-row saves" >&2
(cd "$old" && cargo bench --bench one_row_saves 2>/dev/null) | tee -a "$log"
echo "== this tree: one-row saves" >&2
(cd "$here" && cargo bench --bench one_row_saves 2>/dev/null) | tee -a "$log"
echo "== this tree against deltalake-core" >&2
(cd "$here" && cargo bench -p parquetframe-peers --bench delta 2>/dev/null) | tee -a "$log"

python3 - "$log" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
def fields(prefix):
    out = []
    for l in lines:
        if l.startswith(prefix):
            out.append({k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", l)})
    return out
saves, peers = fields("one_row_saves "), fields("delta_peers ")
if len(saves) < 2 or not peers:
    sys.exit("bench-delta: a benchmark printed no figures")
old, new, delta = saves[0], saves[1], peers[0]
print(f"\n### one-row save() into {int(new['rows'])} rows, same run\n")
print("| | private layout | Delta Lake layer | ratio |\n|---|---:|---:|---:|")
for k in ("mean", "p50", "p90", "p99"):
    a, b = old[k + "_ms"], new[k + "_ms"]
    print(f"| {k} | {a:.2} ms | {b:.2} ms | {b / a:.2}x |")
print(f"\ndeltalake-core MergeBuilder upsert p50 {delta['merge_p50_ms']:.1} ms: "
      f"{delta['merge_p50_ms'] / delta['save_p50_ms']:.0}x the store's save() p50 ({delta['save_p50_ms']:.2} ms) in the same run")
PY
