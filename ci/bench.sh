#!/usr/bin/env bash
# The benchmarks on x86-64 and on i686 (static, natively): the figures in
# BENCHMARKS.md come from this command.
#   benches/hammer.rs   reads/s per read protocol
#   benches/c_loop.rs   ptear's lockless loop against a hand-written C loop
#                       (benches/c_loop.c, built with cc / i686-linux-gnu-gcc)
# Usage: ci/bench.sh [hammer|c_loop]...   (default: both)
# PTEAR_BENCH_RUNS / PTEAR_BENCH_SECS set c_loop's alternated runs (7 x 2 s).
set -euo pipefail
cd "$(dirname "$0")/.."
benches=("$@")
[ ${#benches[@]} -gt 0 ] || benches=(hammer c_loop)
for b in "${benches[@]}"; do
    case "$b" in
    hammer | c_loop) ;;
    *) echo "ci/bench.sh: no benchmark $b (hammer, c_loop)" >&2; exit 2 ;;
    esac
done
# cargo's progress goes to a log, shown only if the benchmark fails.
mkdir -p target
log=target/bench.log
bench() {
    if ! "$@" 2>"$log" | grep -v '^\s*Running'; then
        cat "$log" >&2
        exit 1
    fi
}
echo "## x86-64"
for b in "${benches[@]}"; do
    bench cargo bench --locked --bench "$b"
done
echo "## i686"
for b in "${benches[@]}"; do
    RUSTFLAGS="-C target-feature=+crt-static" CARGO_TARGET_DIR=target/bench-i686 \
        bench cargo bench --locked --bench "$b" --target i686-unknown-linux-gnu
done
