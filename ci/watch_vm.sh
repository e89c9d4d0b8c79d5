# shellcheck shell=bash
# watch_vm PIDFILE LOG MARK: kills the VM of PIDFILE and writes MARK when
# LOG has not grown in STALL_S seconds and either the VM has used under
# 1 s of CPU in that time, or the guest was printing a block (its last
# marker a `===PTEAR-BEGIN`, not yet ended): a guest that stops in the
# middle of `cat`ting a file to its console has stalled even while qemu
# spins (seen once on mips-34kf: silent for about 540 s in selftest.json at
# 106% CPU), where a check that prints nothing while it runs keeps qemu
# busy and the console silent for a minute or more (ci/system.sh,
# "Stalls"). Looks every POLL_S seconds (5); returns when the VM has
# gone. Sourced by ci/system.sh; ci/watch_vm-test.sh shows it fires on an
# idle silent process and on a busy one silent inside a block, and not on
# a busy silent one outside a block or a talking one.
: "${STALL_S:=30}" "${POLL_S:=5}"
watch_vm() {
    local pidfile=$1 log=$2 mark=$3 pid="" ticks size t0_ticks=-1 t0_size=-1 quiet=0 b0_size=-1 bquiet=0
    while sleep "$POLL_S"; do
        [ -n "$pid" ] || pid=$(cat "$pidfile" 2>/dev/null) || continue
        [ -r "/proc/$pid/stat" ] || return 0
        # utime + stime of the whole process, in clock ticks (100 a second)
        ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || return 0
        size=$(stat -c %s "$log")
        if [ "$size" != "$t0_size" ] || [ $((ticks - t0_ticks)) -ge 100 ]; then
            t0_ticks=$ticks t0_size=$size quiet=0
        else
            quiet=$((quiet + POLL_S))
        fi
        if [ "$quiet" -ge "$STALL_S" ]; then
            echo "the VM stalled: console silent and qemu under 1 s of CPU time in ${STALL_S} s (killed)" > "$mark"
            kill "$pid" 2>/dev/null || true
            return 0
        fi
        if [ "$size" != "$b0_size" ]; then
            b0_size=$size bquiet=0
        else
            bquiet=$((bquiet + POLL_S))
            if [ "$bquiet" -ge "$STALL_S" ] && [ "$(in_block "$log")" = 1 ]; then
                echo "the VM stalled: console silent for ${STALL_S} s in the middle of a block ($(last_marker "$log")), qemu busy (killed)" > "$mark"
                kill "$pid" 2>/dev/null || true
                return 0
            fi
        fi
    done
}

# The last block marker the guest printed (ci/system-init.sh `block`).
last_marker() { # LOG
    grep -a -o '===PTEAR-\(BEGIN\|END\) [^=]*===' "$1" | tail -n 1
}
# 1 when the guest's last marker opens a block it has not closed.
in_block() { # LOG
    case $(last_marker "$1") in "===PTEAR-BEGIN "*) echo 1 ;; *) echo 0 ;; esac
}
