# bench/workloads2.sh — workloads 4 (port forwards) and 5 (datapath).
# Sourced by run.sh.

# guest_static HOSTNS BRIDGE GUESTNS ADDR GW: a guest with a fixed address
guest_static() {
    "$BENCH/guest.sh" plug "$1" "$2" "$3" none "$WORK/g-$3" || return 1
    BENCH_NETNS+=("$3")
    ip -n "$3" addr add "$4/24" dev eth0
    ip -n "$3" route add default via "$5"
    # a bridge with STP keeps a new port blocked for a few seconds
    wait_for 20 ip netns exec "$3" ping -c1 -W1 "$5" || { log "guest $3 cannot reach $5"; return 1; }
}

ct_below() { [ "$(ip netns exec "$1" cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo 0)" -lt "$2" ]; }

# conn_rate WL METRIC TOOL SERVERNS PORT UPNS HOSTNS: connections/s from the upstream
# namespace to UPLINK_HOST:PORT (forwarded to a server listening on 80 in
# SERVERNS), RUNS runs of DP_SECS seconds each.
conn_rate() {
    local wl=$1 metric=$2 tool=$3 sns=$4 port=$5 upns=$6 r vals=() out spid a b c d
    ip netns exec "$sns" "$CONNRATE" serve 80 $(((DP_SECS + 35) * RUNS + 10)) 2>/dev/null &
    spid=$!; track_pid "$spid"
    sleep 0.3
    for ((r = 0; r < RUNS; r++)); do
        # each run leaves ~100k conntrack entries behind (some for days): flush
        # them so every run starts from an empty table, never a full one
        ip netns exec "$7" conntrack -F >/dev/null 2>&1
        wait_for 5 ct_below "$7" 100 || log "conntrack table not empty: $(ip netns exec "$7" cat /proc/sys/net/netfilter/nf_conntrack_count)"
        out=$(timeout $((DP_SECS + 10)) ip netns exec "$upns" "$CONNRATE" client $UPLINK_HOST "$port" "$DP_SECS") ||
            { log "$tool: no connection through port $port ($out)"; stop_pid "$spid"; return 1; }
        vals+=("${out%% *}")
    done
    stop_pid "$spid" 2
    read -r a b c d < <(printf '%s\n' "${vals[@]}" | stats)
    result "$wl" "$metric" "$tool" "$a" "$b" "$c" "$d" conn/s
}

# ---------------------------------------------------------------- 4 netavark
NV_CID1=f922ffdda5718b26ea585a500d5ad05191da5461b06d6f62e4d1f66ca901a253
NV_CID2=0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9
NV_NETID=2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9

# nv_json CID NAME IP NPORTS FIRSTPORT: netavark 1.4 setup input, a bridge
# network "podman" (10.88.0.0/16) and NPORTS tcp mappings FIRSTPORT.. -> 80
nv_json() {
    jq -n --arg cid "$1" --arg name "$2" --arg ip "$3" --argjson n "$4" --argjson p0 "$5" --arg nid "$NV_NETID" '{
        container_id: $cid, container_name: $name,
        port_mappings: [range(0; $n) | {host_ip: "", container_port: 80, host_port: ($p0 + .), range: 1, protocol: "tcp"}],
        networks: {podman: {static_ips: [$ip], aliases: [], interface_name: "eth0"}},
        network_info: {podman: {name: "podman", id: $nid, driver: "bridge", network_interface: "podman0",
            subnets: [{subnet: "10.88.0.0/16", gateway: "10.88.0.1"}], ipv6_enabled: false,
            internal: false, dns_enabled: false, ipam_options: {driver: "host-local"}}}}'
}

# netavark applies a container's port mappings in one `netavark setup`.
# "apply N" = setup of one container with N mappings; "add one at N" = setup
# of a second container with one mapping while the first holds N.
w4_netavark() {
    local n last t0 t1 secs c1 c2
    for n in $NV_NS_LIST; do
        nv_start
        c1=$NV_NS-c1 c2=$NV_NS-c2
        netns_add "$c1"; netns_add "$c2"
        nv_json $NV_CID1 c1 10.88.0.2 "$n" 20000 >"$WORK/nv-c1.json"
        nv_json $NV_CID2 c2 10.88.0.3 1 40000 >"$WORK/nv-c2.json"
        t0=$EPOCHREALTIME
        if ! timeout "$NV_BUDGET" bash -c "ip netns exec $NV_NS $NETAVARK --config $NV_DIR/config setup /run/netns/$c1 <$WORK/nv-c1.json >/dev/null"; then
            log "netavark: setup with $n mappings failed or took over ${NV_BUDGET}s"
            result 4-forwards "apply N=$n" netavark ">$NV_BUDGET" - - 1 s "did not finish within ${NV_BUDGET}s"
            nv_stop; break
        fi
        t1=$EPOCHREALTIME
        secs=$(printf %.3f "$(echo "$t1 - $t0" | bc)")
        result 4-forwards "apply N=$n" netavark "$secs" - - 1 s
        result 4-forwards "rules with N=$n" netavark "$(ns_rules "$NV_NS")" - - 1 rules
        last=$((20000 + n - 1))
        if [ "$n" = 1 ] || [ "$n" = "${NV_NS_LIST##* }" ]; then
            conn_rate 4-forwards "conn rate, N=$n installed" netavark "$c1" "$last" "$NV_NS-up" "$NV_NS"
            timed 4-forwards "add one at N=$n" netavark "$RUNS" -- \
                t bash -c "ip netns exec $NV_NS $NETAVARK --config $NV_DIR/config setup /run/netns/$c2 <$WORK/nv-c2.json" :: \
                -td bash -c "ip netns exec $NV_NS $NETAVARK --config $NV_DIR/config teardown /run/netns/$c2 <$WORK/nv-c2.json"
        fi
        # no teardown of c1 (it takes longer than the setup): the namespaces go
        netns_del "$c1"; netns_del "$c2"; nv_stop
    done
}

# ---------------------------------------------------------------- 4 vnet
# vnet's forwards live in the network definition, so "apply N" (the
# counterpart of one netavark setup with N mappings) is define + start of the
# default network with N forwards in its XML. "add one at N" is one live
# forward-add (element change + atomic save of the definition) and its delete.
vn_forwards_xml() { # N -> the default network's definition with N forwards
    local n=$1 base
    base=$("${CLI[@]}" net-dumpxml default --inactive | grep -v '</\?vnet:')
    {
        sed -e '/<\/network>/d' -e "s|^<network[^>]*>|<network xmlns:vnet='urn:vnet:network:1'>|" <<<"$base"
        local i
        for ((i = 0; i < n; i++)); do
            printf "  <vnet:portForward proto='tcp' guest='192.168.122.50'>\n    <vnet:range start='%d' to='80'/>\n  </vnet:portForward>\n" $((20000 + i))
        done
        echo '</network>'
    }
}

w4_vnet() {
    local g n t0 secs
    vn_start || return 1
    set_cli vnet
    "${CLI[@]}" net-start default >/dev/null 2>&1
    g=$VN_NS-fg
    guest_static "$VN_NS" virbr0 "$g" 192.168.122.50 192.168.122.1 || { vn_stop; return 1; }
    for n in 1 10 100 1000 "$NFWD"; do
        vn_forwards_xml "$n" >"$WORK/vn-fwd-$n.xml"
        "${CLI[@]}" net-destroy default >/dev/null 2>&1
        t0=$EPOCHREALTIME
        if ! "${CLI[@]}" net-define "$WORK/vn-fwd-$n.xml" >/dev/null ||
            ! "${CLI[@]}" net-start default >/dev/null; then
            log "vnet: define+start with $n forwards failed"
            break
        fi
        secs=$(echo "$EPOCHREALTIME - $t0" | bc)
        # the guest's port went with the old bridge (guest.sh names it vh + last 10 chars)
        local hostif
        hostif=vh$(printf %s "$g" | tail -c 10)
        ip -n "$VN_NS" link set "$hostif" master virbr0 up 2>/dev/null
        result 4-forwards "apply N=$n" vnet "$(printf %.3f "$secs")" - - 1 s
        result 4-forwards "rules with N=$n" vnet "$(ns_rules "$VN_NS")" - - 1 rules
        if [ "$n" = 1 ]; then
            conn_rate 4-forwards "conn rate, N=1 installed" vnet "$g" 20000 "$VN_NS-up" "$VN_NS"
            timed 4-forwards "add one at N=1" vnet "$RUNS" -- \
                t "${CLI[@]}" forward-add default --proto tcp --port 40000 --to 192.168.122.50:80 :: \
                -del "${CLI[@]}" forward-del default --proto tcp --port 40000
        fi
    done
    conn_rate 4-forwards "conn rate, N=$n installed" vnet "$g" $((20000 + n - 1)) "$VN_NS-up" "$VN_NS"
    timed 4-forwards "add one at N=$n" vnet "$RUNS" -- \
        t "${CLI[@]}" forward-add default --proto tcp --port 40000 --to 192.168.122.50:80 :: \
        -del "${CLI[@]}" forward-del default --proto tcp --port 40000
    vn_stop
}

w4_forwards_all() {
    NV_BUDGET=${NV_BUDGET:-150}
    if [ "$QUICK" = 1 ]; then NV_NS_LIST=${NV_NS_LIST:-"1 10 100"}; else NV_NS_LIST=${NV_NS_LIST:-"1 10 100 1000"}; fi
    log "== 4 forwards: netavark (N = $NV_NS_LIST)"
    w4_netavark
    if [ "$WANT_VNET" = 1 ]; then log "== 4 forwards: vnet (N up to $NFWD)"; w4_vnet; fi
}

# ---------------------------------------------------------------- 5 datapath
# iperf3 from a guest on the NAT network to the upstream namespace: TCP
# throughput, and 64-byte UDP packets/s received.
iperf_runs() {
    local tool=$1 g=$2 upns=$3 r out tcp=() pps=() spid
    ip netns exec "$upns" iperf3 -s -B $UPLINK_UP >/dev/null 2>&1 &
    spid=$!; track_pid "$spid"
    wait_for 10 ip netns exec "$g" bash -c "exec 3<>/dev/tcp/$UPLINK_UP/5201" || log "iperf3 server slow to start"
    sleep 0.2
    for ((r = 0; r < RUNS; r++)); do
        out=$(timeout $((DP_SECS + 20)) ip netns exec "$g" iperf3 -c $UPLINK_UP -t "$DP_SECS" -J) &&
            tcp+=("$(jq '.end.sum_received.bits_per_second / 1e6' <<<"$out")")
        out=$(timeout $((DP_SECS + 20)) ip netns exec "$g" iperf3 -c $UPLINK_UP -u -l 64 -b 0 -t "$DP_SECS" -J) &&
            pps+=("$(jq '(.end.sum.packets - .end.sum.lost_packets) / .end.sum.seconds / 1000' <<<"$out")")
    done
    stop_pid "$spid" 3
    read -r a b c d < <(printf '%s\n' "${tcp[@]}" | stats)
    result 5-datapath "TCP throughput guest->upstream" "$tool" "$a" "$b" "$c" "$d" Mbit/s
    read -r a b c d < <(printf '%s\n' "${pps[@]}" | stats)
    result 5-datapath "UDP 64B received guest->upstream" "$tool" "$a" "$b" "$c" "$d" kpps
}

w5_plain() {
    local h=$BENCH_TAG-pl g=$BENCH_TAG-pl-g
    netns_add "$h"; uplink_add "$h"
    ip -n "$h" link add virbr0 type bridge
    ip -n "$h" addr add 192.168.122.1/24 dev virbr0
    ip -n "$h" link set virbr0 up
    ip netns exec "$h" sysctl -qw net.ipv4.ip_forward=1
    ip -n "$h-up" route add 192.168.122.0/24 via $UPLINK_HOST
    guest_static "$h" virbr0 "$g" 192.168.122.50 192.168.122.1 &&
        iperf_runs plain "$g" "$h-up"
    netns_del "$g"; netns_del "$h-up"; netns_del "$h"
}

w5_tool() {
    local tool=$1 g
    case $tool in libvirt) lv_start ;; vnet) vn_start || return 1 ;; esac
    set_cli "$tool"
    if [ "$tool" = libvirt ]; then
        cp "$REPO/../shared/conformance/libvirt/default-network/default.xml.in" "$WORK/xml/default.xml" 2>/dev/null ||
            netxml "$WORK/xml/default.xml" default virbr0 nat 192.168.122
        "${CLI[@]}" net-define "$WORK/xml/default.xml" >/dev/null
    fi
    "${CLI[@]}" net-start default >/dev/null 2>&1
    g=$HOSTNS-dg
    guest_static "$HOSTNS" virbr0 "$g" 192.168.122.50 192.168.122.1 &&
        iperf_runs "$tool" "$g" "$HOSTNS-up"
    netns_del "$g"
    case $tool in libvirt) lv_stop ;; vnet) vn_stop ;; esac
}

w5_datapath_all() {
    mkdir -p "$WORK/xml"
    log "== 5 datapath: plain"; w5_plain
    log "== 5 datapath: libvirt"; w5_tool libvirt
    if [ "$WANT_VNET" = 1 ]; then log "== 5 datapath: vnet"; w5_tool vnet; fi
}
