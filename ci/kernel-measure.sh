#!/usr/bin/env bash
# ci/kernel-measure.sh SMP SECONDS NAME [ptear run options...]: one long run
# of the kernel engine in the 686-pae guest, for BENCHMARKS.md (a
# measurement, not a CI step). Boots the kernel ci/system.sh's x86 targets
# boot (TCG, -cpu Conroe -smp SMP, -m 1024), with kmod/ built against its
# exact headers, runs
#     ptear-i686 run --engine kernel -d SECONDSs --json ... [options]
# from ci/system-init.sh, and writes the guest's report to
# target/reports/kernel-measure-NAME.json (the serial log in
# target/system/logs/kernel-measure-NAME.log). Needs ci/system-setup.sh's
# cache and builds dist/ptear-i686 (ci/release.sh) if missing.
#
#   ci/kernel-measure.sh 2 600 aba-2cpu --low-period 2 --readers 1 --cpus 0,1
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 3 ] || { sed -n '2,/^set -e/{/^#/s/^# \{0,1\}//p}' "$0"; exit 2; }
smp=$1 secs=$2 name=$3; shift 3
D=$PWD/target/system
bash ci/system-setup.sh >/dev/null
[ -x dist/ptear-i686 ] || bash ci/release.sh i686
make -s -C kmod KDIR="$D/headers/build" >/dev/null
rel=$(cat "$D/i386/release")
root=$D/root-measure-$name
rm -rf "$root"; mkdir -p "$root/bin"
install -m 755 ci/system-init.sh "$root/init"
install -m 755 "$D/i386/busybox" "$root/bin/busybox"
install -m 755 dist/ptear-i686 "$root/bin/ptear-i686"
install -D -m 644 kmod/ptear_kmod.ko "$root/lib/modules/$rel/extra/ptear_kmod.ko"
echo "check measure $((secs + 120)) ptear-i686 run --engine kernel -q -d ${secs}s --json /tmp/measure.json $*" > "$root/checks"
initrd=$D/initrd-measure-$name.gz
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 > "$initrd"
rm -rf "$root"
mkdir -p "$D/logs" target/reports
log=$D/logs/kernel-measure-$name.log
echo "kernel-measure: $name: -smp $smp, ${secs} s: ptear-i686 run --engine kernel -d ${secs}s $*"
start=$SECONDS
timeout $((secs + 600)) qemu-system-i386 -accel tcg,thread=multi -cpu Conroe -smp "$smp" -m 1024 \
    -kernel "$D/i386/vmlinuz" -initrd "$initrd" -append "console=ttyS0 quiet panic=1" \
    -nographic -no-reboot -nic none </dev/null 2>&1 | tr -d '\r' > "$log" || true
out=target/reports/kernel-measure-$name.json
sed -n '/^===PTEAR-BEGIN measure.json===$/,/^===PTEAR-END measure.json===$/p' "$log" | sed '1d;$d' > "$out"
grep -q '"schema"' "$out" || { echo "kernel-measure: $name: no report (see $log)" >&2; tail -n 20 "$log" >&2; exit 1; }
echo "kernel-measure: $name: $out ($((SECONDS - start)) s, host load $(cut -d' ' -f1 /proc/loadavg))"
