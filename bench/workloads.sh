# bench/workloads.sh — the five workloads. Sourced by run.sh.
# Each function takes the tool ("libvirt" or "vnet") whose sandbox is
# running; CLI=(...) is the argv prefix of its command line tool. Both CLIs
# answer to virsh's command names (net-start, net-list, ...), so the same
# commands are sent to both.


set_cli() {
    case $1 in
    libvirt) CLI=(virsh -q -c "$LV_URI"); HOSTNS=$LV_NS; DPID=$LV_PID ;;
    vnet) CLI=("$VNET" --root "$VN_ROOT"); HOSTNS=$VN_NS; DPID=$VN_PID ;;
    esac
}

# netxml FILE NAME BRIDGE MODE A.B.C : a network with gateway A.B.C.1/24 and
# DHCP range .2-.254 (like libvirt's default), forward MODE (nat, route,
# open, isolated = no <forward>).
netxml() {
    local f=$1 name=$2 br=$3 mode=$4 p=$5 fwd=""
    [ "$mode" != isolated ] && fwd="  <forward mode='$mode'/>"
    cat >"$f" <<EOF
<network>
  <name>$name</name>
$fwd
  <bridge name='$br' stp='on' delay='0'/>
  <ip address='$p.1' netmask='255.255.255.0'>
    <dhcp><range start='$p.2' end='$p.254'/></dhcp>
  </ip>
</network>
EOF
}

# ---------------------------------------------------------------- 1
# start and destroy latency, per forward mode (the CLI round trip included)
w1_lifecycle() {
    local tool=$1 mode i=0 name xml
    set_cli "$tool"
    mkdir -p "$WORK/xml"
    for mode in nat route isolated open; do
        i=$((i + 1))
        name=bw1$mode xml=$WORK/xml/w1-$mode.xml
        netxml "$xml" "$name" "bw1$mode" "$mode" "192.168.$((150 + i))"
        "${CLI[@]}" net-define "$xml" >/dev/null || { log "$tool: define $mode failed"; continue; }
        timed 1-lifecycle "$mode" "$tool" "$RUNS" -- \
            start "${CLI[@]}" net-start "$name" :: destroy "${CLI[@]}" net-destroy "$name"
        "${CLI[@]}" net-undefine "$name" >/dev/null
    done
}

# ---------------------------------------------------------------- 2
# plug a guest into the default network, time until its DHCP client is bound.
# Cold: the network is destroyed and started again before every run, the
# guest is a new namespace with a new MAC and no lease file.
w2_dhcp() {
    local tool=$1 client
    set_cli "$tool"
    if [ "$tool" = libvirt ]; then
        mkdir -p "$WORK/xml"
        cp "$REPO/../shared/conformance/libvirt/default-network/default.xml.in" "$WORK/xml/default.xml" 2>/dev/null ||
            netxml "$WORK/xml/default.xml" default virbr0 nat 192.168.122
        "${CLI[@]}" net-define "$WORK/xml/default.xml" >/dev/null
    fi
    "${CLI[@]}" net-start default >/dev/null 2>&1   # vnet's built-in default may already run
    for client in dhclient udhcpc; do
        command -v $client >/dev/null || { log "no $client"; continue; }
        timed 2-dhcp "lease-$client" "$tool" "$RUNS" -- \
            -destroy "${CLI[@]}" net-destroy default :: \
            -start "${CLI[@]}" net-start default :: \
            t "$BENCH/guest.sh" plug "$HOSTNS" virbr0 "$BENCH_TAG-g" "$client" "$WORK/g" :: \
            -unplug "$BENCH/guest.sh" unplug "$BENCH_TAG-g" "$WORK/g"
    done
    "${CLI[@]}" net-destroy default >/dev/null 2>&1
}

# ---------------------------------------------------------------- 3
# N NAT networks: define+start each (one CLI call each, as a script would),
# list latency with N active, firewall rules, processes, memory, destroy.
w3_scale() {
    local tool=$1 n=$2 budget=$3 i t0 t1 ta tb start_ms=() stop_ms=() done_n=0
    set_cli "$tool"
    mkdir -p "$WORK/xml/w3"
    for ((i = 1; i <= n; i++)); do
        netxml "$WORK/xml/w3/s$i.xml" "bs$i" "bs$i" nat "172.$((16 + i / 250)).$((i % 250))"
    done
    w3_latency_start
    t0=$EPOCHREALTIME
    for ((i = 1; i <= n; i++)); do
        ta=$EPOCHREALTIME
        # one call may not take longer than the whole budget
        timeout "$budget" "${CLI[@]}" net-define "$WORK/xml/w3/s$i.xml" >/dev/null &&
            timeout "$budget" "${CLI[@]}" net-start "bs$i" >/dev/null || { log "$tool: network $i failed or timed out"; break; }
        tb=$EPOCHREALTIME
        start_ms+=("$(echo "($tb - $ta) * 1000" | bc)")
        done_n=$i
        if [ "$(echo "$tb - $t0 > $budget" | bc)" = 1 ]; then
            log "$tool: N=$n stopped after $i networks: over the ${budget}s budget"
            break
        fi
    done
    t1=$EPOCHREALTIME
    local t0_start=$t0 t1_start=$t1 note=""
    [ "$done_n" -lt "$n" ] && note="only $done_n of $n within ${budget}s"
    w3_latency_stop "$tool" "$n" "$note"
    result 3-scale "N=$n define+start total" "$tool" "$(printf %.3f "$(echo "$t1 - $t0" | bc)")" - - 1 s "$note"
    read -r a b c d < <(printf '%s\n' "${start_ms[@]}" | stats)
    result 3-scale "N=$n define+start per network" "$tool" "$a" "$b" "$c" "$d" ms "$note"
    timed 3-scale "N=$n list" "$tool" "$RUNS" -- t timeout 60 "${CLI[@]}" net-list --all
    result 3-scale "N=$n firewall rules" "$tool" "$(ns_rules "$HOSTNS")" - - 1 rules "$note"
    result 3-scale "N=$n processes" "$tool" "$(ns_nprocs "$HOSTNS")" - - 1 procs "$note"
    result 3-scale "N=$n RSS daemon+dnsmasq" "$tool" \
        "$(echo "scale=1; $(ns_rss_kb "$HOSTNS" "$DPID") / 1024" | bc)" - - 1 MiB "$note"
    w3_extra "$tool" "$n" "$note"
    t0=$EPOCHREALTIME
    local destroyed=0
    for ((i = 1; i <= done_n; i++)); do
        ta=$EPOCHREALTIME
        timeout "$budget" "${CLI[@]}" net-destroy "bs$i" >/dev/null || log "$tool: destroy bs$i failed"
        tb=$EPOCHREALTIME
        stop_ms+=("$(echo "($tb - $ta) * 1000" | bc)")
        destroyed=$i
        if [ "$(echo "$tb - $t0 > $budget" | bc)" = 1 ]; then
            log "$tool: destroy stopped after $i networks: over the ${budget}s budget"
            note="${note:+$note; }destroyed only $i of $done_n within ${budget}s"
            break
        fi
    done
    t1=$EPOCHREALTIME
    result 3-scale "N=$n destroy total" "$tool" "$(printf %.3f "$(echo "$t1 - $t0" | bc)")" - - 1 s "$note"
    read -r a b c d < <(printf '%s\n' "${stop_ms[@]}" | stats)
    result 3-scale "N=$n destroy per network" "$tool" "$a" "$b" "$c" "$d" ms "$note"
    # what is left is removed with the namespace when the sandbox stops
    for ((i = 1; i <= destroyed; i++)); do timeout 30 "${CLI[@]}" net-undefine "bs$i" >/dev/null 2>&1; done
    W3_LAST_TOTAL=$(echo "$t1_start - $t0_start" | bc)
}
