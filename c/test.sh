#!/usr/bin/env bash
# The C port's own checks, on sh4 under qemu-user: the default CPU (sh7785,
# SH-4A, has synco) and -cpu sh7750r (plain SH-4, no synco); the retry
# histogram test (c/tests/retry_histogram.c) and the encoding test
# (c/tests/layouts.c) and the samples-by-kind test (c/tests/samples.c)
# natively on x86_64 and on both sh4 CPUs; and the
# classes, consequences and readers of docs/layouts.md, in short runs
# natively on x86_64; --clear-to and --level (3d). About three minutes on 2 CPUs.
# The JSON files it has the port write are checked by tests/c_reports.rs
# (cargo test --profile ci, built on first use if ci/test.sh has not).
#   c/test.sh            (from any directory)
# Last line: "N passed, N failed"; exit status 1 if anything failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
bin="$root/target/c/ptear-c-sh4"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

ok()   { passed=$((passed + 1)); echo "ok    $1"; }
fail() { failed=$((failed + 1)); echo "FAIL  $1: $2"; }
# A JSON check in Rust (tests/c_reports.rs, the crate's schema types): TEST,
# its input files in the environment given after it; on failure, what it
# said on stderr, else its summary on stdout. (The first one builds the
# test, as `cargo test` would.)
rust_check() {                  # TEST VAR=FILE...
    local name=$1; shift
    if env "$@" cargo test --quiet --locked --profile ci --manifest-path "$root/Cargo.toml" \
        --test c_reports "$name" -- --ignored --exact --nocapture >"$tmp/rust.out" 2>&1; then
        sed -n 's/^c_reports: //p' "$tmp/rust.out"    # its summary, for the ok line
        return 0
    fi
    grep -A4 -m1 'panicked at' "$tmp/rust.out" >&2 || tail -n 20 "$tmp/rust.out" >&2
    return 1
}

SH4A=(timeout 120 qemu-sh4)                 # default CPU: sh7785 (SH-4A)
SH4=(timeout 120 qemu-sh4 -cpu sh7750r)     # SH-4
# Every report the port writes is checked as ptear/1 (every key of
# docs/json-schema.md, in order, and what the C port must put there) by
# tests/c_reports.rs's check_c, then as its section says.

# 1. build (x86_64 too: the behaviour checks of 3b run natively as well)
for arch in sh4 x86_64; do
    if "$here/build.sh" $arch >"$tmp/build.log" 2>&1; then
        ok "build.sh $arch"
    else
        fail "build.sh $arch" "$(tail -3 "$tmp/build.log")"
        echo "$passed passed, $((failed)) failed"
        exit 1
    fi
done
xbin="$root/target/c/ptear-c-x86_64"
# the port's tables for the checks below (tests/c_reports.rs reads them)
export PTEAR_PORT_LIST="$tmp/port-list.json"
if ! "${SH4A[@]}" "$bin" list --json >"$PTEAR_PORT_LIST" 2>"$tmp/e"; then
    fail "list --json (tables for the checks)" "$(head -c 300 "$tmp/e")"
    echo "$passed passed, $((failed)) failed"
    exit 1
fi
# the layouts' low-period limits, for the usage errors of section 5: from
# the port's own `list` ("layout   NAME ... (max low period N)", its PMD
# row on the next line), so no copy of the table here and no JSON tool
port_list=$("${SH4A[@]}" "$bin" list 2>/dev/null)
maxlow() {                      # layout [pmd]
    if [ -n "${2:-}" ]; then
        printf '%s\n' "$port_list" | sed -n "/^layout   $1 /{n;s/.*--level pmd:.*(max low period \([0-9]*\))\$/\1/p;}"
    else
        printf '%s\n' "$port_list" | sed -n "s/^layout   $1 .*(max low period \([0-9]*\))\$/\1/p"
    fi
}
max_low=$(maxlow x86-pae) max_low_mips=$(maxlow mips) max_low_pmd=$(maxlow x86-pae pmd)
if [ -z "$max_low" ] || [ -z "$max_low_mips" ] || [ -z "$max_low_pmd" ]; then
    fail "list (low-period limits)" "no 'max low period' for x86-pae, mips or x86-pae's PMD in the port's list"
    echo "$passed passed, $((failed)) failed"
    exit 1
fi

# 2. retry counts are exact, however large (the counterpart of
# tests/retry_histogram.rs): the port's own reader loop and stats, stalled
# between the high load and the re-check while the entry is cleared and
# re-installed, as a schedule says; the reports built the normal way. The
# program prints an ok/FAIL line per schedule and for where the stall sits,
# and writes both schedules' reports.
hist_test() {                   # label arch host-arch runner...
    local label=$1 arch=$2 harch=$3 line rc
    shift 3
    "$@" "$root/target/c/retry-histogram-$arch" "$tmp/hist-a.json" "$tmp/hist-b.json" >"$tmp/hist.txt" 2>&1
    rc=$?
    while IFS= read -r line; do
        case "$line" in
            "ok    "*) ok "retry histogram ($label): ${line#ok    }" ;;
            "FAIL  "*) fail "retry histogram ($label)" "${line#FAIL  }" ;;
        esac
    done <"$tmp/hist.txt"
    if [ $rc -ne 0 ] && ! grep -q '^FAIL  ' "$tmp/hist.txt"; then
        fail "retry histogram ($label)" "exit $rc: $(head -c 300 "$tmp/hist.txt")"
    elif [ $rc -eq 0 ] && [ "$(grep -c '^ok    ' "$tmp/hist.txt")" -ne 3 ]; then
        fail "retry histogram ($label)" "exit 0 but not three ok lines: $(head -c 300 "$tmp/hist.txt")"
    fi
    if [ $rc -eq 0 ]; then
        if rust_check c_behaviour_in_ptear_c_report PTEAR_C_KIND=hist PTEAR_C_REPORT="$tmp/hist-a.json" \
            PTEAR_C_REPORT_B="$tmp/hist-b.json" PTEAR_C_ARCH="$harch" >/dev/null
        then ok "retry histogram ($label): both ptear/1 reports have the schedules' histograms, totals and percentiles"
        else fail "retry histogram ($label)" "the JSON reports, see above"; fi
    fi
}
# The encoding of layout.h against docs/layouts.md, and the writer loop's
# stepped entry against it (c/tests/layouts.c): 13 + 6 ok lines.
layouts_test() {                # label arch runner...
    local label=$1 arch=$2 line rc
    shift 2
    "$@" "$root/target/c/layouts-$arch" >"$tmp/layouts.txt" 2>&1
    rc=$?
    while IFS= read -r line; do
        case "$line" in
            "ok    "*) ok "layouts ($label): ${line#ok    }" ;;
            "FAIL  "*) fail "layouts ($label)" "${line#FAIL  }" ;;
        esac
    done <"$tmp/layouts.txt"
    if [ $rc -ne 0 ] || [ "$(grep -c '^ok    ' "$tmp/layouts.txt")" -ne 19 ]; then
        fail "layouts ($label)" "exit $rc: $(tail -c 300 "$tmp/layouts.txt")"
    fi
}
# Samples by kind (c/tests/samples.c): samples.c's keeping and merge, then
# the port's reader_wrong() and reader_publish() on two readers through
# collect_results() (the report it writes is checked here too), then kept
# values replaced on a thread while reports are made.
samples_test() {                # label arch host-arch runner...
    local label=$1 arch=$2 harch=$3 line rc
    shift 3
    rm -f "$tmp/samples.json"
    "$@" "$root/target/c/samples-$arch" "$tmp/samples.json" >"$tmp/samples.txt" 2>&1
    rc=$?
    while IFS= read -r line; do
        case "$line" in
            "ok    "*) ok "samples ($label): ${line#ok    }" ;;
            "FAIL  "*) fail "samples ($label)" "${line#FAIL  }" ;;
        esac
    done <"$tmp/samples.txt"
    if [ $rc -ne 0 ] || [ "$(grep -c '^ok    ' "$tmp/samples.txt")" -ne 8 ]; then
        fail "samples ($label)" "exit $rc: $(tail -c 300 "$tmp/samples.txt")"
    elif rust_check c_behaviour_in_ptear_c_report PTEAR_C_KIND=samples PTEAR_C_REPORT="$tmp/samples.json" \
        PTEAR_C_ARCH="$harch" >/dev/null
    then ok "samples ($label): its ptear/1 report has 5 kinds among 64 samples, totals.families exact"
    else fail "samples ($label)" "the JSON report, see above"; fi
}
for arch in x86_64 sh4; do
    if "$here/build.sh" $arch tests >"$tmp/build-tests.log" 2>&1; then
        if [ $arch = x86_64 ]; then
            hist_test "native x86_64" x86_64 x86_64 timeout 60
            layouts_test "native x86_64" x86_64 timeout 60
            samples_test "native x86_64" x86_64 x86_64 timeout 60
        else
            hist_test "qemu-sh4 -cpu sh7785" sh4 sh "${SH4A[@]}"
            hist_test "qemu-sh4 -cpu sh7750r" sh4 sh "${SH4[@]}"
            layouts_test "qemu-sh4 -cpu sh7785" sh4 "${SH4A[@]}"
            layouts_test "qemu-sh4 -cpu sh7750r" sh4 "${SH4[@]}"
            samples_test "qemu-sh4 -cpu sh7785" sh4 sh "${SH4A[@]}"
            samples_test "qemu-sh4 -cpu sh7750r" sh4 sh "${SH4[@]}"
        fi
    else
        fail "build.sh $arch tests" "$(tail -3 "$tmp/build-tests.log")"
    fi
done

# 3. selftest on both CPUs, with the JSON of the first checked
for cpu in sh7785 sh7750r; do
    if [ "$cpu" = sh7785 ]; then Q=("${SH4A[@]}"); else Q=("${SH4[@]}"); fi
    start=$(date +%s.%N)
    "${Q[@]}" "$bin" selftest -d 1s --json "$tmp/selftest-$cpu.json" >"$tmp/selftest-$cpu.txt" 2>&1
    rc=$?
    secs=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }")
    if [ $rc -eq 0 ] && tail -1 "$tmp/selftest-$cpu.txt" | grep -q '^selftest: PASS'; then
        ok "selftest under qemu-sh4 -cpu $cpu (${secs}s)"
    else
        fail "selftest under qemu-sh4 -cpu $cpu" "exit $rc"
        sed 's/^/      /' "$tmp/selftest-$cpu.txt"
    fi
    if rust_check c_report_in_ptear_c_report PTEAR_C_REPORT="$tmp/selftest-$cpu.json" PTEAR_C_KIND="selftest-$cpu" \
        >"$tmp/py.out"
    then ok "selftest --json ($cpu): ptear-selftest/1 with 12 full ptear/1 reports ($(cat "$tmp/py.out"))"
    else fail "selftest --json ($cpu)" "see above"; fi
    # ci/test.sh's matrix keeps these instead of running the same selftest
    # of the same code again (its sh4 binary is this one, stripped).
    if [ -n "${PTEAR_REPORTS:-}" ]; then
        name=sh4; [ "$cpu" = sh7750r ] && name=sh4-sh7750r
        mkdir -p "$PTEAR_REPORTS" && cp "$tmp/selftest-$cpu.json" "$PTEAR_REPORTS/$name.json"
    fi
done

# selftest -d D: every control runs D (src/cli/args.rs SelftestArgs --duration),
# one that must tear until it has, at most 10 x D (src/selftest.rs Control::run_for)
# In KTAP (--format ktap), checked against its grammar by ci/ktap.py.
"${SH4A[@]}" "$bin" selftest -d 300ms --format ktap --json "$tmp/selftest-d.json" >"$tmp/o" 2>"$tmp/e"; rc=$?
if [ $rc -le 1 ] && python3 "$root/ci/ktap.py" "$tmp/o" >"$tmp/ktap.out" &&
    rust_check c_report_in_ptear_c_report PTEAR_C_REPORT="$tmp/selftest-d.json" PTEAR_C_KIND=selftest-short >"$tmp/py.out"
then ok "selftest -d 300ms --format ktap: $(cat "$tmp/ktap.out"); duration_s 0.3 in every control's config (3 for one that must tear), $(cat "$tmp/py.out")"
else fail "selftest -d 300ms --format ktap" "exit $rc: $(head -c 300 "$tmp/e") $(cat "$tmp/ktap.out" 2>/dev/null)"; fi

# 3b. docs/layouts.md in short runs, natively (x86_64): the class of each
# writer's wrong values, the consequences, the readers that consume a value
# (gup-fast, kvm-count), and the selftest natively; --cpus 0,1 where the
# machine has two CPUs (writer and reader apart, as the selftest does). Each
# ok line says what the run saw. The same runs of the sh4 build under
# qemu-sh4 are tests/classes.rs's (PTEAR_CLASSES_CMD; the per-arch matrix of
# ci/test.sh).
cpus=()
if [ "$(nproc)" -ge 2 ]; then cpus=(--cpus 0,1); fi
for plat in x86_64; do
    if [ $plat = x86_64 ]; then
        R=(timeout 60 "$xbin"); harch=x86_64; label="native x86_64"
    else
        R=("${SH4A[@]}" "$bin"); harch=sh; label="qemu-sh4"
    fi
    behave() {                  # mode what run-options...
        local mode=$1 what=$2 rc
        shift 2
        "${R[@]}" run -q --format json "${cpus[@]}" "$@" >"$tmp/b.json" 2>"$tmp/e"; rc=$?
        if [ $rc -le 1 ] && rust_check c_behaviour_in_ptear_c_report PTEAR_C_KIND="behave-$mode" \
            PTEAR_C_REPORT="$tmp/b.json" PTEAR_C_ARCH="$harch" >"$tmp/py.out"
        then ok "$label, $what: $(cat "$tmp/py.out")"
        else fail "$label, $what" "exit $rc: $(head -c 300 "$tmp/e")"; fi
    }
    behave a "mips writer and layout: transient only, pfn_zero" -d 1s --writer mips --writer-gap 200 --layout mips
    behave b "once: mixed" -d 1s --reader once
    for r in lockless kvm-count gup-fast; do
        case $r in
            lockless) what="ABA (low period 2, reader gap 1000): lockless accepts mixed values" ;;
            kvm-count) what="the same ABA: kvm-count's clear counter accepts none" ;;
            gup-fast) what="the same ABA: gup-fast's re-check catches" ;;
        esac
        behave c-$r "$what" -d 1s --low-period 2 --reader-gap 1000 --reader $r
    done
    behave d "x86-pae-nohighmem, once: only nx_lost/nx_gained" -d 1s --layout x86-pae-nohighmem --reader once
done
# the selftest natively, shorter (500ms per control; under qemu it ran above)
timeout 120 "$xbin" selftest -d 500ms --json "$tmp/selftest-x86.json" >"$tmp/selftest-x86.txt" 2>&1; rc=$?
if [ $rc -le 1 ] &&
    rust_check c_report_in_ptear_c_report PTEAR_C_REPORT="$tmp/selftest-x86.json" PTEAR_C_KIND=selftest-native >"$tmp/py.out"
then ok "selftest -d 500ms natively: $(cat "$tmp/py.out")"
else
    fail "selftest -d 500ms natively" "exit $rc"
    sed 's/^/      /' "$tmp/selftest-x86.txt"
fi

# 3c. --writers-per-entry 2: two writer threads of group 0 take turns on
# the entry under its page-table lock (writer_ptl), with the ABA knobs:
# natively (2 s; both writers clear and install, the reader accepts mixed
# values; 30 k mixed in 2 s when measured) and one short run under
# qemu-sh4 (the CAS is gcc's soft-gUSA sequence; 11-13 k mixed in 1 s when
# measured, so required there too). Then the text report's lines and the
# thread limit's words. About 4 s in all.
for plat in x86_64 sh4; do
    if [ $plat = x86_64 ]; then
        R=(timeout 60 "$xbin"); harch=x86_64; label="native x86_64"; dur=2s
    else
        R=("${SH4A[@]}" "$bin"); harch=sh; label="qemu-sh4"; dur=1s
    fi
    # mixed values need the reader and a writer on two CPUs
    mixed=0; [ ${#cpus[@]} -gt 0 ] && mixed=1
    "${R[@]}" run -d $dur --writers-per-entry 2 --low-period 2 --reader-gap 1000 --readers 1 "${cpus[@]}" \
        --format json >"$tmp/wpe.json" 2>"$tmp/e"; rc=$?
    if [ $rc -le 1 ] && rust_check c_behaviour_in_ptear_c_report PTEAR_C_KIND="wpe-$mixed" \
        PTEAR_C_REPORT="$tmp/wpe.json" PTEAR_C_ARCH="$harch" >"$tmp/py.out"
    then ok "$label, --writers-per-entry 2, ABA: $(cat "$tmp/py.out")"
    else fail "$label, --writers-per-entry 2, ABA" "exit $rc: $(head -c 300 "$tmp/e")"; fi
done
timeout 60 "$xbin" run -q -d 200ms --readers 1 --writers 2 --writers-per-entry 2 --pairs 4 >"$tmp/o" 2>"$tmp/e"; rc=$?
if [ $rc -eq 0 ] && grep -q '^  threads:   1 reader, 2 writers x 2 per entry, 4 pairs$' "$tmp/o" &&
   [ "$(grep -cE '^  writer [0-3] +group [01]: [0-9,]+ clears, [0-9,]+ installs$' "$tmp/o")" -eq 4 ] &&
   timeout 60 "$xbin" run -q -d 100ms --readers 1 >"$tmp/o1" && grep -q '^  threads:   1 reader, 1 writer x 1 per entry, 1 pair$' "$tmp/o1"; then
    ok "text report: 2 writers x 2 per entry, one line per writer thread with its group, clears and installs"
else
    fail "text report of --writers-per-entry 2" "exit $rc: $(head -c 300 "$tmp/e")"
fi

# 3d. --clear-to and --level (docs/layouts.md, the last two sections), 1 s
# each under qemu-sh4 and natively: the once reader mixes entries with the
# swap entry's high (mixed only: the documented install over S stores the
# high first and S's low is not present); the high-first clear of E and of
# PN_t leaves {L, 0} and {PN low, 0} (transient only); the once reader
# mixes x86 PAE PMDs (--level pmd, documented: mixed). About 8 s.
for plat in sh4 x86_64; do
    if [ $plat = x86_64 ]; then
        R=(timeout 60 "$xbin"); harch=x86_64; label="native x86_64"
    else
        R=("${SH4A[@]}" "$bin"); harch=sh; label="qemu-sh4"
    fi
    for mode in swap protnone pmd; do
        case $mode in
            swap) args=(--clear-to swap --reader once); what="--clear-to swap, once: mixed" ;;
            protnone) args=(--clear-to protnone --writer mips --layout x86-pae --writer-gap 200)
                      what="--clear-to protnone, mips writer on x86-pae: transient, PROT_NONE samples" ;;
            pmd) args=(--level pmd --reader once); what="--level pmd, once: mixed PMDs" ;;
        esac
        "${R[@]}" run -q -d 1s --readers 1 --format json "${cpus[@]}" "${args[@]}" >"$tmp/ct.json" 2>"$tmp/e"; rc=$?
        if [ $rc -le 1 ] && rust_check c_behaviour_in_ptear_c_report PTEAR_C_KIND="clear-$mode" \
            PTEAR_C_REPORT="$tmp/ct.json" PTEAR_C_ARCH="$harch" >"$tmp/py.out"
        then ok "$label, $what: $(cat "$tmp/py.out")"
        else fail "$label, $what" "exit $rc: $(head -c 300 "$tmp/e")"; fi
    done
done
"${SH4A[@]}" "$bin" run -d 200ms --clear-to migration --level pte >"$tmp/o" 2>"$tmp/e"; rc=$?
if [ $rc -le 1 ] && grep -q '^  entries:   level pte, clear to migration$' "$tmp/o"; then
    ok "text report: the entries line says level and clear-to"
else
    fail "text report's entries line" "exit $rc: $(head -c 300 "$tmp/e")"
fi

# 4. synco: a usage error on SH-4, fine on SH-4A
"${SH4[@]}" "$bin" run --barrier synco -d 1s >"$tmp/o" 2>"$tmp/e"; rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/e")" -eq 1 ] && grep -q '^ptear: error: .*synco' "$tmp/e" && [ ! -s "$tmp/o" ]; then
    ok "sh7750r --barrier synco: exit 2, one line: $(cat "$tmp/e")"
else
    fail "sh7750r --barrier synco" "exit $rc, stderr: $(head -c 300 "$tmp/e")"
fi
"${SH4A[@]}" "$bin" run --barrier synco -d 300ms --quiet >"$tmp/o" 2>"$tmp/e"; rc=$?
if [ $rc -eq 0 ] && grep -q 'synco (SH-4A)' "$tmp/o"; then
    ok "sh7785 --barrier synco runs clean"
else
    fail "sh7785 --barrier synco" "exit $rc: $(head -c 300 "$tmp/e")"
fi
# (into files first: grep -q leaves at its match, and with pipefail a
# writer with more to write would then fail on SIGPIPE)
"${SH4[@]}" "$bin" list >"$tmp/list-sh4.txt" 2>&1
"${SH4A[@]}" "$bin" list >"$tmp/list-sh4a.txt" 2>&1
if grep -q '^barrier  synco .*not available: this CPU is SH-4' "$tmp/list-sh4.txt" &&
   grep '^barrier  kernel' "$tmp/list-sh4a.txt" | grep -q synco; then
    ok "list: synco unavailable on sh7750r, kernel barrier is synco on sh7785"
else
    fail "list" "$("${SH4[@]}" "$bin" list 2>&1 | grep barrier)"
fi

# 5. usage errors: exit 2, exactly one line on stderr, nothing on stdout
bad=(
    "--duration 5x" "--duration 0" "--duration -1s" "--duration=" "--reads 0" "--readers 0"
    "--writers 2 --pairs 1" "--pairs 134217729" "--duration 8785h" "--readers 1000 --writers 25" "--reader atomic64"
    "--writer x86-pae" "--low-period 0" "--cpus 4096" "--checkpoint 1"
    "--json $tmp/no/such/dir/r.json" "--format yaml" "--bogus" "frobnicate"
    "selftest -d 0" "selftest --duration 5x" "selftest -d -1s" "selftest -d 8785h" "selftest --duration="
    "selftest --readers 2" "--layout bogus" "--layout=" "--reader gup" "--low-period $((max_low + 1))"
    "--layout mips --low-period $max_low" "--writer mips --low-period $((max_low_mips + 1))" "selftest --layout mips"
    "--writers-per-entry 0" "--writers-per-entry 1025" "selftest --writers-per-entry 2"
    # --clear-to and --level (docs/layouts.md): no PMD on mips/sh, no PROTNONE off x86,
    # no 64-bit exchange for the PMD writers on SuperH
    "--level pmd --layout sh-x2tlb" "--writer sh --clear-to protnone" "--level pmd --writer x86-pae"
    "--level pmd --writer x86-pae@2.6-4.18" "--level pmd --writer mips" "--level pmd --layout mips"
    "--level pmd --clear-to swap" "--level pmd --low-period $((max_low_pmd + 1))" "--clear-to bogus" "--level pud"
    "selftest --clear-to swap"
)
for args in "${bad[@]}"; do
    # shellcheck disable=SC2086
    "${SH4A[@]}" "$bin" $args >"$tmp/o" 2>"$tmp/e"; rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/e")" -eq 1 ] && grep -q '^ptear: error: ' "$tmp/e" && [ ! -s "$tmp/o" ]; then
        ok "usage error: ptear $args"
    else
        fail "usage error: ptear $args" "exit $rc, stderr: $(head -c 300 "$tmp/e")"
    fi
done

# the words of the layout's limit (docs/layouts.md, --low-period)
"${SH4A[@]}" "$bin" run --writer sh --layout mips --low-period 600000 -d 1s >"$tmp/o" 2>"$tmp/e"; rc=$?
want="ptear: error: --low-period 600000 is more than the $max_low_mips distinct low halves layout mips holds"
if [ $rc -eq 2 ] && [ "$(cat "$tmp/e")" = "$want" ] && [ ! -s "$tmp/o" ]; then
    ok "--layout mips --low-period 600000: exit 2, '$want'"
else
    fail "--low-period over the layout's max" "exit $rc, stderr: $(head -c 300 "$tmp/e")"
fi

# the thread limit counts every writer thread (src/config.rs)
"${SH4A[@]}" "$bin" run --readers 1 --writers 2 --writers-per-entry 512 -d 1s >"$tmp/o" 2>"$tmp/e"; rc=$?
want="ptear: error: 1 readers + 2 writers x 512 per entry is more than 1024 threads"
if [ $rc -eq 2 ] && [ "$(cat "$tmp/e")" = "$want" ] && [ ! -s "$tmp/o" ]; then
    ok "--readers 1 --writers 2 --writers-per-entry 512: exit 2, '$want'"
else
    fail "the thread limit with --writers-per-entry" "exit $rc, stderr: $(head -c 300 "$tmp/e")"
fi

# the 64-bit exchange a writer needs, in src/config.rs's words (RunConfig::check)
for case in x86-pae:pte:ptep_get_and_clear x86-pae:pmd:set_pmd x86-pae@2.6-4.18:pmd:set_pmd; do
    IFS=: read -r w l fn <<<"$case"
    "${SH4A[@]}" "$bin" run --writer "$w" --level "$l" -d 1s >"$tmp/o" 2>"$tmp/e"; rc=$?
    want="ptear: error: --writer $w needs a 64-bit exchange for $fn: SuperH has no 64-bit atomic load or exchange"
    if [ $rc -eq 2 ] && [ "$(cat "$tmp/e")" = "$want" ] && [ ! -s "$tmp/o" ]; then
        ok "--writer $w --level $l: exit 2, '$want'"
    else
        fail "--writer $w --level $l refused" "exit $rc, stderr: $(head -c 300 "$tmp/e")"
    fi
done

# 6. a run's --json file
"${SH4A[@]}" "$bin" run -d 1s --quiet --readers 2 --pairs 64 --writers 2 --json "$tmp/run.json" >"$tmp/o" 2>"$tmp/e"; rc=$?
if [ $rc -eq 0 ] && rust_check c_report_in_ptear_c_report PTEAR_C_REPORT="$tmp/run.json" PTEAR_C_KIND=run >"$tmp/py.out"
then
    ok "run --json: it parses, every schema key present, in order ($(cat "$tmp/py.out"))"
else
    fail "run --json" "exit $rc: $(head -c 300 "$tmp/e")"
fi

# 7. --format json on stdout, a torn run, --expect
"${SH4A[@]}" "$bin" run --reader once --reader-gap 100 -d 1s --format json --expect torn >"$tmp/torn.json" 2>"$tmp/e"; rc=$?
if [ $rc -eq 0 ] && rust_check c_report_in_ptear_c_report PTEAR_C_REPORT="$tmp/torn.json" PTEAR_C_KIND=torn >/dev/null
then
    ok "--format json --expect torn: exit 0, torn samples with valid_high"
else
    fail "--format json --expect torn" "exit $rc: $(head -c 300 "$tmp/e")"
fi
# (measured with the machine loaded, load average 6-10 on 2 CPUs: the once
# reader under qemu-sh4 tore 6 times in 300 ms, 20 in 1 s (twice): 1 s, and
# the heading's count of samples is whatever it is)
"${SH4A[@]}" "$bin" run --reader once --reader-gap 100 -d 1s --quiet >"$tmp/torn.txt" 2>"$tmp/e"; rc=$?
if [ $rc -eq 1 ] && grep -qE '^torn samples \([0-9]+ of [0-9,]+ wrong reads: the first 4 of each kind, then a random sample of the rest\):$' "$tmp/torn.txt" &&
   grep -qE '^families: entry [0-9,]+, protnone 0, swap 0, migration 0$' "$tmp/torn.txt" &&
   grep -qE '^ +first_of_kind; present, pfn ' "$tmp/torn.txt"; then
    ok "text report of a torn run: the samples' heading says how they were chosen, a families line, first_of_kind"
else
    fail "text report of a torn run" "exit $rc: $(grep -E '^(torn|families)' "$tmp/torn.txt" | head -c 300)"
fi
"${SH4A[@]}" "$bin" run -d 300ms --quiet --expect torn >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] && ok "--expect torn on a clean run: exit 1" || fail "--expect torn on a clean run" "exit $rc"

# 8. --reads without --duration
"${SH4A[@]}" "$bin" run --reads 200001 --readers 2 --format json >"$tmp/reads.json" 2>"$tmp/e"; rc=$?
if [ $rc -eq 0 ] && rust_check c_reads_run_in_ptear_c_report PTEAR_C_REPORT="$tmp/reads.json"
then ok "--reads 200001: exactly that many, split 100001 + 100000, no time limit"
else fail "--reads" "exit $rc: $(head -c 300 "$tmp/e")"; fi

# 9. --checkpoint and SIGINT
# timeout --foreground: a plain timeout passes SIGINT on to qemu-sh4 AND
# signals its whole process group, so ptear could get two SIGINTs and take
# the second as "exit now" (130); --foreground sends it to qemu-sh4 only.
timeout --foreground 120 qemu-sh4 "$bin" run -d 60s --checkpoint 1 --json "$tmp/ck.json" --quiet >"$tmp/ck.txt" 2>"$tmp/e" &
pid=$!
sleep 2.5
cp "$tmp/ck.json" "$tmp/ck-mid.json"    # the checkpoint, written while it runs
kill -INT $pid
wait $pid; rc=$?
if [ $rc -le 1 ] && grep -q INTERRUPTED "$tmp/ck.txt" &&
    rust_check c_checkpoint_in_ptear_c_checkpoint PTEAR_C_CHECKPOINT="$tmp/ck-mid.json" PTEAR_C_REPORT="$tmp/ck.json"
then ok "--checkpoint writes complete=false meanwhile; SIGINT gives the full report with interrupted=true"
else fail "--checkpoint / SIGINT" "exit $rc: $(head -c 300 "$tmp/e")"; fi

# 10. --help, --version (the version is Cargo.toml's)
version=$(awk '/^\[/ { pkg = ($0 == "[package]") } pkg && /^[ \t]*version[ \t]*=/ { sub(/^[^=]*=[ \t]*"/, ""); sub(/".*$/, ""); print; exit }' "$root/Cargo.toml")
want="ptear $version (c; sh; target-cpu sh4)"
got=$("${SH4A[@]}" "$bin" --version)
"${SH4A[@]}" "$bin" --help >"$tmp/help.txt"
if grep -q '^usage: ptear' "$tmp/help.txt" && [ "$got" = "$want" ]; then
    ok "--help, --version: $got"
else
    fail "--help, --version" "got '$got', want '$want'"
fi

# 11. list --json: ptear-list/1 for this build on both CPUs
for cpu in sh7785 sh7750r; do
    if [ "$cpu" = sh7785 ]; then Q=("${SH4A[@]}"); else Q=("${SH4[@]}"); fi
    if "${Q[@]}" "$bin" list --json >"$tmp/list.json" 2>"$tmp/e" && "$xbin" list --json >"$tmp/xlist.json" 2>>"$tmp/e" &&
        rust_check c_list_json_in_ptear_c_list PTEAR_C_LIST="$tmp/list.json" PTEAR_C_LIST_X86_64="$tmp/xlist.json" \
            PTEAR_C_CPU="$cpu"
    then ok "list --json ($cpu): ptear-list/1"
    else fail "list --json ($cpu)" "$(head -c 300 "$tmp/e")"; fi
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
