#!/usr/bin/env bash
# benches/ab.sh OLD NEW [RUNS] [-- RUN OPTIONS...]: the same `ptear run`
# with two binaries (e.g. a build of the previous revision and this one),
# alternated RUNS times (default 7), 2 s each, one writer and one reader
# pinned to the first two allowed CPUs, one pair. Prints each binary's
# median reads/s (min-max) and the ratio NEW/OLD of the medians, then the
# same for the writer's cycles/s on a second line: the A/B in
# one sitting that BENCHMARKS.md asks for (absolute figures on a shared VM
# move 10-20% between sittings).
set -euo pipefail
old=$1 new=$2; shift 2
runs=7
if [ $# -gt 0 ] && [ "$1" != -- ]; then runs=$1; shift; fi
[ "${1:-}" = -- ] && shift
cpus=$(python3 -c 'import os; c = sorted(os.sched_getaffinity(0)); print(f"{c[0]},{c[1]}" if len(c) > 1 else c[0])')
one() { # BINARY [OPTIONS]: reads/s and writer cycles/s of one run
    local bin=$1; shift
    local out
    # Exit 1 is a torn verdict (e.g. `--reader once`), not a failure.
    out=$("$bin" run -q -d 2s --readers 1 --writers 1 --pairs 1 --cpus "$cpus" --format json "$@") \
        || [ $? = 1 ]
    python3 -c 'import json, sys; t = json.load(sys.stdin)["totals"]; print(t["reads_per_s"], t["writer_cycles_per_s"])' \
        <<<"$out"
}
a=() b=()
for _ in $(seq "$runs"); do
    a+=("$(one "$old" "$@")")
    b+=("$(one "$new" "$@")")
done
python3 - "$runs" "${a[@]}" "${b[@]}" <<'PY'
import statistics, sys
n = int(sys.argv[1]); v = [[float(x) for x in run.split()] for run in sys.argv[2:]]
f = lambda xs: f"{statistics.median(xs)/1e6:.1f} M ({min(xs)/1e6:.1f}-{max(xs)/1e6:.1f})"
for k, what in ((0, ""), (1, "writer cycles/s: ")):
    old, new = [r[k] for r in v[:n]], [r[k] for r in v[n:]]
    print(f"{what}old {f(old)}  new {f(new)}  new/old of the medians {statistics.median(new)/statistics.median(old):.3f}")
PY
