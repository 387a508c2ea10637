#!/usr/bin/env bash
# Interleaved A/B of `dyngroup compute` on datagen M: `ab.sh N a b …` runs
# /tmp/dyngroup-a, /tmp/dyngroup-b, … one after another, N rounds, and prints each
# binary's median wall time and every run (the machine is noisy: compare medians of
# runs taken in one sitting). Data: /tmp/dyngroup-data/M (datagen --profile M).
set -euo pipefail
n=$1
shift
data=${DYNGROUP_DATA:-/tmp/dyngroup-data/M}
for _ in $(seq "$n"); do
  for b in "$@"; do
    /usr/bin/time -f "$b %e" "/tmp/dyngroup-$b" compute --inventory "$data/inventory.jsonl" \
      --groups "$data/groups.jsonl" --out "/tmp/m-$b.jsonl" 2>&1 | tail -1
  done
done | sort -k1,1 -k2n | awk '
  { runs[$1] = runs[$1] " " $2; n[$1]++; v[$1, n[$1]] = $2 }
  END { for (b in n) print b, "median", v[b, int((n[b] + 1) / 2)], "runs:" runs[b] }'
