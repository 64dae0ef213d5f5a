#!/usr/bin/env bash
# issue 13: does a slow dnsmasq hold other clients up? In throwaway namespaces (the e2e harness,
# tests/e2e/lib.sh), vnetd runs with tests/e2e/slow-dnsmasq.sh as its dnsmasq: 0.5 s before it
# serves, 1.8 s between SIGTERM and its exit (held). N networks are started side by side (one
# `vnet start` each, in the background), then destroyed side by side, while one client inside the
# host namespace asks `vnet list` in a loop; printed: that client's median and p99 per phase.
#
#   sudo bench/async-dnsmasq.sh [N] [VNETD VNET]   # default N=20, this tree's build
#   sudo REAL=1 bench/async-dnsmasq.sh 100         # Debian's dnsmasq itself, not slowed down
#
# Give another vnetd/vnet (e.g. an older build) to compare. Not part of CI.
set -u
BENCH=$(cd "$(dirname "$0")" && pwd)
N=${1:-20}
[ $# -ge 3 ] && { VNETD_BIN=$2; VNET_BIN=$3; }
. "$BENCH/../tests/e2e/lib.sh"
E2E_QUIET=1
e2e_init
CTL=$E2E_TMP/ctl
mkdir -p "$CTL"
SLOW=$E2E_TMP/slow-dnsmasq
sed "s|@CTL@|$CTL|" "$E2E_DIR/slow-dnsmasq.sh" >"$SLOW"
chmod 755 "$SLOW"
if [ "${REAL:-0}" = 1 ]; then
    SLOW=/usr/sbin/dnsmasq
    e2e_start
else
    e2e_start --dnsmasq "$SLOW"
fi

for i in $(seq "$N"); do
    f=$(net_xml_file "b$i" "$(net_xml "b$i" "vt-b$i" "10.$((i / 250)).$((i % 250))" nat)")
    vnet define "$f" >/dev/null || e2e_fatal "define b$i"
    touch "$CTL/b$i.hold-stop"
done

# latency_loop FLAG OUT: `vnet list` in a loop inside the host namespace, ms per call
latency_loop() {
    ip netns exec "$HOST_NS" bash -c '
        while [ -e "$0" ]; do
            a=$EPOCHREALTIME; "$2" --root "$3" list >/dev/null 2>"$1.err"; rc=$?; b=$EPOCHREALTIME
            [ $rc = 0 ] && echo "($b - $a) * 1000" | bc
            [ $rc = 0 ] || cat "$1.err" >>"$1.errors"
        done >"$1"' "$1" "$2" "$VNET_BIN" "$ROOT" &
    LOOP=$!
}

summary() { # FILE: median p99 count
    sort -g "$1" | awk '{a[NR]=$1} END {n=NR; if (!n) {print "- - 0"; exit}
        m=a[int((n+1)/2)]; i=int(n*0.99+0.999); if (i<1) i=1; printf "%.1f %.1f %d\n", m, a[i], n}'
}

phase() { # OP
    local flag=$E2E_TMP/on out=$E2E_TMP/lat-$1.txt pids=() t0 t1
    : >"$flag"
    latency_loop "$flag" "$out"
    sleep 0.3
    t0=$EPOCHREALTIME
    for i in $(seq "$N"); do
        vnet "$1" "b$i" >/dev/null 2>&1 &
        pids+=($!)
    done
    local failed=0
    for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
    t1=$EPOCHREALTIME
    rm -f "$flag"
    wait "$LOOP"
    read -r med p99 cnt < <(summary "$out")
    [ -s "$out.errors" ] && echo "# $1: failed list calls: $(sort "$out.errors" | uniq -c | head -3)"
    printf '%s\tN=%d\tall done in %.2f s (%d failed)\tvnet list: median %s ms, p99 %s ms (%d calls)\n' \
        "$1" "$N" "$(echo "$t1 - $t0" | bc)" "$failed" "$med" "$p99" "$cnt"
}

if [ "${REAL:-0}" = 1 ]; then
    echo "# vnetd $VNETD_BIN; dnsmasq: $SLOW"
else
    echo "# vnetd $VNETD_BIN; dnsmasq: slow-dnsmasq.sh (0.5 s to serve, 1.8 s from SIGTERM to exit)"
fi
phase start
phase destroy
e2e_done
