#!/bin/bash
# Where does vnetd's time go when it starts a network while K others run?
#
#   sudo bench/profile-vnet.sh networks [K]   (default K=60)
#   sudo bench/profile-vnet.sh forwards [K]   (default K=3000)
#   sudo bench/profile-vnet.sh flush [K]      (default K=200)
# (run bench/run.sh once first: it builds build-bench/)
#
# networks: starts vnetd in a namespace (as run.sh does), defines and starts
# K NAT networks, then starts network K+1 under `strace -c -f` (syscall
# counts and time) and network K+2 under `perf record -g` (CPU profile).
# forwards: K port forwards on the default network, then forward K+1 under
# strace and K+2 under perf. Prints both profiles and the wall time of each
# step. flush: K networks, then `nft flush ruleset` and the wait until every
# table is back, twice (strace, then perf). Everything is removed at exit.
set -u
set -o pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
MODE=${1:-networks}
case $MODE in networks) K=${2:-60} ;; forwards) K=${2:-3000} ;; flush) K=${2:-200} ;; *) echo "usage: $0 networks|forwards|flush [K]" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
. "$BENCH/lib.sh"
. "$BENCH/sandbox.sh"
. "$BENCH/workloads.sh"
VNETD=$REPO/build-bench/src/daemon/vnetd VNET=$REPO/build-bench/src/cli/vnet
vn_available || die "build vnet first (bench/run.sh does: build-bench/)"
bench_init
vn_start || die "vnetd did not start"
set_cli vnet
if [ "$MODE" = networks ] || [ "$MODE" = flush ]; then
    mkdir -p "$WORK/xml/p"
    for ((i = 1; i <= K + 2; i++)); do
        netxml "$WORK/xml/p/p$i.xml" "bp$i" "bp$i" nat "172.$((16 + i / 250)).$((i % 250))"
        timeout 60 "${CLI[@]}" net-define "$WORK/xml/p/p$i.xml" >/dev/null || die "define $i"
    done
    for ((i = 1; i <= K; i++)); do
        ta=$EPOCHREALTIME
        timeout 120 "${CLI[@]}" net-start "bp$i" >/dev/null || die "start $i"
        [ $((i % 20)) = 0 ] && log "start #$i: $(echo "($EPOCHREALTIME - $ta) * 1000" | bc) ms"
    done
    step() { "${CLI[@]}" net-start "bp$1" >/dev/null; }
    if [ "$MODE" = flush ]; then
        # (tablecount: one dump; `nft list tables` reads the whole ruleset first
        # and starts over while vnetd commits, seconds during a mass repair)
        gcc -O2 -Wall -o "$WORK/tablecount" "$BENCH/tablecount.c" -lmnl || die "cannot compile tablecount"
        TABLECOUNT=$WORK/tablecount
        step() {
            local want deadline=$((SECONDS + 120))
            want=$(ip netns exec "$VN_NS" "$TABLECOUNT" vnet-)
            local tf=$EPOCHREALTIME
            ip netns exec "$VN_NS" nft flush ruleset
            echo "(nft flush ruleset: $(echo "($EPOCHREALTIME - $tf) * 1000" | bc) ms)"
            local have last=-1
            while have=$(ip netns exec "$VN_NS" "$TABLECOUNT" vnet-) &&
                [ "$have" -lt "$want" ] && [ $SECONDS -lt $deadline ]; do
                [ "$have" != "$last" ] && echo "  $(echo "($EPOCHREALTIME - $tf) * 1000" | bc) ms: $have of $want tables"
                last=$have
                sleep 0.01
            done
        }
    fi
else
    "${CLI[@]}" net-start default >/dev/null 2>&1
    for ((i = 1; i <= K; i++)); do
        ta=$EPOCHREALTIME
        timeout 60 "${CLI[@]}" forward-add default --proto tcp --port $((20000 + i)) --to 192.168.122.50:80 >/dev/null || die "forward $i"
        [ $((i % 1000)) = 0 ] && log "forward #$i: $(echo "($EPOCHREALTIME - $ta) * 1000" | bc) ms"
    done
    step() { "${CLI[@]}" forward-add default --proto tcp --port $((20000 + $1)) --to 192.168.122.50:80 >/dev/null; }
fi

if [ "$MODE" = flush ]; then
    ta=$EPOCHREALTIME
    step 0
    echo "wall (no tracer): $(echo "($EPOCHREALTIME - $ta) * 1000" | bc) ms"
    sleep 1
fi
echo "== strace -c -f of vnetd during step $((K + 1)) ($MODE)"
strace -c -f -p "$VN_PID" -o "$WORK/strace.txt" &
spid=$!
sleep 0.5
ta=$EPOCHREALTIME
step $((K + 1))
echo "wall (under strace): $(echo "($EPOCHREALTIME - $ta) * 1000" | bc) ms"
sleep 0.2
kill -INT "$spid"; wait "$spid" 2>/dev/null
head -25 "$WORK/strace.txt"

echo "== perf record -g of vnetd during step $((K + 2)) ($MODE)"
perf record -q -g -p "$VN_PID" -o "$WORK/perf.data" 2>/dev/null &
ppid=$!
sleep 0.5
ta=$EPOCHREALTIME
step $((K + 2))
echo "wall (under perf): $(echo "($EPOCHREALTIME - $ta) * 1000" | bc) ms"
sleep 0.2
kill -INT "$ppid"; wait "$ppid" 2>/dev/null
perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
    grep -v '^#' | grep '%' | head -30
vn_stop
