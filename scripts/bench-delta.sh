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

# Built once each, then run in turns (private, this tree, private, ...):
# the disk's state drifts between runs, so each pair shares it.
(cd "$old" && cargo bench --bench one_row_saves --no-run 2>&1 | tail -1) >&2
(cd "$here" && cargo bench --bench one_row_saves --no-run 2>&1 | tail -1) >&2
pairs="${BENCH_PAIRS:-3}"
for i in $(seq "$pairs"); do
  echo "== pair $i: private layout ($old_commit), then this tree" >&2
  (cd "$old" && cargo bench --bench one_row_saves 2>/dev/null) | sed 's/^one_row_saves/private_saves/' | tee -a "$log"
  (cd "$here" && cargo bench --bench one_row_saves 2>/dev/null) | tee -a "$log"
done
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
old, new, peers = fields("private_saves "), fields("one_row_saves "), fields("delta_peers ")
if not old or len(new) != len(old) or not peers:
    sys.exit("bench-delta: a benchmark printed no figures")
median = lambda xs: sorted(xs)[len(xs) // 2]
rows = int(new[0]["rows"])
print(f"\n### one-row save() into {rows} rows: {len(old)} pairs, run in turns, medians\n")
print("| | private layout | Delta Lake layer | ratio (median of the pairs' ratios) |\n|---|---:|---:|---:|")
for k in ("mean", "p50", "p90", "p99"):
    a = median([o[k + "_ms"] for o in old])
    b = median([n[k + "_ms"] for n in new])
    r = median([n[k + "_ms"] / o[k + "_ms"] for o, n in zip(old, new)])
    print(f"| {k} | {a:.2f} ms | {b:.2f} ms | {r:.2f}x |")
delta = peers[0]
print(f"\ndeltalake-core MergeBuilder upsert p50 {delta['merge_p50_ms']:.1f} ms: "
      f"{delta['merge_p50_ms'] / delta['save_p50_ms']:.0f}x the store's save() p50 ({delta['save_p50_ms']:.2f} ms) in the same run")
PY
