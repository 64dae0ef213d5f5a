#!/usr/bin/env bash
# Scenario 33: a network's <bandwidth> is applied, measured with iperf3 between a guest and
# the host: <inbound> (toward the guests) by an htb class on the bridge, <outbound> (from the
# guests) by an nftables limit at the bridge's ingress. What cannot be applied is refused.
. "$(dirname "$0")/lib.sh"
e2e_init
command -v iperf3 >/dev/null || e2e_fatal "iperf3 is installed (scripts/install-deps.sh)"
e2e_start
NET=192.168.173

# 10 Mbit/s toward the guests, 5 Mbit/s from them (libvirt's units: kilobytes/s, KiB)
net_define_start bw "$(net_xml bw vt-bw $NET nat \
    "<bandwidth><inbound average='1250' peak='2500' burst='256'/><outbound average='625' burst='256'/></bandwidth>")" ||
    e2e_fatal "network bw starts"
e2e_run ip netns exec "$HOST_NS" tc qdisc show dev vt-bw
expect_match "an htb root qdisc shapes the bridge" "qdisc htb 1: root" "$E2E_OUT"
e2e_run ip netns exec "$HOST_NS" tc class show dev vt-bw
expect_match "its class has the average as rate and the peak as ceil" "class htb 1:1 root .*rate 10Mbit ceil 20Mbit" "$E2E_OUT"
e2e_run ip netns exec "$HOST_NS" nft list table netdev vnet-vt-bw
expect_match "an nftables limit polices the bridge's ingress" "limit rate over 625000 bytes/second burst 256 kbytes drop" "$E2E_OUT"

guest_add g1 vt-bw || e2e_fatal "guest plugged"
gip=$(dhcp_udhcpc g1)
expect_match "the guest gets a lease" "^$NET\." "$gip"
e2e_bg ip netns exec "$HOST_NS" iperf3 -s -p 5201 -B "$NET.1" >/dev/null 2>&1
wait_for 10 tcp_listening "$HOST_NS" 5201 || e2e_fatal "iperf3 server listens"

# rate DESC WANT_BITS ARGS...: iperf3 from the guest; the receiver's rate within 10% of WANT
rate() {
    local desc=$1 want=$2 got
    shift 2
    got=$(ip netns exec "$(guest_ns g1)" iperf3 -c "$NET.1" -p 5201 -t 5 -O 1 -J "$@" 2>/dev/null |
        python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))' 2>/dev/null)
    e2e_log "$desc: $got bit/s (want $want within 10%)"
    expect_true "$desc: $got bit/s is within 10% of $want" \
        python3 -c "import sys; sys.exit(0 if abs(${got:-0} - $want) <= $want * 0.10 else 1)"
}
rate "host -> guest (inbound average)" 10000000 -R
rate "guest -> host (outbound average)" 5000000

# a network on a host bridge (the host's, not vnet's) is shaped too; the sweep of a restarted
# vnetd leaves that bridge and its limit alone, and removes a limit table no network owns
e2e_run ip -n "$HOST_NS" link add vt-hbr type bridge
e2e_run ip -n "$HOST_NS" link set vt-hbr up
f=$(net_xml_file hb "<network><name>hb</name><forward mode='bridge'/><bridge name='vt-hbr'/>
  <bandwidth><outbound average='625' burst='256'/></bandwidth></network>")
expect_ok "define hb (host bridge with <bandwidth>)" vnet define "$f"
expect_ok "start hb" vnet start hb
expect_true "hb's outbound limit" ip netns exec "$HOST_NS" nft list table netdev vnet-vt-hbr
expect_ok "a stray limit table named like vnet's" ip netns exec "$HOST_NS" nft add table netdev vnet-vt-stale

# a restarted vnetd adopts the network with its shaping in place
vnetd_stop KILL
vnetd_start || e2e_fatal "vnetd starts again"
expect_true "the sweep leaves the host bridge" link_exists vt-hbr
expect_true "and the limit of the network on it" ip netns exec "$HOST_NS" nft list table netdev vnet-vt-hbr
expect_false "a limit table of no network is swept" ip netns exec "$HOST_NS" nft list table netdev vnet-vt-stale
expect_ok "destroy hb" vnet destroy hb
expect_false "hb's limit is gone" ip netns exec "$HOST_NS" nft list table netdev vnet-vt-hbr
expect_true "the host bridge stays" link_exists vt-hbr
expect_match "after a restart the htb class is still there" "class htb 1:1 root .*rate 10Mbit ceil 20Mbit" \
    "$(ip netns exec "$HOST_NS" tc class show dev vt-bw)"
expect_true "and the outbound limit" ip netns exec "$HOST_NS" nft list table netdev vnet-vt-bw
expect_ok "destroy bw" vnet destroy bw
expect_false "the outbound limit's table is gone" ip netns exec "$HOST_NS" nft list table netdev vnet-vt-bw

# what cannot be applied is refused, before anything is created
f=$(net_xml_file bwpeak "$(net_xml bwpeak vt-bwp 192.168.174 nat \
    "<bandwidth><outbound average='625' peak='1250'/></bandwidth>")")
expect_ok "define a network with an outbound peak" vnet define "$f"
expect_fail "its start is refused" vnet start bwpeak
expect_match "saying why" "<outbound>: cannot be applied: 'peak' needs the kernel's police action" "$E2E_OUT"
expect_false "no bridge was created" link_exists vt-bwp
# macTableManager='libvirt' is honoured as libvirt does on the bridge (VLAN filtering on), or
# refused with the kernel's reason where the kernel has no bridge VLAN filtering
f=$(net_xml_file mtm "<network><name>mtm</name><bridge name='vt-mtm' macTableManager='libvirt'/>
  <ip address='192.168.175.1' prefix='24'/></network>")
expect_ok "define mtm (macTableManager='libvirt')" vnet define "$f"
e2e_run vnet start mtm
if [ "$E2E_RC" = 0 ]; then
    expect_match "the bridge filters by VLAN" "vlan_filtering 1" "$(ip -n "$HOST_NS" -d link show vt-mtm)"
    expect_ok "destroy mtm" vnet destroy mtm
else
    expect_match "start is refused with the kernel's reason" \
        "creating bridge 'vt-mtm' with VLAN filtering \(what macTableManager='libvirt' needs\); the kernel refuses it: Operation not supported" \
        "$E2E_OUT"
    expect_false "and leaves no bridge" link_exists vt-mtm
fi
e2e_done
