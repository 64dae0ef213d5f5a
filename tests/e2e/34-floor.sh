#!/usr/bin/env bash
# Scenario 34: a port's inbound floor (guaranteed bandwidth toward one guest), as libvirt's
# network driver gives it: an htb hierarchy on the bridge (1:1 the network, 1:2 the default
# class with the average minus the floors, 1:N per port with a floor, a u32 filter by the
# guest's destination MAC, every protocol). Ports made through python3-libvirt as libvirt's VM
# driver makes them, and one with `vnet port-create`. Two guests receive from the host at once:
# A (floor 7 Mbit/s) gets its floor, B the rest; alone, B gets the whole average. An
# overcommitting port is refused; deleting a port frees its floor; the classes come back after
# a vnetd restart that finds them gone and after drift; a definition that cannot keep the saved
# ports' floors does not start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/libvirt-lib.sh"
e2e_init
lv_require
command -v iperf3 >/dev/null || e2e_fatal "iperf3 is installed (scripts/install-deps.sh)"
e2e_start
NET=192.168.177
BR=vt-fl
MAC_A=52:54:00:77:00:0a
MAC_B=52:54:00:77:00:0b
PORT_A=aaaaaaaa-0000-4000-8000-00000000000a
PORT_C=cccccccc-0000-4000-8000-00000000000c
PORT_D=dddddddd-0000-4000-8000-00000000000d

# floor_port ARGS...: tests/e2e/floor_port.py through vnetd's libvirt socket, output in E2E_OUT
floor_port() {
    E2E_OUT=$(timeout 60 "$LV_PY" "$E2E_DIR/floor_port.py" "$(lv_sock)" "$@" 2>&1)
    e2e_log "floor_port $*: $E2E_OUT"
}
tc_classes() { ip netns exec "$HOST_NS" tc class show dev $BR; }
tc_filters() { ip netns exec "$HOST_NS" tc filter show dev $BR parent 1:; }

# a network whose bridge vnet manages, 10 Mbit/s toward the guests (libvirt's kilobytes/s)
net_define_start fl "$(net_xml fl $BR $NET nat "<bandwidth><inbound average='1250'/></bandwidth>
  <ip family='ipv6' address='fd00:177::1' prefix='64'/>")" ||
    e2e_fatal "network fl starts"
expect_match "the root qdisc sends unclassified traffic to 1:2" "qdisc htb 1: root .*default 0x2" \
    "$(ip netns exec "$HOST_NS" tc qdisc show dev $BR)"
expect_match "class 1:1 is the network's average" "class htb 1:1 root .*rate 10Mbit ceil 10Mbit" "$(tc_classes)"
expect_match "class 1:2, the default, has all of it while no port has a floor" \
    "class htb 1:2 parent 1:1 .*rate 10Mbit ceil 10Mbit" "$(tc_classes)"

guest_add ga $BR $MAC_A || e2e_fatal "guest A plugged"
guest_add gb $BR $MAC_B || e2e_fatal "guest B plugged"
ipa=$(dhcp_udhcpc ga)
ipb=$(dhcp_udhcpc gb)
expect_match "guest A gets a lease" "^$NET\." "$ipa"
expect_match "guest B gets a lease" "^$NET\." "$ipb"

# guest A's port with a floor of 7 Mbit/s (875 kB/s), through python3-libvirt
floor_port create fl $PORT_A $MAC_A 875
expect_eq "port A is created with its class (libvirt's classID)" "CLASS 3" "$E2E_OUT"
expect_match "port A's XML keeps it" "<bandwidth classID='3'>" "$(vnet port-dumpxml fl $PORT_A)"
expect_match "class 1:3 guarantees the floor, up to the network's ceiling" \
    "class htb 1:3 parent 1:1 .*rate 7Mbit ceil 10Mbit" "$(tc_classes)"
expect_match "the default class keeps the rest" "class htb 1:2 parent 1:1 .*rate 3Mbit ceil 10Mbit" "$(tc_classes)"
e2e_run tc_filters
expect_match "a u32 filter sends frames to A's MAC to 1:3" "fh 800::3 .*flowid 1:3" "$E2E_OUT"
expect_match "matching the destination MAC's first two bytes" "match 00005254/0000ffff at -16" "$E2E_OUT"
expect_match "and its last four" "match 0077000a/ffffffff at -12" "$E2E_OUT"
# every protocol to A's MAC goes to its class (libvirt matches IPv4 only): frames of another
# ethertype (0x88b5, local experimental) sent from the host through the bridge
class_pkts() { ip netns exec "$HOST_NS" tc -s class show dev $BR classid "$1" | sed -n 's/.* Sent [0-9]* bytes \([0-9]*\) pkt.*/\1/p'; }
before=$(class_pkts 1:3)
expect_ok "5 frames of ethertype 0x88b5 to A's MAC" ip netns exec "$HOST_NS" python3 -c "
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x88b5))
for _ in range(5):
    s.sendto(b'x' * 100, ('$BR', 0x88b5, 0, 0, bytes.fromhex('${MAC_A//:/}')))"
after=$(class_pkts 1:3)
e2e_log "class 1:3: $before packets before the 5 frames, $after after"
expect_true "they went through class 1:3" test "$((${after:-0} - ${before:-0}))" -ge 5
# and IPv6: pings from the host to A's link-local address
lla() { ip -n "$(guest_ns ga)" -6 -o addr show dev eth0 scope link | awk '{ split($4, a, "/"); print a[1]; exit }'; }
lla_ready() { [ -n "$(lla)" ] && ! ip -n "$(guest_ns ga)" -6 -o addr show dev eth0 | grep -q tentative; }
wait_for 10 lla_ready || e2e_log "guest A has no usable IPv6 link-local address"
before=$(class_pkts 1:3)
# (what is counted is what the host sends; the replies are not the point here)
e2e_run ip netns exec "$HOST_NS" ping -6 -c 5 -i 0.2 -w 10 "$(lla)%$BR"
e2e_log "ping: $(tail -2 <<<"$E2E_OUT" | head -1)"
after=$(class_pkts 1:3)
e2e_log "class 1:3: $before packets before the pings, $after after"
expect_true "they went through class 1:3" test "$((${after:-0} - ${before:-0}))" -ge 5
expect_match "the network's status keeps the floor sum" '"sum": 875' "$(cat "$ROOT/run/vnet/status/fl.json")"

# overcommitting is refused, naming the MAC, the new sum and the average; nothing changes
floor_port create fl $PORT_C 52:54:00:77:00:0c 500
expect_match "a port whose floor would overcommit is refused" \
    "^ERROR [0-9]+ .*Cannot plug '52:54:00:77:00:0c' interface into '$BR' because new combined inbound floor=1375 would overcommit inbound average=1250 on network 'fl'" \
    "$E2E_OUT"
expect_no_match "it has no port" "cccccccc" "$(vnet port-list fl --json)"
expect_no_match "and no class" "class htb 1:4" "$(tc_classes)"

# both guests receive from the host at once: A gets its floor, B what is left
e2e_bg ip netns exec "$HOST_NS" iperf3 -s -p 5201 -B "$NET.1" >/dev/null 2>&1
e2e_bg ip netns exec "$HOST_NS" iperf3 -s -p 5202 -B "$NET.1" >/dev/null 2>&1
wait_for 10 tcp_listening "$HOST_NS" 5201 || e2e_fatal "iperf3 server A listens"
wait_for 10 tcp_listening "$HOST_NS" 5202 || e2e_fatal "iperf3 server B listens"
# recv GUEST PORT SECONDS: what the guest received from the host, bits per second
recv() {
    ip netns exec "$(guest_ns "$1")" iperf3 -c "$NET.1" -p "$2" -R -t "$3" -O 2 -J 2>/dev/null |
        python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))' 2>/dev/null
}
# at_least DESC GOT WANT: GOT >= WANT - 10%
at_least() {
    e2e_log "$1: $2 (want at least $3 - 10%)"
    expect_true "$1: ${2:-0} >= 90% of $3" python3 -c "import sys; sys.exit(0 if ${2:-0} >= $3 * 0.9 else 1)"
}
within() {
    e2e_log "$1: $2 (want $3 within 10%)"
    expect_true "$1: ${2:-0} is within 10% of $3" \
        python3 -c "import sys; sys.exit(0 if abs(${2:-0} - $3) <= $3 * 0.10 else 1)"
}
recv ga 5201 6 >"$E2E_TMP/a.bps" &
pa=$!
recv gb 5202 6 >"$E2E_TMP/b.bps" &
pb=$!
wait $pa $pb
a=$(cat "$E2E_TMP/a.bps")
b=$(cat "$E2E_TMP/b.bps")
e2e_log "measured at once: A $a bit/s (floor 7 Mbit/s), B $b bit/s"
expect_true "A's traffic went through its class (over 1,000 packets)" test "$(class_pkts 1:3)" -gt 1000
at_least "A (floor 7 Mbit/s) while B also receives" "$a" 7000000
at_least "B (no floor) gets the rest" "$b" 3000000
within "A and B together: the network's average" "$((${a:-0} + ${b:-0}))" 10000000
# without load on A, B may use the whole average
b=$(recv gb 5202 5)
within "B alone (no floor, A idle): the whole average" "$b" 10000000

# a vnetd that finds the classes gone (restart, the qdisc removed meanwhile) makes them again
vnetd_stop KILL
expect_ok "the bridge's qdisc removed while vnetd is down" ip netns exec "$HOST_NS" tc qdisc del dev $BR root
vnetd_start || e2e_fatal "vnetd starts again"
expect_match "after the restart class 1:3 is back" "class htb 1:3 parent 1:1 .*rate 7Mbit ceil 10Mbit" "$(tc_classes)"
expect_match "and the default class has the rest" "class htb 1:2 parent 1:1 .*rate 3Mbit" "$(tc_classes)"
expect_match "and the filter" "fh 800::3 .*flowid 1:3" "$(tc_filters)"
expect_match "the port still has its class" "<bandwidth classID='3'>" "$(vnet port-dumpxml fl $PORT_A)"
# drift: someone removes the port's filter and class; a repair (here after the bridge went down)
# makes them again from the network's run-state
expect_ok "A's filter removed by hand" ip netns exec "$HOST_NS" tc filter del dev $BR parent 1: prio 2 handle 800::3 u32
expect_ok "and its class" ip netns exec "$HOST_NS" tc class del dev $BR classid 1:3
expect_ok "the bridge set down" ip -n "$HOST_NS" link set $BR down
filter_back() { tc_filters | grep -q "fh 800::3 .*flowid 1:3"; }
expect_true "the repair puts the filter back" wait_for 15 filter_back
expect_match "and the class" "class htb 1:3 parent 1:1 .*rate 7Mbit" "$(tc_classes)"

# deleting the port frees its floor: class and filter go, a port may take the whole average
floor_port delete fl $PORT_A
expect_eq "port A deleted through python3-libvirt" "DELETED" "$E2E_OUT"
expect_no_match "its class is gone" "class htb 1:3" "$(tc_classes)"
expect_no_match "and its filter" "800::3" "$(tc_filters)"
expect_match "the default class has the whole average again" "class htb 1:2 parent 1:1 .*rate 10Mbit" "$(tc_classes)"
# (through vnet's own CLI this time)
cat >"$E2E_TMP/port-d.xml" <<XML
<networkport><uuid>$PORT_D</uuid><owner><name>guest-d</name><uuid>11111111-2222-3333-4444-00000000000d</uuid></owner>
  <mac address='52:54:00:77:00:0d'/><bandwidth><inbound floor='1250'/></bandwidth></networkport>
XML
expect_ok "a port with the freed floor (all of the average) is created (vnet port-create)" vnet port-create fl "$E2E_TMP/port-d.xml"
expect_match "in the lowest free class" "<bandwidth classID='3'>" "$(vnet port-dumpxml fl $PORT_D)"

# a floor where the network cannot give one is refused with libvirt's reasons
net_define_start nq "$(net_xml nq vt-nq 192.168.178 nat)" || e2e_fatal "network nq starts"
floor_port create nq $PORT_C 52:54:00:77:00:0c 100
expect_match "no inbound QoS on the network: refused" \
    "^ERROR [0-9]+ .*Invalid use of 'floor' on interface with MAC address 52:54:00:77:00:0c - network 'nq' has no inbound QoS set" \
    "$E2E_OUT"
e2e_run ip -n "$HOST_NS" link add vt-hbr type bridge
e2e_run ip -n "$HOST_NS" link set vt-hbr up
f=$(net_xml_file hb "<network><name>hb</name><forward mode='bridge'/><bridge name='vt-hbr'/>
  <bandwidth><inbound average='1250'/></bandwidth></network>")
expect_ok "define hb (a host bridge with <bandwidth>)" vnet define "$f"
expect_ok "start hb" vnet start hb
floor_port create hb $PORT_C 52:54:00:77:00:0c 100
expect_match "on a host bridge: refused" \
    "^ERROR [0-9]+ .*'floor' is only supported for interface type 'network' with forward type 'nat', 'route', 'open' or none" \
    "$E2E_OUT"
expect_ok "destroy fl" vnet destroy fl
expect_false "its bridge (and classes) are gone" link_exists $BR
# its port (floor 1250 kB/s) stays with the stopped network: a definition that cannot guarantee
# it does not start; one that can gets the class back at start
f=$(net_xml_file fl "$(net_xml fl $BR $NET nat "<bandwidth><inbound average='625'/></bandwidth>")")
expect_ok "redefine fl with half the average" vnet define "$f"
expect_fail "its start is refused" vnet start fl
expect_match "saying why" "network 'fl' keeps ports with an inbound floor, and this definition cannot guarantee them .*new combined inbound floor=1250 would overcommit inbound average=625" "$E2E_OUT"
expect_false "nothing was made" link_exists $BR
f=$(net_xml_file fl "$(net_xml fl $BR $NET nat "<bandwidth><inbound average='1250'/></bandwidth>")")
expect_ok "redefine fl as before" vnet define "$f"
expect_ok "start fl" vnet start fl
cls_back() { tc_classes | grep -Eq "class htb 1:3 parent 1:1 .*rate 10Mbit"; }
expect_true "the port's class is made again at start" wait_for 10 cls_back
expect_match "with its filter" "fh 800::3 .*flowid 1:3" "$(tc_filters)"
e2e_done
