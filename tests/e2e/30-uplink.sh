#!/usr/bin/env bash
# Scenario 30: the host's one NIC into a bridge, safely (vnet uplink-*).
# A LAN namespace (bridge "lan": router 192.168.77.1, a DHCP server) and the host namespace,
# whose eth0 (a veth into the LAN) has addresses and a default route. A TCP connection from
# the LAN to the host survives uplink-attach, confirm and detach; an unconfirmed attach rolls
# back in time; a vnetd killed during the trial rolls back when it starts again; a confirmed
# uplink is re-created at boot; a NIC holding a DHCP lease is refused with advice.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/libvirt-lib.sh"
e2e_init
e2e_check_binaries
lv_require
install -m 755 "$E2E_DIR/dhclient-lease-script.sh" "$E2E_TMP/"
FAKE_OWNER=$VNET_BUILD_DIR/tests/e2e/fake-owner
# vnetd's "system bus" is a private dbus-daemon of this test, where a stand-in NetworkManager
# or systemd-networkd claims an interface; nothing on it at first
BUS_SOCK=$E2E_TMP/system_bus_socket
cat >"$E2E_TMP/bus.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$BUS_SOCK</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/> <allow own="*"/>
    <allow send_destination="*"/> <allow receive_sender="*"/>
  </policy>
</busconfig>
XML
e2e_bg dbus-daemon --config-file="$E2E_TMP/bus.conf" --nofork --nopidfile --nosyslog 2>/dev/null
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$BUS_SOCK
wait_for 10 test -S "$BUS_SOCK" || e2e_fatal "private system bus is up"
LAN_NS=$E2E_P-lan
LAN=192.168.77
HOSTIP=$LAN.10

# lan_port NS IF PEER: a veth IF in NS whose peer PEER is a port of the LAN bridge
lan_port() {
    ip -n "$1" link add "$2" type veth peer name "$3" netns "$LAN_NS" || return 1
    ip -n "$LAN_NS" link set "$3" master lan up || return 1
    ip -n "$1" link set "$2" up
}

# host_eth0: the host's NIC as a distribution's network config leaves it at boot
host_eth0() {
    lan_port "$HOST_NS" eth0 "h-$1" || return 1
    ip -n "$HOST_NS" link set eth0 address 02:77:00:00:00:10
    ip -n "$HOST_NS" addr add "$HOSTIP/24" dev eth0
    ip -n "$HOST_NS" addr add "$LAN.11/24" dev eth0 preferred_lft 0  # deprecated, kept so
    ip -n "$HOST_NS" addr add fd77::10/64 dev eth0 nodad
    ip -n "$HOST_NS" route add default via "$LAN.1" dev eth0 metric 50
    ip -n "$HOST_NS" route add 10.77.0.0/16 via "$LAN.1" dev eth0 metric 7
    ip -n "$HOST_NS" -6 route add default via fd77::1 dev eth0 metric 60
}

e2e_netns_add "$LAN_NS" || e2e_fatal "LAN namespace"
ip -n "$LAN_NS" link add lan type bridge
ip -n "$LAN_NS" link set lan address 02:77:00:00:00:01 up
ip -n "$LAN_NS" addr add "$LAN.1/24" dev lan
ip -n "$LAN_NS" addr add fd77::1/64 dev lan nodad
e2e_bg ip netns exec "$LAN_NS" dnsmasq -k --conf-file=/dev/null --port=0 --user=root \
    --interface=lan --bind-interfaces --dhcp-range=$LAN.100,$LAN.150,255.255.255.0,1h \
    --dhcp-option=option:router,$LAN.1 --dhcp-leasefile="$E2E_TMP/lan.leases" --pid-file= \
    --dhcp-authoritative --no-ping
e2e_topology_host "$HOST_NS" || e2e_fatal "host namespace"
host_eth0 1 || e2e_fatal "host eth0 into the LAN"
vnetd_start || e2e_fatal "vnetd starts in the host namespace"
e2e_pass "vnetd starts in the host namespace"

addrs_of() { ip -n "$HOST_NS" -o addr show dev "$1" 2>/dev/null | grep -v ' fe80' | awk '{print $4}' | sort | tr '\n' ' '; }
routes_of() {
    { ip -n "$HOST_NS" route show dev "$1"; ip -n "$HOST_NS" -6 route show dev "$1"; } 2>/dev/null |
        grep -v 'proto kernel' | sed 's/ pref medium//'
}
master_of() { ip -n "$HOST_NS" -o link show dev "$1" | sed -n 's/.* master \([^ ]*\) .*/\1/p'; }
ask_router() { tcp_ask "$HOST_NS" "$LAN.1" 7200; }
eth0_restored() { [ "$(addrs_of eth0)" = "$ORIG_ADDRS" ] && ! link_exists br0 && [ -z "$(master_of eth0)" ]; }
ORIG_ADDRS=$(addrs_of eth0)
ORIG_ROUTES=$(routes_of eth0)

tcp_server "$HOST_NS" 7100 'while read -r l; do echo "$SOCAT_PEERADDR $l"; done' ||
    e2e_fatal "host line server listens"
tcp_server "$LAN_NS" 7200 || e2e_fatal "router server listens"
conn_open "$LAN_NS" "$HOSTIP" 7100
conn_say hello
expect_eq "LAN -> host connection answers" "$LAN.1 hello" "$CONN_REPLY"

# --- attach, confirm, detach
expect_ok "uplink-attach eth0 --bridge br0" vnet uplink-attach eth0 --bridge br0 --confirm-within 30
expect_match "attach says what moved and how to confirm" \
    "3 addresses, 3 routes moved.*uplink-confirm br0' within 30 s" "$(tr '\n' ' ' <<<"$E2E_OUT")"
expect_eq "eth0 is a port of br0" br0 "$(master_of eth0)"
expect_eq "the addresses are on br0" "$ORIG_ADDRS" "$(addrs_of br0)"
expect_eq "eth0 has no addresses left" "" "$(addrs_of eth0)"
expect_eq "br0 carries eth0's MAC" 02:77:00:00:00:10 \
    "$(ip -n "$HOST_NS" -o link show br0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')"
expect_match "the default route moved with its metric" "default via $LAN.1 .*metric 50" \
    "$(ip -n "$HOST_NS" route show dev br0)"
expect_match "the static route moved with its metric" "10.77.0.0/16 via $LAN.1 .*metric 7" \
    "$(ip -n "$HOST_NS" route show dev br0)"
expect_match "the IPv6 default route moved with its metric" "default via fd77::1 .*metric 60" \
    "$(ip -n "$HOST_NS" -6 route show dev br0)"
expect_match "the deprecated address stays deprecated" "$LAN.11/24 .*deprecated" \
    "$(ip -n "$HOST_NS" -o addr show dev br0)"
conn_say after-attach
expect_eq "the connection survives the attach" "$LAN.1 after-attach" "$CONN_REPLY"
expect_eq "the host reaches the router through br0" "$HOSTIP" "$(ask_router)"
e2e_run vnet uplink-list
expect_match "uplink-list shows the trial" "br0 +eth0 +trial, [0-9]+s left +02:77:00:00:00:10" "$E2E_OUT"
expect_ok "uplink-confirm br0" vnet uplink-confirm br0
e2e_run vnet uplink-list --json
expect_match "uplink-list --json says attached" '"state": "attached"' "$E2E_OUT"
expect_true "uplink-list --json is JSON" json_query . <<<"$E2E_OUT"
conn_say after-confirm
expect_eq "the connection survives the confirmation" "$LAN.1 after-confirm" "$CONN_REPLY"
expect_fail "a second attach of eth0 is refused" vnet uplink-attach eth0 --bridge br1
expect_match "saying where it is" "already attached to bridge 'br0'" "$E2E_OUT"
expect_ok "uplink-detach br0" vnet uplink-detach br0
expect_true "eth0 is as it was, br0 is gone" eth0_restored
expect_eq "eth0's routes are as they were" "$ORIG_ROUTES" "$(routes_of eth0)"
conn_say after-detach
expect_eq "the connection survives the detach" "$LAN.1 after-detach" "$CONN_REPLY"

# --- no confirmation: rolled back within the timeout + 1 s, and `vnet events` says so
EV_TEXT=$E2E_TMP/events.txt
ip netns exec "$HOST_NS" "$VNET_BIN" --root "$ROOT" events --timeout 60 >"$EV_TEXT" 2>&1 &
E2E_PIDS+=("$!")
# the stream is registered once it sees events: define and undefine a throwaway network
f=$(net_xml_file probe "$(net_xml probe vnbr9 192.168.209 none)")
wait_for 10 sh -c "ip netns exec $HOST_NS '$VNET_BIN' --root '$ROOT' define '$f' >/dev/null 2>&1; \
    ip netns exec $HOST_NS '$VNET_BIN' --root '$ROOT' undefine probe >/dev/null 2>&1; \
    grep -q 'for network probe: Undefined' '$EV_TEXT'" || e2e_fatal "the event stream is open"
expect_ok "uplink-attach with --confirm-within 2" vnet uplink-attach eth0 --bridge br0 --confirm-within 2
t0=$(date +%s.%N)
expect_true "br0 exists during the trial" link_exists br0
wait_for 10 eth0_restored
t1=$(date +%s.%N)
expect_true "rolled back within 3 s (timeout + 1 s)" \
    python3 -c "import sys; sys.exit(0 if $t1 - $t0 <= 3.0 else 1)"
expect_true "eth0 is as it was after the rollback" eth0_restored
expect_eq "eth0's routes are back" "$ORIG_ROUTES" "$(routes_of eth0)"
conn_say after-rollback
expect_eq "the connection still works after the rollback" "$LAN.1 after-rollback" "$CONN_REPLY"
expect_true "vnet events reports the rollback" wait_for 5 grep -q \
    "event 'finding' for the host: uplink br0: not confirmed within 2 s: rolled back, 'eth0' is as it was" "$EV_TEXT"
e2e_run vnet uplink-list
expect_no_match "uplink-list no longer lists it" "br0" "$E2E_OUT"

# --- vnetd killed during the trial: rolled back when it comes back
expect_ok "uplink-attach on trial again" vnet uplink-attach eth0 --bridge br0 --confirm-within 60
vnetd_stop KILL
expect_true "after SIGKILL the bridge is still there" link_exists br0
vnetd_start || e2e_fatal "vnetd starts again after SIGKILL"
expect_true "the restarted vnetd rolled the trial back" eth0_restored
conn_say after-crash
expect_eq "the connection still works" "$LAN.1 after-crash" "$CONN_REPLY"

# --- a NIC holding a DHCP lease is refused, with what to do instead
lan_port "$HOST_NS" eth1 h-eth1 || e2e_fatal "host eth1 into the LAN"
timeout 60 ip netns exec "$HOST_NS" dhclient -4 -1 -cf /dev/null -sf "$E2E_TMP/dhclient-lease-script.sh" \
    -lf "$E2E_TMP/eth1.leases" -pf "$E2E_TMP/eth1.pid" eth1 >"$E2E_TMP/eth1.log" 2>&1
[ -s "$E2E_TMP/eth1.pid" ] && E2E_PIDS+=("$(cat "$E2E_TMP/eth1.pid")")
expect_match "eth1 holds a lease from the LAN's DHCP server" "^$LAN\.1[0-9][0-9]/24 $" "$(addrs_of eth1)"
expect_fail "uplink-attach of a NIC with a DHCP lease is refused" vnet uplink-attach eth1 --bridge br1
expect_match "the refusal names the lease" "eth1' holds a dynamic address $LAN\.1[0-9]+/24 \(a DHCP lease" "$E2E_OUT"
expect_match "and prints the networkd configuration instead" "Kind=bridge.*Bridge=br1.*DHCP=ipv4" \
    "$(tr '\n' ' ' <<<"$E2E_OUT")"
expect_false "nothing was created" link_exists br1

# --- a NIC that NetworkManager or systemd-networkd owns is refused, with their configuration
lan_port "$HOST_NS" eth2 h-eth2 || e2e_fatal "host eth2 into the LAN"
ip -n "$HOST_NS" addr add "$LAN.12/24" dev eth2
# owner_refuses KIND: with a stand-in KIND owning eth2, uplink-attach is refused
owner_refuses() {
    coproc OWNER { exec "$FAKE_OWNER" "$1" eth2; }
    local pid=$OWNER_PID line=""
    E2E_PIDS+=("$pid")
    IFS= read -r -t 10 line <&"${OWNER[0]}"
    expect_eq "a stand-in $1 claims eth2" ready "$line"
    expect_fail "uplink-attach of a NIC $1 owns is refused" vnet uplink-attach eth2 --bridge br2
    stop_pid "$pid"
}
owner_refuses nm
expect_match "the refusal prints the nmcli commands" \
    "NetworkManager manages 'eth2'.*nmcli connection add type bridge ifname br2 .*ipv4.addresses $LAN.12/24.*type bridge-slave ifname eth2" \
    "$(tr '\n' ' ' <<<"$E2E_OUT")"
owner_refuses networkd
expect_match "the refusal prints the networkd files" \
    "systemd-networkd configures 'eth2'.*25-br2.netdev.*Kind=bridge.*Address=$LAN.12/24" \
    "$(tr '\n' ' ' <<<"$E2E_OUT")"
expect_false "nothing was created for eth2" link_exists br2
expect_eq "eth2 keeps its address" "$LAN.12/24 " "$(addrs_of eth2)"

# --- a macvtap pool on eth2: a guest on a direct port reaches the LAN
f=$(net_xml_file mvlan "<network><name>mvlan</name><forward mode='bridge'><interface dev='eth2'/></forward></network>")
expect_ok "define a macvtap-pool network on eth2" vnet define "$f"
expect_ok "start it" vnet start mvlan
# the port a hypervisor asks for (libvirt's binding on vnetd's virtnetworkd socket)
lv_py plug "$(lv_sock)" mvlan
read -r _ kind dev mode port <<<"$E2E_PY_OUT"
expect_eq "a port gets a direct plug on eth2 in bridge mode" "direct eth2 bridge" "$kind $dev $mode"
# what the hypervisor then does: a macvtap on the device (a macvlan, for a namespace guest)
e2e_netns_add "$(guest_ns mv1)" || e2e_fatal "guest mv1"
ip -n "$HOST_NS" link add link "$dev" name mv1 type macvlan mode "$mode"
ip -n "$HOST_NS" link set mv1 netns "$(guest_ns mv1)"
ip -n "$(guest_ns mv1)" link set mv1 name eth0
ip -n "$(guest_ns mv1)" link set eth0 up
mip=$(dhcp_udhcpc mv1)
expect_match "the macvtap guest leases from the LAN's DHCP server" "^$LAN\.1[0-9][0-9]$" "$mip"
expect_eq "and reaches the router" "$mip" "$(guest_ask mv1 "$LAN.1" 7200)"
expect_ok "the port is deleted (virsh net-port-delete)" virsh_rw net-port-delete mvlan "$port"
expect_ok "destroy mvlan" vnet destroy mvlan

# --- confirmed, then a reboot: re-created before autostart networks
expect_ok "uplink-attach eth0 for good" vnet uplink-attach eth0 --bridge br0
expect_ok "and confirm it" vnet uplink-confirm br0
# a bridge-mode network over br0 puts guests on the LAN
f=$(net_xml_file lan "<network><name>lan</name><forward mode='bridge'/><bridge name='br0'/></network>")
expect_ok "define a bridge-mode network on br0" vnet define "$f"
expect_ok "start it" vnet start lan
expect_ok "autostart it" vnet autostart lan
expect_match "vnet info says br0 is up" "Bridge state: +up" "$(vnet info lan)"
guest_add g1 br0 || e2e_fatal "guest g1 plugged into br0"
gip=$(dhcp_udhcpc g1)
expect_match "the guest gets its lease from the LAN's DHCP server" "^$LAN\.1[0-9][0-9]$" "$gip"
expect_match "the LAN's server handed it out" "$gip" "$(cat "$E2E_TMP/lan.leases")"
expect_eq "the guest reaches the router" "$gip" "$(guest_ask g1 "$LAN.1" 7200)"
conn_say with-guest
expect_eq "the host's connection is undisturbed" "$LAN.1 with-guest" "$CONN_REPLY"
expect_fail "uplink-detach is refused while the network is active on br0" vnet uplink-detach br0
expect_match "saying which network" "network 'lan' is active on bridge 'br0'" "$E2E_OUT"
stop_pid "$CONN_PID"
vnetd_stop TERM
e2e_kill_ns_procs "$HOST_NS"
ip netns del "$HOST_NS"
HOST_NS=$E2E_P-h2
wait_for 10 sh -c "! ip -n '$LAN_NS' link show h-1 >/dev/null 2>&1" || e2e_fatal "old host gone"
e2e_netns_add "$HOST_NS" || e2e_fatal "rebooted host namespace"
host_eth0 2 || e2e_fatal "eth0 comes up at boot as configured"
rm -rf "$ROOT/run"
vnetd_start || e2e_fatal "vnetd starts after the reboot"
expect_eq "after the reboot eth0 is a port of br0 again" br0 "$(master_of eth0)"
expect_eq "with the addresses on br0" "$ORIG_ADDRS" "$(addrs_of br0)"
expect_match "and the default route" "default via $LAN.1 .*metric 50" "$(ip -n "$HOST_NS" route show dev br0)"
tcp_server "$HOST_NS" 7101 'echo $SOCAT_PEERADDR' || e2e_fatal "host server after reboot"
expect_eq "the LAN reaches the host through br0" "$LAN.1" "$(tcp_ask "$LAN_NS" "$HOSTIP" 7101)"
expect_true "the autostart network on br0 is active" net_wait_active lan
expect_match "and finds br0 up (the uplink came first)" "Bridge state: +up" "$(vnet info lan)"
expect_match "the log shows the uplink before the network" "uplink br0: re-created.*network 'lan' started" \
    "$(sed -n '/host ns '"$HOST_NS"'/,$p' "$VNETD_LOG" | tr '\n' ' ')"
expect_ok "destroy lan" vnet destroy lan
# another program deletes the uplink's bridge: the host loses its addresses; vnetd puts it back
uplink_back() { [ "$(master_of eth0)" = br0 ] && [ "$(addrs_of br0)" = "$ORIG_ADDRS" ]; }
ip -n "$HOST_NS" link del br0
expect_true "an uplink bridge deleted by another program is re-created" wait_for 10 uplink_back
expect_match "with the default route" "default via $LAN.1 .*metric 50" "$(ip -n "$HOST_NS" route show dev br0)"
expect_match "and vnetd says so" "uplink br0: deleted or changed by another program: re-created with 'eth0'" \
    "$(cat "$VNETD_LOG")"
expect_eq "the LAN reaches the host through br0 again" "$LAN.1" "$(tcp_ask "$LAN_NS" "$HOSTIP" 7101)"
expect_match "vnet uplink-list shows it present" '"present": true' "$(vnet uplink-list --json)"
br_up() { ip -n "$HOST_NS" -o link show dev br0 | grep -q '[<,]UP[,>]'; }
ip -n "$HOST_NS" link set br0 down
expect_true "an uplink bridge set down by another program is set up again" wait_for 10 br_up
expect_match "and vnetd says so" "uplink br0: set down by another program: set up again" "$(cat "$VNETD_LOG")"
expect_match "with the default route the kernel dropped" "default via $LAN.1 .*metric 50" \
    "$(ip -n "$HOST_NS" route show dev br0)"
expect_eq "and the addresses" "$ORIG_ADDRS" "$(addrs_of br0)"
expect_eq "the LAN reaches the host through br0 after that" "$LAN.1" "$(tcp_ask "$LAN_NS" "$HOSTIP" 7101)"
eth0_in_br0() { [ "$(master_of eth0)" = br0 ]; }
ip -n "$HOST_NS" link set eth0 nomaster
expect_true "the NIC taken out of the uplink bridge by another program is put back" wait_for 10 eth0_in_br0
expect_match "and vnetd says so" "uplink br0: 'eth0' was taken out of it by another program: put back" \
    "$(cat "$VNETD_LOG")"
expect_eq "the LAN reaches the host through br0 again" "$LAN.1" "$(tcp_ask "$LAN_NS" "$HOSTIP" 7101)"
expect_ok "uplink-detach after the reboot" vnet uplink-detach br0
expect_true "eth0 is as it was" eth0_restored
e2e_done
