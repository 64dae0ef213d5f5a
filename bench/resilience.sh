#!/usr/bin/env bash
# Resilience numbers for issue 9, in throwaway namespaces (tests/e2e/lib.sh):
#   - repair latency: from a drift command (table deleted, chain flushed, bridge set
#     down, bridge address removed) until the host is whole again, polled from outside;
#     and the daemon's own figure (event read -> repair done) from its log;
#   - time until a SIGSTOPped dnsmasq is replaced;
#   - root's `vnet ping` while an unprivileged user attacks the control socket.
# Usage: sudo bench/resilience.sh [OUT-FILE]. Not part of CI.
. "$(dirname "$0")/../tests/e2e/lib.sh"
OUT=${1:-/dev/stdout}
E2E_QUIET=1
e2e_init
e2e_start >/dev/null
net_wait_active default || e2e_fatal "default network is active"
vnet destroy default >/dev/null

NETS=4
ms_now() { echo $(($(date +%s%N) / 1000000)); }
nftx() { ip netns exec "$HOST_NS" nft "$@"; }
stats() { sort -n | awk '{a[NR]=$1} END {printf "n=%d p50=%d ms max=%d ms", NR, a[int((NR+1)/2)], a[NR]}'; }

for i in $(seq 0 $((NETS - 1))); do
    f=$(net_xml_file "r$i" "$(net_xml "r$i" "vt-r$i" "192.168.20$i" nat)")
    vnet define "$f" >/dev/null && vnet start "r$i" >/dev/null || e2e_fatal "network r$i starts"
done

table_ok() { nftx list table inet "vnet-vt-r$1" 2>/dev/null | grep -q masquerade; }
addr_ok() { ip -n "$HOST_NS" -4 addr show dev "vt-r$1" 2>/dev/null | grep -q "inet 192.168.20$1.1/24"; }
up_ok() { ip -n "$HOST_NS" -o link show dev "vt-r$1" 2>/dev/null | grep -q '<[^>]*\bUP\b'; }
whole() { table_ok "$1" && addr_ok "$1" && up_ok "$1"; }

# measure PRED I CMD...: run CMD, poll PRED I (bounded, 10 s) until it holds, print ms.
# Each kind is polled with the one cheap check it breaks (one nft or ip call, ~5 ms).
measure() {
    local pred=$1 i=$2 t0 deadline
    shift 2
    t0=$(ms_now)
    "$@"
    deadline=$((t0 + 10000))
    until "$pred" "$i"; do
        [ "$(ms_now)" -lt "$deadline" ] || { echo 99999; return; }
    done
    echo $(($(ms_now) - t0))
}

for k in table chain down addr; do : >"$E2E_TMP/lat-$k"; done
for i in $(seq 0 $((NETS - 1))); do # 5 drifts per network: within the unpaced burst
    for kind in table chain down addr table; do
        case $kind in
        table) measure table_ok "$i" nftx delete table inet "vnet-vt-r$i" ;;
        chain) measure table_ok "$i" nftx flush chain inet "vnet-vt-r$i" postrouting_nat ;;
        down) measure up_ok "$i" ip -n "$HOST_NS" link set "vt-r$i" down ;;
        addr) measure addr_ok "$i" ip -n "$HOST_NS" addr del "192.168.20$i.1/24" dev "vt-r$i" ;;
        esac >>"$E2E_TMP/lat-$kind"
        wait_for 1 false
    done
done
cat "$E2E_TMP"/lat-* >"$E2E_TMP/lat"
daemon=$(sed -n 's/.*repaired (.*; in \([0-9]*\) ms)$/\1/p' "$VNETD_LOG")

: >"$E2E_TMP/dns"
for i in $(seq 0 $((NETS - 1))); do
    pid=$(dnsmasq_pid_of "r$i")
    t0=$(ms_now)
    kill -STOP "$pid"
    deadline=$((t0 + 10000))
    while :; do
        p=$(dnsmasq_pid_of "r$i") && [ "$p" != "$pid" ] && break
        [ "$(ms_now)" -lt "$deadline" ] || break
        sleep 0.02
    done
    echo $(($(ms_now) - t0)) >>"$E2E_TMP/dns"
done

# root's ping under attack (the attacks of tests/e2e/20-hostile-clients.sh)
big=$E2E_TMP/big.xml
{
    echo "<network><name>big</name><description>"
    head -c 786432 /dev/zero | base64 -w 100
    echo "</description><bridge name='vbig0'/><ip address='10.99.0.1' netmask='255.255.255.0'/></network>"
} >"$big"
vnet define "$big" >/dev/null
ADIR=$E2E_TMP/attacker
mkdir -p "$ADIR" && chown 65534 "$ADIR"
pings() {
    local k t0
    for k in $(seq 1 50); do
        t0=$(ms_now)
        timeout 10 "$VNET_BIN" --root "$ROOT" ping >/dev/null 2>&1 || echo "# ping failed"
        echo $(($(ms_now) - t0))
    done
}
ping_line() { # DESC [MODE N [NAME]]
    local desc=$1 apid=""
    shift
    if [ $# -gt 0 ]; then
        rm -f "$ADIR/ready"
        ip netns exec "$HOST_NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
            /usr/bin/python3 "$E2E_DIR/hostile-client.py" "$(vnetd_socket)" "$ADIR/ready" 60 "$@" \
            2>>"$ADIR/log" &
        apid=$!
        E2E_PIDS+=("$apid")
        wait_for 20 test -s "$ADIR/ready"
        wait_for 2 false
    fi
    echo "root vnet ping, $desc: $(pings | grep -v '^#' | stats)"
    [ -z "$apid" ] || stop_pid "$apid" TERM 5
}

{
    echo "# bench/resilience.sh, $(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r), $(nproc) cores"
    echo "repair, drift command -> repaired (polled from outside), all: $(stats <"$E2E_TMP/lat")"
    for k in table chain down addr; do
        echo "  $k: $(stats <"$E2E_TMP/lat-$k")"
    done
    echo "repair, event read -> repair done (vnetd log): $(echo "$daemon" | grep . | stats)"
    echo "SIGSTOPped dnsmasq -> replaced: $(stats <"$E2E_TMP/dns")"
    ping_line "no attack"
    ping_line "40 unfinished 31 MiB requests" bigreq 40
    ping_line "1,100 connections" fds 1100
    ping_line "200 clients not reading a 1 MiB dumpxml" noread 200 big
} >"$OUT"
e2e_done
