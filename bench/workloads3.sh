# shellcheck shell=bash
# Scale extras (issue 13): measured inside w3_scale at each N, and workload 6.
#
#   w3_latency_start / w3_latency_stop METRIC: a client asking `net-list --all`
#     in a loop while the N networks start; the 99th percentile of its calls.
#   w3_extra TOOL N: PSS of the daemon (and with its dnsmasq), the start of one
#     more network with N running, and (vnet) the repair of every table after
#     `nft flush ruleset` in the tool's namespace.
#   w6_boot N: vnet only: N autostart networks, vnetd started on their
#     definitions (nothing running, as after a reboot): time until all are active.

# ns_pss_kb NS PID [with-dnsmasq]: PSS (kB, /proc/PID/smaps_rollup) of the
# daemon, plus every dnsmasq of the namespace when asked.
ns_pss_kb() {
    local ns=$1 dpid=$2 all=${3:-} p tot r
    tot=$(awk '/^Pss:/ {print $2}' /proc/"$dpid"/smaps_rollup 2>/dev/null)
    tot=${tot:-0}
    if [ -n "$all" ]; then
        for p in $(ip netns pids "$ns" 2>/dev/null); do
            [ "$p" = "$dpid" ] && continue
            [ "$(cat /proc/"$p"/comm 2>/dev/null)" = dnsmasq ] || continue
            r=$(awk '/^Pss:/ {print $2}' /proc/"$p"/smaps_rollup 2>/dev/null); tot=$((tot + ${r:-0}))
        done
    fi
    echo "$tot"
}

w3_latency_start() {
    LAT_FILE=$WORK/latency.txt LAT_FLAG=$WORK/latency.on
    : >"$LAT_FILE"; : >"$LAT_FLAG"
    (
        local ta tb deadline=$((SECONDS + 3600))
        while [ -e "$LAT_FLAG" ] && [ $SECONDS -lt $deadline ]; do
            ta=$EPOCHREALTIME
            timeout 60 "${CLI[@]}" net-list --all >/dev/null 2>&1
            tb=$EPOCHREALTIME
            echo "($tb - $ta) * 1000" | bc >>"$LAT_FILE"
        done
    ) &
    LAT_PID=$!
    track_pid "$LAT_PID"
}

# w3_latency_stop TOOL N NOTE
w3_latency_stop() {
    rm -f "$LAT_FLAG"
    wait "$LAT_PID" 2>/dev/null
    local n p99 med
    n=$(wc -l <"$LAT_FILE")
    [ "$n" -gt 0 ] || return 0
    p99=$(sort -g "$LAT_FILE" | awk -v n="$n" '{a[NR]=$1} END {i=int(n*0.99+0.999); if (i<1) i=1; printf "%.3f", a[i]}')
    med=$(stats <"$LAT_FILE" | cut -d' ' -f1)
    result 3-scale "N=$2 client p99 during starts" "$1" "$p99" - - "$n" ms \
        "${3:+$3; }net-list --all in a loop while the networks start; median $med ms"
}

w3_extra() {
    local tool=$1 n=$2 note=${3:-} t0 t1 tables want
    result 3-scale "N=$n PSS daemon" "$tool" \
        "$(echo "scale=1; $(ns_pss_kb "$HOSTNS" "$DPID") / 1024" | bc)" - - 1 MiB "$note"
    result 3-scale "N=$n PSS daemon+dnsmasq" "$tool" \
        "$(echo "scale=1; $(ns_pss_kb "$HOSTNS" "$DPID" all) / 1024" | bc)" - - 1 MiB "$note"
    netxml "$WORK/xml/w3/one-more.xml" bsx bsx nat "172.31.250"
    if "${CLI[@]}" net-define "$WORK/xml/w3/one-more.xml" >/dev/null; then
        timed 3-scale "N=$n start one more" "$tool" "$RUNS" -- \
            t "${CLI[@]}" net-start bsx :: -destroy "${CLI[@]}" net-destroy bsx
        "${CLI[@]}" net-undefine bsx >/dev/null
    fi
    [ "$tool" = vnet ] || return 0 # libvirt does not repair its rules
    want=$(ip netns exec "$HOSTNS" "$TABLECOUNT" vnet-)
    t0=$EPOCHREALTIME
    ip netns exec "$HOSTNS" nft flush ruleset
    local deadline=$((SECONDS + 300))
    while :; do
        tables=$(ip netns exec "$HOSTNS" "$TABLECOUNT" vnet-)
        [ "$tables" -ge "$want" ] && break
        [ $SECONDS -ge $deadline ] && { note="${note:+$note; }only $tables of $want back after 300 s"; break; }
        sleep 0.02
    done
    t1=$EPOCHREALTIME
    result 3-scale "N=$n flush-repair all tables" "$tool" "$(printf %.3f "$(echo "$t1 - $t0" | bc)")" - - 1 s \
        "${note:+$note; }includes vnetd's 200 ms coalescing of drift events"
}

w6_boot() {
    local n=$1 i t0 t1 active=0
    vn_start || return 1
    set_cli vnet # (after vn_start: it names the root)
    mkdir -p "$WORK/xml/w6"
    for ((i = 1; i <= n; i++)); do
        netxml "$WORK/xml/w6/b$i.xml" "bb$i" "bb$i" nat "172.$((16 + i / 250)).$((i % 250))"
        "${CLI[@]}" net-define "$WORK/xml/w6/b$i.xml" >/dev/null && "${CLI[@]}" net-autostart "bb$i" >/dev/null ||
            { log "vnet: defining bb$i failed"; break; }
    done
    # a "reboot": vnetd stopped with nothing running, started again on the same root
    stop_pid "$VN_PID" 10
    ip netns exec "$VN_NS" nft list tables | grep -q vnet- && log "w6: tables left before boot?"
    t0=$EPOCHREALTIME
    ip netns exec "$VN_NS" unshare --mount --propagation private -- bash -c "
        mount --bind $WORK/resolv.conf /etc/resolv.conf &&
        exec $VNETD --root $VN_ROOT --foreground" >>"$WORK/vnetd.log" 2>&1 &
    VN_PID=$!
    track_pid "$VN_PID"
    local deadline=$((SECONDS + 600))
    while [ $SECONDS -lt $deadline ]; do
        active=$("${CLI[@]}" net-list 2>/dev/null | grep -c ' active ')
        [ "$active" -ge "$n" ] && break
        sleep 0.05
    done
    t1=$EPOCHREALTIME
    local note=""
    [ "$active" -ge "$n" ] || note="only $active of $n active after 600 s"
    result 6-boot "N=$n autostart: all active" vnet "$(printf %.3f "$(echo "$t1 - $t0" | bc)")" - - 1 s \
        "${note:+$note; }from vnetd's launch; the built-in default also starts"
    vn_stop
}

# bench/workloads3.sh — workload 6: libvirt RPC round trips. Sourced by run.sh.
# The same python3-libvirt script talks to libvirtd's network driver and to
# vnetd's virtnetworkd socket: 100 networks defined, 1000 listAllNetworks and
# 1000 networkLookupByName calls timed one by one in-process, and RUNS
# start+destroy cycles of one network (isolated, an address, no DHCP).

w6_rpc() {
    local tool=$1 uri line metric med min max n unit
    case $tool in
    libvirt) uri=$LV_URI ;;
    vnet) uri="network:///system?socket=$VN_ROOT/run/libvirt/virtnetworkd-sock" ;;
    esac
    while read -r line; do
        read -r metric med min max n unit <<<"$line"
        case $metric in
        list | lookup) result 6-rpc "$metric (1 call of 1000, 100 networks)" "$tool" "$med" "$min" "$max" "$n" "$unit" ;;
        floor) result 6-rpc "getLibVersion (round-trip floor)" "$tool" "$med" "$min" "$max" "$n" "$unit" ;;
        start | destroy) result 6-rpc "$metric through the RPC" "$tool" "$med" "$min" "$max" "$n" "$unit" ;;
        start-settled) result 6-rpc "start, 0.5 s after the last destroy" "$tool" "$med" "$min" "$max" "$n" "$unit" ;;
        esac
    done < <(timeout 600 /usr/bin/python3 "$BENCH/rpc_latency.py" "$uri" 100 1000 "$RUNS" 251 2>"$WORK/rpc-$tool.err")
    [ -s "$WORK/rpc-$tool.err" ] && { log "$tool: rpc workload said:"; cat "$WORK/rpc-$tool.err" >&2; }
    return 0
}

w6_rpc_all() {
    local tool
    for tool in "${TOOLS[@]}"; do
        tool_up "$tool" || { log "$tool did not start: workload 6 skipped for it"; continue; }
        log "== 6 rpc: $tool"
        w6_rpc "$tool"
        tool_down "$tool"
    done
}
