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
