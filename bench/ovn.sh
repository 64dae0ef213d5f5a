#!/usr/bin/env bash
# OVN numbers for issue 15, in throwaway namespaces (tests/e2e/lib.sh + ovn-lib.sh: a central
# namespace with the NB/SB databases and ovn-northd, two host namespaces with OVS on the
# userspace "netdev" datapath, ovn-controller and vnetd, every daemon with its own directories):
#   - the time to define and start a network and create 100 ports with `vnet port-create`, on
#     an OVN network (logical switch ports in the NB) and, on the same vnetd, a plain vnet NAT
#     network (bridge, nftables, dnsmasq);
#   - guest-to-guest TCP throughput (iperf3, 5 s): across hosts through the Geneve tunnel, and
#     between two guests on the plain network's bridge;
#   - a guest moving between hosts (keeping its address): from port-create on the new host
#     (plug included) until the other guest reaches it (ping polled every 0.1 s).
# Each CLI call is a fork+exec of `ip netns exec … vnet`, included in the times.
# Usage: sudo bench/ovn.sh [OUT-FILE]. Not part of CI.
. "$(dirname "$0")/../tests/e2e/lib.sh"
OUT=${1:-/dev/stdout}
E2E_QUIET=1
e2e_init
e2e_check_binaries
. "$(dirname "$0")/../tests/e2e/ovn-lib.sh"
command -v iperf3 >/dev/null && command -v jq >/dev/null || e2e_fatal "iperf3 and jq are installed"
NPORTS=${NPORTS:-100}

ms_now() { echo $(($(date +%s%N) / 1000000)); }

ovn_two_hosts
HOST_NS=$(ns_of a) # guest_add plugs into host A's bridges

cat >"$T/bov.xml" <<XML
<network xmlns:vnet='urn:vnet:network:1'>
  <name>bov</name>
  <forward mode='nat'/>
  <vnet:ovn nb='$NB' gateway-chassis='hosta' external='198.51.100.10/24'
            external-gateway='198.51.100.1' physnet='upstream'/>
  <ip address='10.93.0.1' prefix='22'><dhcp><range start='10.93.0.10' end='10.93.3.250'/></dhcp></ip>
</network>
XML
net_xml plain vb-plain 192.168.150 nat >"$T/plain.xml"

# create NAME XML-FILE: define + start (median of 5 cycles with destroy + undefine), then
# NPORTS ports; prints "start_ms ports_ms".
create() {
    local net=$1 t0 t1 t2 i mac times=()
    for i in 1 2 3 4 5 6; do
        t0=$(ms_now)
        vnet_on a define "$2" >/dev/null && vnet_on a start "$net" >/dev/null ||
            e2e_fatal "$net starts"
        times+=($(($(ms_now) - t0)))
        [ "$i" = 6 ] && break
        vnet_on a destroy "$net" >/dev/null && vnet_on a undefine "$net" >/dev/null ||
            e2e_fatal "$net goes"
    done
    t0=$(printf '%s\n' "${times[@]:0:5}" | sort -n | sed -n 3p)
    t1=$(ms_now)
    for i in $(seq 1 "$NPORTS"); do
        mac=$(printf '52:54:00:77:%02x:%02x' $((i / 256)) $((i % 256)))
        port_create a "$mac" "$net" >/dev/null || e2e_fatal "port $i on $net"
    done
    t2=$(ms_now)
    echo "$t0 $((t2 - t1))"
}
read -r ovn_start ovn_ports <<<"$(create bov "$T/bov.xml")"
read -r plain_start plain_ports <<<"$(create plain "$T/plain.xml")"
# (port_create also runs port-dumpxml: two CLI calls per port)

# throughput CLIENT SERVER-NAME SERVER-ADDR: iperf3 for 5 s; BW = Mbit/s received.
throughput() {
    e2e_bg ip netns exec "$(guest_ns "$2")" iperf3 -s -1 -p 5201 >/dev/null 2>&1
    wait_for 10 tcp_listening "$(guest_ns "$2")" 5201 || e2e_fatal "iperf3 server in $2"
    BW=$(ip netns exec "$(guest_ns "$1")" timeout 30 iperf3 -c "$3" -p 5201 -t 5 -J |
        jq '.end.sum_received.bits_per_second / 1e6 | floor')
}

vnet_on b define "$T/bov.xml" >/dev/null && vnet_on b start bov >/dev/null ||
    e2e_fatal "bov starts on host B too"
MAC1=52:54:00:5e:10:01
MAC2=52:54:00:5e:10:02
P1=$(port_create a "$MAC1" bov) && P2=$(port_create b "$MAC2" bov) || e2e_fatal "guest ports"
guest_on a o1 "$MAC1" "$P1" && guest_on b o2 "$MAC2" "$P2" || e2e_fatal "OVN guests"
wait_for 20 lsp_up "$P1" && wait_for 20 lsp_up "$P2" || e2e_fatal "OVN ports up"
dhcp_udhcpc o1 >/dev/null && IPO2=$(dhcp_udhcpc o2) || e2e_fatal "OVN leases"
wait_for 15 ping_from o1 "$IPO2" || e2e_fatal "o1 reaches o2"
throughput o1 o2 "$IPO2"
ovn_bw=$BW

# a guest moves (live-migration style: it keeps its configured address): port deleted on B,
# created on A with the same MAC, plugged; from port-create until o1 reaches it again
vnet_on b port-delete bov "$P2" >/dev/null || e2e_fatal "port-delete on B"
guest_off b o2
e2e_netns_add "$(guest_ns o2m)" || e2e_fatal "moved guest namespace"
ip -n "$(ns_of a)" link add v-o2m type veth peer name eth0 netns "$(guest_ns o2m)" &&
    ip -n "$(guest_ns o2m)" link set eth0 address "$MAC2" mtu 1400 up &&
    ip -n "$(guest_ns o2m)" addr add "$IPO2/22" dev eth0 &&
    ip -n "$(ns_of a)" link set v-o2m mtu 1400 up || e2e_fatal "moved guest's link"
ip netns exec "$(guest_ns o2m)" ethtool -K eth0 tx off >/dev/null 2>&1
ip netns exec "$(ns_of a)" ethtool -K v-o2m tx off >/dev/null 2>&1
t0=$(ms_now)
P2M=$(port_create a "$MAC2" bov) || e2e_fatal "port-create on A for the moved guest"
vsctl a add-port br-int v-o2m -- set interface v-o2m "external_ids:iface-id=$P2M" ||
    e2e_fatal "moved guest plugged"
wait_for 10 ping_from o1 "$IPO2" || e2e_fatal "o1 reaches the moved guest"
move_ms=$(($(ms_now) - t0))
[ "$(nbctl get Logical_Switch_Port "$P2M" addresses | tr -d '[]"' | cut -d' ' -f2)" = "$IPO2" ] ||
    e2e_fatal "the moved guest's port has its address"

guest_add p1 vb-plain && guest_add p2 vb-plain || e2e_fatal "plain guests"
dhcp_udhcpc p1 >/dev/null && IPP2=$(dhcp_udhcpc p2) || e2e_fatal "plain leases"
wait_for 15 ping_from p1 "$IPP2" || e2e_fatal "p1 reaches p2"
throughput p1 p2 "$IPP2"
plain_bw=$BW

{
    echo "# bench/ovn.sh $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores; $(ovn-nbctl --version | head -1)"
    printf '%-44s %14s %14s\n' "" "OVN network" "plain NAT"
    printf '%-44s %11s ms %11s ms\n' "define + start (median of 5)" "$ovn_start" "$plain_start"
    printf '%-44s %11s ms %11s ms\n' "$NPORTS x (port-create + port-dumpxml)" "$ovn_ports" "$plain_ports"
    printf '%-44s %11s ms %11s ms\n' "  per port" "$((ovn_ports / NPORTS))" "$((plain_ports / NPORTS))"
    printf '%-44s %8s Mbit/s %8s Mbit/s\n' "guest-to-guest TCP (iperf3, 5 s)" "$ovn_bw" "$plain_bw"
    printf '%-44s %11s ms\n' "guest moved B->A: port-create .. peer reaches it" "$move_ms"
    echo "# OVN: guests on two hosts, Geneve over a veth underlay, OVS userspace (netdev) datapath,"
    echo "# guest MTU 1400; plain: two guests on one host's bridge, MTU 1500."
} >"$OUT"
e2e_done
