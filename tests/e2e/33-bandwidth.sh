#!/usr/bin/env bash
# Scenario 33: a network's <bandwidth> is applied, measured with iperf3 between a guest and
# the host: <inbound> (toward the guests) by an htb class on the bridge, <outbound> (from the
# guests) by an htb class on an ifb device the bridge's ingress is redirected to. Average,
# peak and burst are each measured in both directions. What cannot be applied is refused.
. "$(dirname "$0")/lib.sh"
e2e_init
command -v iperf3 >/dev/null || e2e_fatal "iperf3 is installed (scripts/install-deps.sh)"
e2e_start
NET=192.168.173

# 10 Mbit/s toward the guests with a peak of 20 Mbit/s, 5 Mbit/s from them with a peak of
# 10 Mbit/s; bursts of 2500 KiB, sent at the peak (libvirt's units: kilobytes/s, KiB)
net_define_start bw "$(net_xml bw vt-bw $NET nat \
    "<bandwidth><inbound average='1250' peak='2500' burst='2500'/><outbound average='625' peak='1250' burst='2500'/></bandwidth>")" ||
    e2e_fatal "network bw starts"
e2e_run ip netns exec "$HOST_NS" tc qdisc show dev vt-bw
expect_match "an htb root qdisc shapes the bridge" "qdisc htb 1: root" "$E2E_OUT"
e2e_run ip netns exec "$HOST_NS" tc class show dev vt-bw
expect_match "its class has the average as rate and the peak as ceil" "class htb 1:1 root .*rate 10Mbit ceil 20Mbit" "$E2E_OUT"
e2e_run ip -n "$HOST_NS" -d link show ifb-vt-bw
expect_match "an ifb device shapes what the bridge receives" "ifb" "$E2E_OUT"
expect_match "marked as vnet's" "alias vnet-ifb:vt-bw" "$E2E_OUT"
e2e_run ip netns exec "$HOST_NS" tc filter show dev vt-bw ingress
expect_match "the bridge's ingress is redirected to it" "mirred \(Egress Redirect to device ifb-vt-bw\)" "$E2E_OUT"
e2e_run ip netns exec "$HOST_NS" tc class show dev ifb-vt-bw
expect_match "its class has the outbound average as rate and the peak as ceil" "class htb 1:1 root .*rate 5Mbit ceil 10Mbit" "$E2E_OUT"

guest_add g1 vt-bw || e2e_fatal "guest plugged"
gip=$(dhcp_udhcpc g1)
expect_match "the guest gets a lease" "^$NET\." "$gip"
e2e_bg ip netns exec "$HOST_NS" iperf3 -s -p 5201 -B "$NET.1" >/dev/null 2>&1
wait_for 10 tcp_listening "$HOST_NS" 5201 || e2e_fatal "iperf3 server listens"

BURST=$((2500 * 1024))
# iperf ARGS...: iperf3 from the guest; prints "BITS_PER_SECOND BYTES" the receiver counted
iperf() {
    ip netns exec "$(guest_ns g1)" iperf3 -c "$NET.1" -p 5201 -J "$@" 2>/dev/null |
        python3 -c 'import json,sys; r=json.load(sys.stdin)["end"]["sum_received"]; print(int(r["bits_per_second"]), int(r["bytes"]))' 2>/dev/null
}
# within DESC GOT WANT: GOT is within 10% of WANT
within() {
    e2e_log "$1: $2 (want $3 within 10%)"
    expect_true "$1: $2 is within 10% of $3" \
        python3 -c "import sys; sys.exit(0 if abs(${2:-0} - $3) <= $3 * 0.10 else 1)"
}
# The buckets refill at the average while the link is idle: htb shows each class's tokens (in
# its own time units), full again when they stop growing between two polls.
htb_tokens() { # DEV
    ip netns exec "$HOST_NS" tc -s class show dev "$1" | sed -n 's/.* tokens: \(-\{0,1\}[0-9]*\).*/\1/p' | head -1
}
refilled() {
    local now; now="$(htb_tokens vt-bw) $(htb_tokens ifb-vt-bw)"
    [ "$now" = "${LAST_TOKENS:-}" ] && return 0
    LAST_TOKENS=$now
    return 1
}
refill() {
    LAST_TOKENS=
    wait_for 15 refilled || e2e_log "the buckets did not settle in 15 s"
}

# the average: a long run, the burst not counted (2560 KiB beyond the average takes 2.1 s to
# drain at 20 Mbit/s inbound, 4.2 s at 10 Mbit/s outbound)
read -r bps _ <<<"$(iperf -t 4 -O 3 -R)"
within "host -> guest (inbound average)" "$bps" 10000000
read -r bps _ <<<"$(iperf -t 4 -O 5)"
within "guest -> host (outbound average)" "$bps" 5000000
# the peak: one second after the buckets refilled is all burst, sent at the peak
refill
read -r bps _ <<<"$(iperf -t 1 -R)"
within "host -> guest (inbound peak, after idle)" "$bps" 20000000
refill
read -r bps _ <<<"$(iperf -t 1)"
within "guest -> host (outbound peak, after idle)" "$bps" 10000000
# the burst: 4 s after idle carry 4 s at the average plus the burst
refill
read -r _ bytes <<<"$(iperf -t 4 -R)"
within "host -> guest: bytes in 4 s after idle (average x 4 s + burst)" "$bytes" $((1250000 * 4 + BURST))
refill
read -r _ bytes <<<"$(iperf -t 4)"
within "guest -> host: bytes in 4 s after idle (average x 4 s + burst)" "$bytes" $((625000 * 4 + BURST))

# a network on a host bridge (the host's, not vnet's) is shaped too; the sweep of a restarted
# vnetd leaves that bridge and its limit alone, and removes a limit table no network owns
e2e_run ip -n "$HOST_NS" link add vt-hbr type bridge
e2e_run ip -n "$HOST_NS" link set vt-hbr up
f=$(net_xml_file hb "<network><name>hb</name><forward mode='bridge'/><bridge name='vt-hbr'/>
  <bandwidth><outbound average='625' burst='256'/></bandwidth></network>")
expect_ok "define hb (host bridge with <bandwidth>)" vnet define "$f"
expect_ok "start hb" vnet start hb
expect_true "hb's outbound shaping (its ifb)" link_exists ifb-vt-hbr
expect_ok "a limit table as an earlier vnet made" ip netns exec "$HOST_NS" nft add table netdev vnet-vt-stale
expect_ok "an ifb of vnet's whose network is gone" ip -n "$HOST_NS" link add ifb-vt-gone type ifb
expect_ok "(marked)" ip -n "$HOST_NS" link set ifb-vt-gone alias vnet-ifb:vt-gone
expect_ok "an ifb that is not vnet's" ip -n "$HOST_NS" link add ifb-vt-user type ifb

# a restarted vnetd adopts the network with its shaping in place
vnetd_stop KILL
vnetd_start || e2e_fatal "vnetd starts again"
expect_true "the sweep leaves the host bridge" link_exists vt-hbr
expect_true "and the ifb of the network on it" link_exists ifb-vt-hbr
expect_false "a limit table of an earlier vnet is swept" ip netns exec "$HOST_NS" nft list table netdev vnet-vt-stale
expect_false "an ifb of no active network is swept" link_exists ifb-vt-gone
expect_true "an ifb that is not vnet's stays" link_exists ifb-vt-user
expect_ok "destroy hb" vnet destroy hb
expect_false "hb's ifb is gone" link_exists ifb-vt-hbr
e2e_run ip netns exec "$HOST_NS" tc filter show dev vt-hbr ingress
expect_false "and the host bridge's redirect" grep -q mirred <<<"$E2E_OUT"
expect_true "the host bridge stays" link_exists vt-hbr
expect_match "after a restart the htb class is still there" "class htb 1:1 root .*rate 10Mbit ceil 20Mbit" \
    "$(ip netns exec "$HOST_NS" tc class show dev vt-bw)"
expect_match "and the redirect to the ifb" "Egress Redirect to device ifb-vt-bw" \
    "$(ip netns exec "$HOST_NS" tc filter show dev vt-bw ingress)"
expect_ok "destroy bw" vnet destroy bw
expect_false "the ifb is gone" link_exists ifb-vt-bw

# what cannot be applied is refused, before anything is created
f=$(net_xml_file bwfloor "$(net_xml bwfloor vt-bwp 192.168.174 nat \
    "<bandwidth><inbound average='625' floor='100'/></bandwidth>")")
expect_ok "define a network with a network-wide floor" vnet define "$f"
expect_fail "its start is refused" vnet start bwfloor
expect_match "saying why" "<inbound>: cannot be applied: 'floor' guarantees bandwidth to ports" "$E2E_OUT"
expect_false "no bridge was created" link_exists vt-bwp
# the ifb's name taken by someone else's device: start refused, saying so, nothing left
expect_ok "an ifb named as vnet would name the next one, not vnet's" ip -n "$HOST_NS" link add ifb-vt-bwx type ifb
f=$(net_xml_file bwx "$(net_xml bwx vt-bwx 192.168.176 nat "<bandwidth><outbound average='625'/></bandwidth>")")
expect_ok "define bwx" vnet define "$f"
expect_fail "its start is refused" vnet start bwx
expect_match "saying why" "an interface 'ifb-vt-bwx' exists and is not the ifb device vnet shapes 'vt-bwx'" "$E2E_OUT"
expect_false "no bridge is left" link_exists vt-bwx
expect_true "the other device stays" link_exists ifb-vt-bwx
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
