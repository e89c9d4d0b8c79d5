# shellcheck shell=bash
# watch_vm PIDFILE LOG MARK: kills the VM of PIDFILE and writes MARK when
# LOG has not grown and the VM has used under 1 s of CPU in STALL_S seconds
# (ci/system.sh, "Stalls"). Looks every POLL_S seconds (5); returns when
# the VM has gone. Sourced by ci/system.sh; ci/watch_vm-test.sh shows it
# fires on an idle silent process and not on a busy or a talking one.
: "${STALL_S:=30}" "${POLL_S:=5}"
watch_vm() {
    local pidfile=$1 log=$2 mark=$3 pid="" ticks size t0_ticks=-1 t0_size=-1 quiet=0
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
    done
}
