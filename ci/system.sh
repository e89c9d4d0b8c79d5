#!/usr/bin/env bash
# ci/system.sh [TARGET...]: the full-system matrix. Each TARGET boots one VM
# (qemu-system, TCG) with Debian's real 32-bit kernel, starts ptear's static
# release binaries from the initramfs's /init (ci/system-init.sh), the way
# users run them on old boards from an init script, and powers off. Default:
# every target. `ci/system.sh --list` prints the targets, one a line (what
# `ci/test.sh system` and the workflow's system jobs iterate over).
#
#   x86-conroe    linux-image-686-pae:i386 (PAE, HIGHMEM64G, GUP_GET_PTE_LOW_HIGH),
#                 -cpu Conroe -smp 2: ptear-i686 selftest, run -d 1s; the C
#                 port's i686 build run -d 1s
#   x86-pentium3  the same kernel on -cpu pentium3 (PAE, SSE, no SSE2) -smp 2:
#                 ptear-i586 selftest, run -d 1s, `list` marks mfence not
#                 available; ptear-i686 run must refuse (exit 2, one line
#                 naming ptear-i586), never die of SIGILL; the C port's i686
#                 build (P6, no SSE2 needed) run -d 1s
#   mips-34kf     linux-image-4kc-malta:mipsel, -M malta -cpu 34Kf -smp 2
#                 (two VPEs of a 34K; clocksource=jiffies, see "34K clock"):
#                 ptear-mipsel selftest, run -d 1s; the C port's mipsel build
#                 run -d 1s
#   x86-kernel    the x86-conroe VM, with kmod/'s module built against that
#                 kernel's exact headers (target/system/headers, fetched by
#                 ci/system-setup.sh) in /lib/modules/RELEASE/extra:
#                 ptear-i686 selftest --engine kernel (each kernel-engine
#                 control run by the kernel's own accessors and by the model,
#                 same verdicts and classes required; the kernel's encodings
#                 against ptear's layouts; its KTAP checked by ci/ktap.py,
#                 its JUnit for a testcase per control), run --engine kernel -d 1s
#   mips-r1       ptear-mipsel-r1 (soft-float MIPS32r1) on -cpu 4KEc: a core
#                 without an FPU, one CPU: selftest (aba skipped, with its
#                 reason), run -d 1s. 4KEc is MIPS32r2: no r1 model boots
#                 Debian's kernel, see "MIPS32r1" below.
#
# No run passes --seed: at a cold boot the entropy pool is empty (init prints
# entropy_avail) and a binary that waits for getrandom() would hang here as
# it would on the board. The C port's runs show it does not wait either.
#
# Output: a line per check, `ok: ...` / `FAILED: ...`, the time each VM
# took by the host's clock (boot to init, each check, power-off, the whole
# VM), and `system: N passed, N failed` (exit 1 if anything failed).
# Reports (read back by tests/system_log.rs): target/reports/system-TARGET.json (selftest, ptear-selftest/1) and
# system-TARGET-run.json (ptear/1); every block the guest printed under
# target/system/out/TARGET/; the serial console of each boot in
# target/system/logs/TARGET.log (its tail is printed on failure). Each VM
# runs under `timeout` (SYSTEM_TIMEOUT, default 600 s) and each check under
# a timeout in the guest, so a hang is a failure with its name, never a
# stuck CI.
#
# The vCPUs are host threads. When other work holds the host's CPUs they
# take turns instead of running at once, and `aba` (the one control that
# needs the writer to run twice inside one read) can end clean: its failure
# line then shows retries near 0, and the time line the host's load average.
# Seen on the shared 2-CPU development machine at load 3 to 4, on every
# target with two CPUs; not a verdict on the binary.
#
# Needs what ci/system-setup.sh fetches (run first, cached in target/system/)
# and ci/release.sh's binaries (built here, cached in target/).
#
# Stalls: in some boots of mips-34kf (MTTCG, 2 VPEs) the guest
# stopped for good in the middle of a check: qemu idle (no CPU time), the
# console silent, and the check's own `timeout -s KILL` in the guest never
# fired, so the guest's timer interrupts had stopped too (qemu's 34K SMP
# is known to be fragile: its VPEs share one core's timer and interrupt
# logic). No ptear bug can do that: ptear's threads spin, so a guest
# running it uses CPU, and a ptear that blocked would be killed by that
# timeout. So the host watches each VM (watch_vm): silent and idle for
# STALL_S seconds is a stall, and the VM is killed and booted again (up to
# BOOTS boots); each stall is a `note:` line, and a stall of the last boot
# is a failure. Measured: two stalls in six boots of mips-34kf in
# clean-clone runs of the suite (then none in three in a row), none on x86.
# Another shape, seen once on mips-34kf (2026-12-05, in a quiet
# clean-clone run): the guest stopped in the middle of printing selftest.json
# to its console, and qemu kept spinning (106% CPU) with the console silent
# until the VM's timeout, 540 s later. A guest prints a block (`cat` of a
# file) without pause, so silent for STALL_S seconds inside a block is a
# stall too, busy or not (watch_vm).
#
# 34K clock: qemu gives each VPE of the 34K its own CP0 Count (the chip has
# one), and the kernel's default clocksource (`MIPS`, the Count) read on the
# two CPUs drifted some 20 s apart: monotonic time jumped when a thread moved
# to the other CPU (`run -d 1s` reporting elapsed 20 to 26 s, soft lockups,
# a 38 s power-off; once, with MTTCG, a hung VM). `clocksource=jiffies` is
# one count for both: it runs slow under TCG (ticks are lost: a guest second
# takes about 3 real ones) but never jumps: in every boot with it each
# `run -d 1s` took 1.000 s by the guest's clock. MTTCG (-accel tcg,thread=multi; qemu's
# default for mips is one thread for all vCPUs) because with one thread the
# vCPUs take turns by time slice and `aba` saw 0 tears in 1.4 M reads.
#
# MIPS32r1: Debian's 4kc-malta flavour is built with CONFIG_CPU_MIPS32_R2=y
# (so is mips32r2el; bookworm has no r1 kernel). Its self-decompressing
# vmlinuz executes `seb` (MIPS32r2) a few instructions after its entry point,
# so every r1 model qemu has (4Kc, 4Km, 4KEcR1, 4KEmR1) takes a
# reserved-instruction exception before the console is up and hangs
# silently (checked with qemu -d int on 6.1.0-50-4kc-malta). The r1 build's
# instruction set is checked statically by ci/musl.sh and run under
# `qemu-mipsel -cpu 4Kc` by ci/test.sh; here it gets the real kernel on the
# closest core that boots: 4KEc has no FPU, like the 4Kc, so the kernel's
# FPU emulator and the soft-float build meet as on an FPU-less board. One
# CPU: with -smp 2 a 4KEc malta prints nothing and hangs (the kernel's SMP
# on malta is MT (34K) or CMP; the 4KEc has neither).
#
# sh4 stays under qemu-user (ci/test.sh), no full-system target. Debian's
# main archive has no sh4 kernel (sh4 is a ports architecture), so one would
# be built from Debian's kernel source (linux-source-6.1, the patched tree as
# one package) with gcc-sh4-linux-gnu, for qemu's only SH-4 board, `-M r2d`.
# Estimate on a fresh 2-CPU CI machine: 139 MB of .tar.xz to fetch and about
# 1.4 GB to unpack (1 to 2 min), then rts7751r2dplus_defconfig built with -j2
# on cores shared with the rest of the suite (6 to 10 min). The suite takes
# about 11 min and this matrix about 2 (measured: four VMs, 20 to 31 s
# each): 19 to 25 min against the 25 min budget, every run, as CI here
# caches nothing between runs. And it would buy little: the r2d's SH7751R is
# a single-CPU SH-4, so there is no SH-4A (`synco`) and no SMP (a reader
# never runs beside a writer; `aba` skipped), and the kernel would come from
# bookworm's sh4 gcc 12.2, which miscompiles zero tests unless one of its
# passes is turned off (docs/toolchains.md, "sh4"). Not built.
set -euo pipefail
cd "$(dirname "$0")/.."
ALL=(x86-conroe x86-pentium3 x86-kernel mips-34kf mips-r1)
D=$PWD/target/system
VM_TIMEOUT=${SYSTEM_TIMEOUT:-600}
# A VM whose console is silent and whose qemu used under 1 s of CPU time in
# STALL_S seconds has stalled (see "Stalls" above), and is booted again, up
# to BOOTS times in all. A working VM is never that idle: it boots, or runs
# ptear, whose threads spin (the selftest's minute of silence used 2 CPUs).
STALL_S=30 BOOTS=3

case ${1:-} in
    --list) printf '%s\n' "${ALL[@]}"; exit 0 ;;
    -h|--help) sed -n '2,/^set -e/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
esac
[ $# -gt 0 ] || set -- "${ALL[@]}"
for t in "$@"; do
    case " ${ALL[*]} " in *" $t "*) ;; *) echo "ci/system.sh: unknown TARGET '$t' (${ALL[*]})" >&2; exit 2 ;; esac
done

# One target's VM: KARCH (which kernel and busybox), QEMU (the machine),
# SMP (CPUs the guest must see), BINS (release binaries in the initramfs),
# CHECKS (the guest's /checks: `check NAME SECS COMMAND...`, run by
# ci/system-init.sh) and KINDS (NAME:KIND, what the host verifies for each).
configure() { # TARGET
    case $1 in
        x86-conroe|x86-pentium3|x86-kernel)
            KARCH=i386; SMP=2; APPEND="console=ttyS0 quiet panic=1"
            local cpu=Conroe; [ "$1" = x86-pentium3 ] && cpu=pentium3
            QEMU=(qemu-system-i386 -accel tcg,thread=multi -cpu "$cpu" -smp "$SMP" -m 1024) ;;
        mips-34kf)
            KARCH=mipsel; SMP=2; APPEND="console=ttyS0 quiet panic=1 clocksource=jiffies"
            QEMU=(qemu-system-mipsel -M malta -accel tcg,thread=multi -cpu 34Kf -smp "$SMP" -m 512) ;;
        mips-r1)
            KARCH=mipsel; SMP=1; APPEND="console=ttyS0 quiet panic=1"
            QEMU=(qemu-system-mipsel -M malta -cpu 4KEc -smp "$SMP" -m 512) ;;
    esac
    # selftest -d 2s on x86, 3s on mips-34kf: the VM's two vCPUs are host
    # threads, and the `aba` and `gup-fast` controls tear only while both
    # run at once (on a host at load 3 to 4, 2 s controls sometimes ended
    # `aba` clean; with two busy loops beside the whole suite, 3 s ended
    # both clean in 2 of 3 boots of x86-conroe). Since 02028fa a control
    # that must tear runs until it has, up to 10 x -d (src/selftest.rs
    # TORN_CAP_FACTOR), so its margin is that cap, not -d; -d sets how
    # long the clean controls run. Quiet, the torn ones end in 0.05-0.6 s
    # on every target (`gup-fast`, which needs its catches, the slowest).
    # With two busy loops beside the whole suite (67031da's clean-clone
    # run), the x86 guests' slowest was `gup-fast` at 2.0-2.1 s and `aba`
    # at 1.7 s, a tenth of their 20 s cap; mips-34kf's `gup-fast` ended at
    # 25.1 s by the guest's clock (clocksource=jiffies, its selftest 115 s
    # by the host's), past the 20 s that -d 2s would allow, so it keeps
    # -d 3s and its 30 s cap. The selftest checks' guest timeouts allow
    # every control its cap. x86-kernel stays at 3 s too: the module runs
    # its -d whatever it reads (src/kernel/selftest.rs gives its thin
    # margins).
    CBINS=()    # C port builds (c/build.sh ARCH) to run too
    KMOD=0      # 1: kmod/'s module, built for the guest kernel, in the initramfs
    case $1 in
        x86-conroe)
            BINS=(i686)
            CHECKS="check selftest 300 ptear-i686 selftest -d 2s --json /tmp/selftest.json
check run 60 ptear-i686 run -d 1s --json /tmp/run.json
check c-run 60 ptear-c-i686 run -d 1s --json /tmp/c-run.json"
            CBINS=(i686)
            KINDS=(selftest:selftest run:run c-run:run) ;;
        x86-pentium3)
            BINS=(i586 i686)
            CHECKS="check selftest 300 ptear-i586 selftest -d 2s --json /tmp/selftest.json
check run 60 ptear-i586 run -d 1s --json /tmp/run.json
check list 30 ptear-i586 list
check i686-refused 30 ptear-i686 run -d 1s
check c-run 60 ptear-c-i686 run -d 1s --json /tmp/c-run.json"
            CBINS=(i686)
            KINDS=(selftest:selftest run:run list:no-mfence i686-refused:needs-sse2 c-run:run) ;;
        x86-kernel)
            # -d 3s: each control runs twice (kernel, then model), 8 controls;
            # the `once` and `swap` tears need both vCPUs running at once (a
            # host at load 8 gave `once` 0 tears in one 2 s run of ten)
            BINS=(i686); KMOD=1
            # --format ktap and --junit: what a board farm reads (checked here)
            CHECKS="check kernel-selftest 400 ptear-i686 selftest --engine kernel -d 3s --format ktap --junit /tmp/kernel-selftest.xml --json /tmp/kernel-selftest.json
check kernel-run 60 ptear-i686 run --engine kernel -d 1s --json /tmp/kernel-run.json"
            KINDS=(kernel-selftest:selftest kernel-run:run) ;;
        mips-34kf)
            BINS=(mipsel)
            CHECKS="check selftest 300 ptear-mipsel selftest -d 3s --json /tmp/selftest.json
check run 60 ptear-mipsel run -d 1s --json /tmp/run.json
check c-run 60 ptear-c-mipsel run -d 1s --json /tmp/c-run.json"
            CBINS=(mipsel)
            KINDS=(selftest:selftest run:run c-run:run) ;;
        mips-r1)
            BINS=(mipsel-r1)
            CHECKS="check selftest 150 ptear-mipsel-r1 selftest --json /tmp/selftest.json
check run 60 ptear-mipsel-r1 run -d 1s --json /tmp/run.json"
            KINDS=(selftest:selftest run:run) ;;
    esac
}

initramfs() { # TARGET OUT: a gzip'd newc cpio of /init, /checks, busybox, the binaries
    local root=$D/root-$1 b
    rm -rf "$root"; mkdir -p "$root/bin"
    install -m 755 ci/system-init.sh "$root/init"
    printf '%s\n' "$CHECKS" > "$root/checks"
    install -m 755 "$D/$KARCH/busybox" "$root/bin/busybox"
    for b in "${BINS[@]}"; do install -m 755 "dist/ptear-$b" "$root/bin/ptear-$b"; done
    for b in "${CBINS[@]}"; do install -m 755 "target/c/ptear-c-$b" "$root/bin/ptear-c-$b"; done
    if [ "$KMOD" = 1 ]; then    # where --module looks by default
        local rel; rel=$(cat "$D/$KARCH/release")
        install -D -m 644 "$KO" "$root/lib/modules/$rel/extra/ptear_kmod.ko"
    fi
    (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 > "$2"
    rm -rf "$root"
}

# Reads a boot log back: the blocks into target/system/out/TARGET/, the
# reports into target/reports/, and one `ok:` / `FAILED:` line per check, then
# the timings. KINDS: selftest (exit 0, pass, ran on this kernel with SMP CPUs),
# run (exit 0, clean, complete, seed reported), no-mfence (`list` marks mfence
# not available), needs-sse2 (exit 2, one line on stderr: SSE2, ptear-i586).
# (tests/system_log.rs, the log's markers as ci/system-init.sh prints them;
# its KTAP by ci/ktap.py.) Its `ok:` and `FAILED:` lines on stdout; cargo's
# and the harness's other lines start otherwise.
verify() { # TARGET LOG T0 RELEASE SMP KIND...
    local target=$1 log=$2 t0=$3 release=$4 smp=$5; shift 5
    PTEAR_SYSTEM_TARGET=$target PTEAR_SYSTEM_LOG=$log PTEAR_SYSTEM_T0=$t0 PTEAR_SYSTEM_RELEASE=$release \
        PTEAR_SYSTEM_SMP=$smp PTEAR_SYSTEM_KINDS="$*" \
        cargo test --locked --profile ci --quiet --test system_log system_vm_log_in_ptear_system_log \
        -- --ignored --exact --nocapture
}

stamp() { # LOG TIMES: stdin to LOG (CRs dropped); each marker line, stamped, to TIMES
    : > "$1"; : > "$2"
    local line
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%$'\r'}
        printf '%s\n' "$line" >> "$1"
        case $line in "===PTEAR-"*|"=== check "*) printf '%s %s\n' "$EPOCHREALTIME" "$line" >> "$2" ;; esac
    done
}

# watch_vm PIDFILE LOG MARK (ci/watch_vm.sh, tested by ci/watch_vm-test.sh)
. ci/watch_vm.sh

bash ci/system-setup.sh
declare -A want=() cwant=()
kmod=0
for t in "$@"; do
    configure "$t"
    for b in "${BINS[@]}"; do want[$b]=1; done
    for b in "${CBINS[@]}"; do cwant[$b]=1; done
    [ "$KMOD" = 0 ] || kmod=1
done
bash ci/release.sh "${!want[@]}"
for b in "${!cwant[@]}"; do bash c/build.sh "$b" >/dev/null; done
KO=
if [ "$kmod" = 1 ]; then
    # From the release's source tarball (ci/release.sh above made it), so
    # what users download is what builds and runs here; against the booted
    # kernel's exact headers: CONFIG_MODVERSIONS checks every symbol's CRC
    # against their Module.symvers.
    kstart=$SECONDS
    tarballs=(dist/ptear-kmod-*.tar.gz) && tarball=${tarballs[0]}
    rm -rf "$D/kmod-src" && mkdir -p "$D/kmod-src"
    tar -xzf "$tarball" -C "$D/kmod-src" --strip-components=1
    make -s -C "$D/kmod-src/kmod" KDIR="$D/headers/build" >/dev/null
    KO=$D/kmod-src/kmod/ptear_kmod.ko
    echo "system: ptear_kmod.ko built from $tarball against $(cat "$D/headers/release") in $((SECONDS - kstart)) s"
fi

mkdir -p "$D/logs"
passed=0; failed=0; start=$SECONDS
for t in "$@"; do
    tstart=$SECONDS
    configure "$t"
    release=$(cat "$D/$KARCH/release")
    log=$D/logs/$t.log initrd=$D/initrd-$t.gz
    initramfs "$t" "$initrd"
    printf '\n=== %s: %s (%s)\n' "$t" "${QEMU[*]}" "$release"
    # The serial console goes to the log as it comes, and the host's clock
    # stamps the guest's markers (the guest's own clock is TCG's: not to be
    # trusted for timings).
    stalled=$D/logs/$t.stalled
    for boot in $(seq "$BOOTS"); do
        rm -f "$stalled" "$D/logs/$t.pid"
        t0=$EPOCHREALTIME
        : > "$log"
        watch_vm "$D/logs/$t.pid" "$log" "$stalled" &
        watcher=$!
        set +o pipefail
        timeout "$VM_TIMEOUT" "${QEMU[@]}" -kernel "$D/$KARCH/vmlinuz" -initrd "$initrd" \
            -append "$APPEND" -nographic -no-reboot -nic none -pidfile "$D/logs/$t.pid" </dev/null 2>&1 \
            | stamp "$log" "$D/logs/$t.times"
        code=${PIPESTATUS[0]}
        set -o pipefail
        kill "$watcher" 2>/dev/null || true   # gone already after a stall
        wait "$watcher" 2>/dev/null || true
        echo "$EPOCHREALTIME ===HOST-EXIT===" >> "$D/logs/$t.times"
        [ -f "$stalled" ] && [ "$boot" -lt "$BOOTS" ] || break
        echo "note: $t: boot $boot: $(cat "$stalled") after $(tr -d '\r' < "$log" | grep -c '^===PTEAR-STATUS') checks; last line: $(tr -d '\r' < "$log" | grep -v '^ *$' | tail -n 1 | cut -c1-100); booting again"
        cp "$log" "$D/logs/$t.boot$boot.log"
    done
    vcode=0; res=$(verify "$t" "$log" "$t0" "$release" "$SMP" "${KINDS[@]}") || vcode=$?
    grep -q '^FAILED:' <<<"$res" || [ "$vcode" = 0 ] || res+=$'\n'"FAILED: $t: reading the log back failed (tests/system_log.rs: exit $vcode, above)"
    if [ -f "$stalled" ]; then
        res+=$'\n'"FAILED: $t: boot $boot: $(cat "$stalled")"
    elif [ "$code" = 124 ]; then
        res+=$'\n'"FAILED: $t: the VM did not power off: still running after ${VM_TIMEOUT} s, killed (SYSTEM_TIMEOUT)"
    elif [ "$code" != 0 ]; then
        res+=$'\n'"FAILED: $t: qemu exited $code"
    fi
    echo "$res"
    echo "time: $t: $((SECONDS - tstart)) s in all (initramfs, boots, reading back)"
    p=$(grep -c '^ok:' <<<"$res" || true); f=$(grep -c '^FAILED:' <<<"$res" || true)
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" != 0 ]; then
        echo "--- last 40 lines of $log"
        tr -d '\r' < "$log" | tail -n 40
        echo "---"
    fi
done
echo
echo "system: $passed passed, $failed failed ($((SECONDS - start)) s)"
[ "$failed" = 0 ]
