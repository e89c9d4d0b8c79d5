#!/usr/bin/env bash
# The full-system stall watch (ci/watch_vm.sh) against five stand-ins
# for a VM, each writing its pid as qemu's -pidfile does: one idle and
# silent (a stalled guest: must be killed and marked), one spinning and
# silent after opening a block (a guest stopped in the middle of printing
# a file, qemu busy: must be killed and marked), one spinning and silent
# after a closed block (a guest running ptear's selftest after an
# earlier check printed its files), one spinning and silent (the same
# with no block yet), one idle that prints a line a second (a guest
# booting). Short windows (STALL_S=3, POLL_S=1) so the five run in about
# 8 s, side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
STALL_S=3 POLL_S=1
. ci/watch_vm.sh
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

# VM NAME BODY: starts a stand-in (for at most 8 s) and its watch.
vm() {
    : > "$tmp/$1.log"
    (   rc=0
        timeout 8 bash -c "echo \$\$ > '$tmp/$1.pid'; $2" >> "$tmp/$1.log" 2>&1 || rc=$?
        echo "$rc" > "$tmp/$1.rc" ) 2>/dev/null &
    watch_vm "$tmp/$1.pid" "$tmp/$1.log" "$tmp/$1.stalled" &
}
vm idle 'exec sleep 60'
vm busy-in-block 'echo "===PTEAR-BEGIN selftest.json==="; echo "{"; while :; do :; done'
vm busy-after-block 'echo "===PTEAR-BEGIN run.json==="; echo "{}"; echo "===PTEAR-END run.json==="; while :; do :; done'
vm busy 'while :; do :; done'
vm talking 'while :; do echo booting; sleep 1; done'
wait
fail=0
# 143: killed by the watch's SIGTERM; 124: ran out its 8 s.
for v in idle busy-in-block; do
    if [ -f "$tmp/$v.stalled" ] && [ "$(cat "$tmp/$v.rc")" = 143 ]; then
        echo "ok    $v and silent: a stall, killed ($(cat "$tmp/$v.stalled"))"
    else
        echo "FAIL  $v and silent: not caught (exit $(cat "$tmp/$v.rc"), mark: $(cat "$tmp/$v.stalled" 2>/dev/null))"; fail=1
    fi
done
for v in busy-after-block busy talking; do
    if [ -f "$tmp/$v.stalled" ]; then
        echo "FAIL  $v: taken for a stall: $(cat "$tmp/$v.stalled")"; fail=1
    else
        echo "ok    $v: not a stall (ran its 8 s: exit $(cat "$tmp/$v.rc"))"
    fi
done
exit "$fail"
