#!/usr/bin/env bash
# benches/c_loop_sh4.sh - the sh4 C port's hammer loop against the
# bookkeeping-free C loop (benches/c_loop.c) doing the same stores, both
# built for sh4 and run under qemu-sh4's default CPU (SH-4A, sh7785: the
# kernel barriers are synco on both sides). The sh4 counterpart of
# benches/c_loop.rs (issue #20).
#
# For each writer (documented; the port's `sh` against c_loop's
# `high-first`, the same stores; unordered): 1 writer on CPU 0, 1 lockless
# reader on CPU 1, 1 pair, `--barrier kernel`; RUNS alternated pairs of
# runs (the C port, then the C loop) of SECS seconds each. Prints medians,
# min-max and the ratios port/C of reads/s and writer cycles/s.
#
# Under qemu-user the absolute figures mean nothing: TCG translates each
# guest instruction into host code, so a load or a synco costs what its
# translation costs, not what it costs on an SH-4A. Read only the ratios:
# how much work per read and per writer cycle each loop does under the
# same emulator.
#
#     benches/c_loop_sh4.sh          # PTEAR_BENCH_RUNS (5), PTEAR_BENCH_SECS (2)
#
# Needs what c/build.sh sh4 needs (ci/setup.sh: sh4-linux-gnu-gcc, the sh4
# sysroot, qemu-sh4) and python3. Builds target/c/ptear-c-sh4 and
# target/c_loop-sh4. Works from any directory.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
runs=${PTEAR_BENCH_RUNS:-5}
secs=${PTEAR_BENCH_SECS:-2}
for v in "$runs" "$secs"; do
    case "$v" in
        '' | *[!0-9]* | 0) echo "c_loop_sh4.sh: PTEAR_BENCH_RUNS and PTEAR_BENCH_SECS must be whole numbers >= 1" >&2; exit 2 ;;
    esac
done
command -v qemu-sh4 >/dev/null || { echo "c_loop_sh4.sh: qemu-sh4 not found: run ci/setup.sh first" >&2; exit 1; }
command -v python3 >/dev/null || { echo "c_loop_sh4.sh: python3 not found" >&2; exit 1; }

# The C port (c/build.sh checks the sysroot and the compiler, and builds
# the GCC plugin if the compiler needs it).
bash "$root/c/build.sh" sh4
port=$root/target/c/ptear-c-sh4

# The C loop, with c/build.sh's sh4 compiler, flags and sysroot.
CC=sh4-linux-gnu-gcc
R=$root/target/sh4-sysroot/usr/sh4-linux-gnu
flags=(-std=c11 -O2 -Wall -Wextra -Werror -static -pthread -B"$R/lib" -L"$R/lib" -isystem "$R/include")
# c/build.sh's probe: does the compiler keep the load and test of
# `if (!*p)`? (bookworm's gcc 12 drops them; c_loop's stop flag is one.)
probe_ok() {
    printf 'int g(void);\nint f(int *p) { if (!*p) return g(); return 0; }\n' |
        "$CC" -O2 "$@" -x c -S -o - - | grep -q '@r4'
}
if ! probe_ok; then
    so=$root/target/c/sh4-gcc$("$CC" -dumpversion | cut -d. -f1)-no-treg-combine.so
    if [ ! -f "$so" ] || ! probe_ok -fplugin="$so"; then
        echo "c_loop_sh4.sh: $CC drops zero tests of loaded values and $so does not fix it" >&2
        exit 1
    fi
    flags+=(-fplugin="$so")
fi
cloop=$root/target/c_loop-sh4
"$CC" "${flags[@]}" -o "$cloop" "$root/benches/c_loop.c"
echo "built $cloop"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "sh4 C port vs C loop under $(qemu-sh4 --version | head -n 1) (default CPU, SH-4A),"
echo "host $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1), $(nproc) CPUs;" \
    "lockless reader, kernel barriers (synco), 1 pair, cpus 0,1;"
echo "$runs alternated runs of ${secs} s each per writer; $(date)"

for w in documented sh unordered; do
    cw=$w
    [ "$w" != sh ] || cw=high-first
    for i in $(seq "$runs"); do
        rc=0
        qemu-sh4 "$port" run -d "${secs}s" --readers 1 --writers 1 --pairs 1 --cpus 0,1 --reader lockless \
            --writer "$w" --barrier kernel --quiet --json "$tmp/run.json" >/dev/null 2>"$tmp/err" || rc=$?
        if [ $rc -gt 1 ]; then # 0 clean, 1 torn (sh and unordered tear under emulation too)
            echo "c_loop_sh4.sh: the C port failed (exit $rc), writer $w:" >&2
            cat "$tmp/err" >&2
            exit 1
        fi
        python3 - "$tmp/run.json" "$w" >>"$tmp/$w.port" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
if "synco" not in r["config"]["barrier_detail"]:
    sys.exit("c_loop_sh4.sh: the port's kernel barrier is not synco (%s): not SH-4A?"
             % r["config"]["barrier_detail"])
t = r["totals"]
print(t["reads_per_s"], t["writer_cycles_per_s"])
EOF
        out=$(qemu-sh4 "$cloop" "$secs" 0 1 "$cw")
        awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
             END { if (v["reads_per_s"] == "" || v["writer_cycles_per_s"] == "") exit 1
                   print v["reads_per_s"], v["writer_cycles_per_s"] }' <<<"$out" >>"$tmp/$w.c" ||
            { echo "c_loop_sh4.sh: no figures in the C loop's output: $out" >&2; exit 1; }
        echo "  $w run $i/$runs: port $(tail -n 1 "$tmp/$w.port"), C loop ($cw) $(tail -n 1 "$tmp/$w.c")"
    done
done

python3 - "$tmp" <<'EOF'
import statistics, sys
d = sys.argv[1]
def load(name):
    rows = [tuple(map(float, l.split())) for l in open(f"{d}/{name}")]
    return [r[0] for r in rows], [r[1] for r in rows]
def spread(v):
    return "%.2f M (%.2f-%.2f)" % (statistics.median(v) / 1e6, min(v) / 1e6, max(v) / 1e6)
print()
print("| writer | port reads/s | C reads/s | ratio | port writer cycles/s | C writer cycles/s | ratio |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for w, cw in (("documented", "documented"), ("sh", "high-first"), ("unordered", "unordered")):
    pr, pc = load(w + ".port")
    cr, cc = load(w + ".c")
    print("| %s | %s | %s | %.3f | %s | %s | %.3f |" % (
        w if w == cw else "%s (C: %s)" % (w, cw), spread(pr), spread(cr),
        statistics.median(pr) / statistics.median(cr), spread(pc), spread(cc),
        statistics.median(pc) / statistics.median(cc)))
EOF
