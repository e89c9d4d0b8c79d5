#!/bin/busybox sh
# /init of ci/system.sh's initramfs (a busybox sh script; PID 1 of the VM).
#
# Mounts proc, sys, devtmpfs; prints the kernel release, the entropy pool and
# the CPU; then runs the checks in /checks (written by ci/system.sh for one
# target: lines `check NAME SECS COMMAND...`), and powers off. Everything it
# prints goes to the serial console, where ci/system.sh reads it back:
#
#   ===PTEAR-INFO KEY VALUE===               kernel, entropy_avail, cpu, cpus, uptime
#   ===PTEAR-BEGIN NAME.out===  ...  ===PTEAR-END NAME.out===    stdout
#   ===PTEAR-BEGIN NAME.err===  ...  ===PTEAR-END NAME.err===    stderr
#   ===PTEAR-BEGIN NAME.json=== ...  ===PTEAR-END NAME.json===   /tmp/NAME.json, if written
#   ===PTEAR-BEGIN NAME.xml===  ...  ===PTEAR-END NAME.xml===    /tmp/NAME.xml (JUnit), if written
#   ===PTEAR-STATUS NAME STATUS T0 T1===     exit status, uptime before and after
#   ===PTEAR-DONE===                          every check ran
#
# A check that outlives its SECS is killed (SIGKILL: a process blocked in
# getrandom() would not die of SIGTERM) and reports status 137.

/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin
mount -t sysfs sysfs /sys
grep -q " /dev " /proc/mounts || mount -t devtmpfs devtmpfs /dev
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
# Whatever happens below, the VM powers off (a dying PID 1 would hang it).
trap 'poweroff -f' EXIT
# Only emergencies on the console from here on: kernel messages (RCU stall
# warnings under TCG) must not land inside a report.
echo 1 > /proc/sys/kernel/printk

uptime_s() { read -r up _ < /proc/uptime; echo "$up"; }
info() { echo "===PTEAR-INFO $1 $2==="; }

echo    # the firmware's last line (SeaBIOS) has no newline

info kernel "$(uname -r)"
info machine "$(uname -m)"
info entropy_avail "$(cat /proc/sys/kernel/random/entropy_avail)"
info cpu "$(grep -m1 -E '^(model name|cpu model)' /proc/cpuinfo | sed 's/^[^:]*: *//')"
info cpus "$(grep -c '^processor' /proc/cpuinfo)"
info uptime "$(uptime_s)"

block() { # NAME.EXT FILE (the empty line keeps a last line without its
           # newline from swallowing the end marker; the host drops it)
    echo "===PTEAR-BEGIN $1==="
    cat "$2"
    echo
    echo "===PTEAR-END $1==="
}

check() { # NAME SECS COMMAND...
    name=$1 secs=$2
    shift 2
    echo "=== check $name: $*"
    t0=$(uptime_s)
    timeout -s KILL "$secs" "$@" > "/tmp/$name.out" 2> "/tmp/$name.err"
    status=$?
    t1=$(uptime_s)
    block "$name.out" "/tmp/$name.out"
    block "$name.err" "/tmp/$name.err"
    [ -f "/tmp/$name.json" ] && block "$name.json" "/tmp/$name.json"
    [ -f "/tmp/$name.xml" ] && block "$name.xml" "/tmp/$name.xml"
    echo "===PTEAR-STATUS $name $status $t0 $t1==="
}

cd /tmp
. /checks
echo "===PTEAR-DONE==="
sync
