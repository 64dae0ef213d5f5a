#!/bin/bash
# vnet benchmarks beside libvirt 9.0 and netavark 1.4 — the one command:
#
#   sudo bench/run.sh [--quick] [--only 1,2,3,4,5,6] [--runs N] [--no-install] [--no-vnet] [--keep]
#
# Installs what it needs from Debian (no service is started), builds vnet in
# build-bench/, runs every workload inside namespaces it creates, prints a
# table of medians and writes bench/results/DATE-HOST.{txt,json,png}.
set -u
set -o pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
QUICK=0; ONLY=1,2,3,4,5,6; INSTALL=1; WANT_VNET=1; BENCH_KEEP=0; RUNS=""
while [ $# -gt 0 ]; do
    case $1 in
    --quick) QUICK=1 ;;
    --only) ONLY=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --no-install) INSTALL=0 ;;
    --no-vnet) WANT_VNET=0 ;;
    --keep) BENCH_KEEP=1 ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "bench: needs root (namespaces, bridges, firewall)" >&2; exit 1; }

. "$BENCH/install.sh"
. "$BENCH/lib.sh"
. "$BENCH/sandbox.sh"
. "$BENCH/workloads.sh"
. "$BENCH/workloads2.sh"
. "$BENCH/workloads3.sh"
. "$BENCH/report.sh"

if [ "$QUICK" = 1 ]; then
    RUNS=${RUNS:-3}; SCALE_NS="1 10"; NFWD=${NFWD:-200}; DP_SECS=2
else
    RUNS=${RUNS:-7}; SCALE_NS="1 10 100 1000"; NFWD=${NFWD:-10000}; DP_SECS=5
fi
SCALE_BUDGET=${SCALE_BUDGET:-120}

[ "$INSTALL" = 1 ] && { bench_install || die "package installation failed"; }
bench_init

gcc -O2 -Wall -Wextra -o "$WORK/timeit" "$BENCH/timeit.c" || die "cannot compile timeit"
gcc -O2 -Wall -Wextra -o "$WORK/connrate" "$BENCH/connrate.c" || die "cannot compile connrate"
gcc -O2 -Wall -Wextra -o "$WORK/tablecount" "$BENCH/tablecount.c" -lmnl || die "cannot compile tablecount"
TIMEIT=$WORK/timeit CONNRATE=$WORK/connrate TABLECOUNT=$WORK/tablecount

# vnet: built from this tree into build-bench/ (missing vnet is reported, the
# anchors are still measured)
VNETD=$REPO/build-bench/src/daemon/vnetd VNET=$REPO/build-bench/src/cli/vnet
if [ "$WANT_VNET" = 1 ]; then
    if [ ! -d "$REPO/build-bench" ]; then
        meson setup "$REPO/build-bench" "$REPO" --buildtype=release >"$WORK/meson.log" 2>&1 ||
            log "meson setup failed (see $WORK/meson.log)"
    fi
    ninja -C "$REPO/build-bench" src/daemon/vnetd src/cli/vnet >"$WORK/ninja.log" 2>&1 ||
        { log "vnet did not build: measuring the anchors only"; tail -5 "$WORK/ninja.log" >&2; WANT_VNET=0; }
fi
vn_available || WANT_VNET=0
TOOLS=(libvirt); [ "$WANT_VNET" = 1 ] && TOOLS+=(vnet)
log "tools: ${TOOLS[*]}; runs: $RUNS; work dir $WORK"

tool_up() { case $1 in libvirt) lv_start ;; vnet) vn_start ;; esac; }
tool_down() { case $1 in libvirt) lv_stop ;; vnet) vn_stop ;; esac; }
want() { [[ ",$ONLY," == *",$1,"* ]]; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for tool in "${TOOLS[@]}"; do
    if want 1 || want 2 || want 3; then
        tool_up "$tool" || { log "$tool did not start: workloads 1-3 skipped for it"; continue; }
        want 1 && { log "== 1 lifecycle: $tool"; w1_lifecycle "$tool"; }
        want 2 && { log "== 2 dhcp: $tool"; w2_dhcp "$tool"; }
        tool_down "$tool"
    fi
    if want 3; then
        W3_LAST_TOTAL=""; prev_n=""
        for n in $SCALE_NS; do
            # a size is run only if the previous one, scaled linearly, fits the budget
            if [ -n "$W3_LAST_TOTAL" ] && [ "$(echo "$W3_LAST_TOTAL * $n / $prev_n > $SCALE_BUDGET" | bc)" = 1 ]; then
                log "$tool: N=$n not run: N=$prev_n took ${W3_LAST_TOTAL}s, projected over the ${SCALE_BUDGET}s budget"
                result 3-scale "N=$n define+start total" "$tool" "not run" - - 0 s \
                    "N=$n not run: N=$prev_n took $(printf %.1f "$W3_LAST_TOTAL") s, x$((n / prev_n)) is over the ${SCALE_BUDGET} s budget"
                continue
            fi
            prev_n=$n
            tool_up "$tool" || break
            log "== 3 scale N=$n: $tool"
            w3_scale "$tool" "$n" "$SCALE_BUDGET"
            tool_down "$tool"
        done
    fi
done
if want 6 && [ "$WANT_VNET" = 1 ]; then
    for n in $SCALE_NS; do log "== 6 boot N=$n: vnet"; w6_boot "$n"; done
fi
want 4 && w4_forwards_all
want 5 && w5_datapath_all
want 6 && w6_rpc_all
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

report_all
