# bench/lib.sh — shared helpers for the benchmark (sourced by run.sh).
# Everything the benchmark creates is registered here (namespaces, PIDs,
# mounts are inside namespaces) and removed by bench_cleanup on exit.

BENCH_TAG=${BENCH_TAG:-vb$$}
BENCH_NETNS=()       # namespaces we created (deleted at exit)
BENCH_PIDS=()        # processes we started (killed by PID at exit)
RESULTS_TSV=""       # set by bench_init

log() { printf '%s bench: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

now_ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }

# wait_for TIMEOUT_S CMD...: polls CMD every 20 ms until it succeeds or the
# deadline passes (returns 1 then). Never waits without a bound.
wait_for() {
    local timeout=$1; shift
    local deadline=$(( $(now_ms) + timeout * 1000 ))
    while ! "$@" >/dev/null 2>&1; do
        [ "$(now_ms)" -ge "$deadline" ] && return 1
        sleep 0.02
    done
    return 0
}

netns_add() {
    ip netns add "$1" || die "ip netns add $1"
    BENCH_NETNS+=("$1")
    ip -n "$1" link set lo up
}

netns_del() {
    local ns=$1 p
    # kill whatever still runs in it (only processes in OUR namespace)
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
    for p in $(ip netns pids "$ns" 2>/dev/null); do
        wait_for 3 bash -c "! kill -0 $p" || kill -KILL "$p" 2>/dev/null
    done
    ip netns del "$ns" 2>/dev/null
}

track_pid() { BENCH_PIDS+=("$1"); }

# stop_pid PID [TIMEOUT_S]: SIGTERM, wait with a deadline, then SIGKILL.
stop_pid() {
    local pid=$1 t=${2:-5}
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    wait_for "$t" bash -c "! kill -0 $pid 2>/dev/null" && return 0
    kill -KILL "$pid" 2>/dev/null
    wait_for 2 bash -c "! kill -0 $pid 2>/dev/null"
}

# host_snapshot FILE: what the root namespace and the libvirt directories
# look like, to prove afterwards the machine was not touched.
host_snapshot() {
    {
        echo "## links"; ip -br link | awk '{print $1}' | sort
        echo "## nft tables"; nft list tables 2>&1 | sort
        echo "## iptables"; iptables-save 2>/dev/null | grep -v '^#' | sort
        echo "## libvirt dirs"
        local d
        for d in /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /run/containers /run/vnet; do
            if [ -e "$d" ]; then find "$d" -printf '%p %s %T@\n' 2>/dev/null | sort; else echo "$d absent"; fi
        done
    } >"$1"
}

bench_cleanup() {
    local rc=$? p ns
    trap - EXIT INT TERM
    log "cleaning up"
    type sandbox_cleanup >/dev/null 2>&1 && sandbox_cleanup
    for p in "${BENCH_PIDS[@]}"; do stop_pid "$p" 3; done
    for ns in "${BENCH_NETNS[@]}"; do netns_del "$ns"; done
    if [ -n "${WORK:-}" ] && [ -f "$WORK/host-before.txt" ]; then
        host_snapshot "$WORK/host-after.txt"
        if diff -u "$WORK/host-before.txt" "$WORK/host-after.txt" >"$WORK/host-diff.txt"; then
            log "host check: root namespace, nft tables and libvirt dirs unchanged"
        else
            log "host check: DIFFERENCES in the root namespace (see below)"
            cat "$WORK/host-diff.txt" >&2
            rc=1
        fi
    fi
    if [ -n "${WORK:-}" ] && [ "${BENCH_KEEP:-0}" != 1 ]; then
        umount -R "$WORK" 2>/dev/null
        rm -rf --one-file-system "$WORK"
    fi
    exit $rc
}

bench_init() {
    WORK=$(mktemp -d /tmp/vnet-bench.XXXXXX)
    chmod 755 "$WORK"      # dnsmasq runs as nobody and must traverse it
    RESULTS_TSV=$WORK/results.tsv
    # daemons see this resolv.conf: DNS forwarded by dnsmasq stays in our namespaces
    echo "nameserver 203.0.113.2" >"$WORK/resolv.conf"
    : >"$RESULTS_TSV"
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    host_snapshot "$WORK/host-before.txt"
    # BENCH_MERGE_JSON=results/X.json: keep that run's results for the
    # workloads this run does not repeat (e.g. after `--only 4`)
    if [ -n "${BENCH_MERGE_JSON:-}" ]; then
        jq -r '.results[] | [.workload, .metric, .tool, (.median|tostring), ((.min // "-")|tostring),
               ((.max // "-")|tostring), (.runs|tostring), .unit, (.note // "")] | @tsv' "$BENCH_MERGE_JSON" |
            awk -F'\t' -v only=",$ONLY," '{ split($1, w, "-"); if (index(only, "," w[1] ",") == 0) print }' >>"$RESULTS_TSV"
        log "kept $(wc -l <"$RESULTS_TSV") results from $BENCH_MERGE_JSON"
    fi
    export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config XDG_CACHE_HOME=$WORK/home/.cache \
           XDG_RUNTIME_DIR=$WORK/home/run
    mkdir -p "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
}

# result WORKLOAD METRIC TOOL MEDIAN MIN MAX RUNS UNIT [NOTE]
result() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "${9:-}" >>"$RESULTS_TSV"
    log "result: $1 / $2 / $3: median $4 $8 (min $5, max $6, n=$7) ${9:-}"
}

# timed WORKLOAD METRIC TOOL RUNS -- LABEL CMD... [:: LABEL CMD...]
# Runs bench/timeit; every timed label becomes a result "METRIC-LABEL"
# (or METRIC when the label is "t").
timed() {
    local wl=$1 metric=$2 tool=$3 runs=$4; shift 5
    local out
    out=$("$TIMEIT" -n "$runs" -t 300 -- "$@") || { log "FAILED: $wl $metric $tool"; return 1; }
    local label med min max n m
    while read -r label med min max n; do
        m=$metric; [ "$label" != t ] && m="$metric-$label"
        result "$wl" "$m" "$tool" "$med" "$min" "$max" "$n" ms
    done <<<"$out"
}

# stats: reads numbers (one a line) and prints "median min max n".
stats() {
    sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan nan nan 0"; exit}
        m = (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.3f %.3f %.3f %d\n", m, a[1], a[NR], NR}'
}
