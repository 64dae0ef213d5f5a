#!/usr/bin/env bash
# Scenario 41: Debian's python3-libvirt against vnetd's virtnetworkd sockets: every procedure the
# binding, virsh and virtqemud use for networks; lifecycle events for changes made through the
# binding, the vnet CLI and drift repair; ports; keepalive (both ways); VIR_ERR_NO_SUPPORT for an
# unimplemented procedure; the read-only socket refusing writes; malformed packets (bad length,
# wrong program, truncated XDR, a 100 MB length) affecting only their own connection; libvirt's
# golden conversations replayed. Then a guest plugged the way libvirt's VM driver does it: a port
# through the binding, a tap-like interface made from the returned plug, a DHCP lease; after
# `vnet destroy` + `vnet start`, a drift repair and a vnetd restart, vnet re-attaches it and DHCP
# works again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/libvirt-lib.sh"
e2e_init
lv_require
# keepalive 1 s / 2 pings, so the server-side drop is seen in seconds (libvirtd's default is 5:5)
e2e_start --libvirt-keepalive 1:2

lv_py basic "$(lv_sock)"
lv_py readonly "$(lv_sock_ro)"
lv_py events "$(lv_sock)"
lv_py ports "$(lv_sock)" default
lv_py metadata "$(lv_sock)" default
lv_py malformed "$(lv_sock)" 1 2
lv_py unprivileged "$(lv_sock_ro)" 128

# libvirt's own conversations, replayed packet by packet
sed "s|<network>|<network><uuid>a63fb5e7-355e-40f9-97ab-7515777394f0</uuid>|" \
    "$E2E_DIR/../data/libvirt-rpc/rpc.xml" >"$E2E_TMP/rpc.xml"
expect_ok "define the captured network with its UUID" vnet define "$E2E_TMP/rpc.xml"
lv_py replay "$(lv_sock)" "$E2E_DIR/../data/libvirt-rpc"
expect_false "the replay left no network 'rpc' (it ends with net-undefine)" vnet info rpc

# ---- a guest plugged like libvirt's VM driver does it
net_define_start lvg "$(net_xml lvg vt-lvg0 192.168.182 nat)" || e2e_fatal "network lvg is up"
PORT=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
MAC=52:54:00:82:00:01
lv_py port-create "$(lv_sock)" lvg "$MAC" "$PORT"
br=$(sed -n 's/^BRIDGE //p' <<<"$E2E_PY_OUT")
expect_eq "the port's plug names the network's bridge" "vt-lvg0" "$br"
# the VM driver makes a tap with the guest MAC's first byte set to 0xfe and plugs it into the
# plug's bridge; a veth pair stands in for the tap, its peer is the guest's NIC
ns=$(guest_ns g1)
e2e_netns_add "$ns" || e2e_fatal "guest namespace"
ip -n "$HOST_NS" link add vnet-g1 address "fe:${MAC#*:}" type veth peer name eth0 netns "$ns"
ip -n "$ns" link set eth0 address "$MAC"
ip -n "$HOST_NS" link set vnet-g1 master "$br" up
ip -n "$ns" link set eth0 up
expect_true "vnet learns the interface from the link event (before anyone asks)" wait_for 10 \
    grep -q "port interface vnet-g1 learned" "$VNETD_LOG"
ip1=$(dhcp_udhcpc g1)
expect_match "the guest gets a lease" '^192\.168\.182\.' "$ip1"
e2e_run vnet port-list lvg --json
expect_match "vnet port-list --json shows the port" "$PORT" "$E2E_OUT"
expect_match "vnet port-list --json shows the learned interface" '"ifname": "vnet-g1"' "$E2E_OUT"

reattached() { [ "$(link_master vnet-g1)" = vt-lvg0 ]; }
dhcp_again() {
    ip -n "$ns" addr flush dev eth0
    local ip
    ip=$(dhcp_udhcpc g1)
    expect_match "$1" '^192\.168\.182\.' "$ip"
}
# a second port whose guest MAC sits on a link that is not on the bridge (the guest's own end
# of a veth pair, say): vnet must not take it
cat >"$E2E_TMP/port2.xml" <<XML
<networkport><uuid>bbbbbbbb-bbbb-cccc-dddd-eeeeeeeeeeee</uuid>
  <owner><name>other</name><uuid>11111111-2222-3333-4444-777777777777</uuid></owner>
  <mac address='52:54:00:82:00:02'/></networkport>
XML
expect_ok "a second port (vnet port-create)" vnet port-create lvg "$E2E_TMP/port2.xml"
ip -n "$HOST_NS" link add vh2 type veth peer name vc2
ip -n "$HOST_NS" link set vc2 address 52:54:00:82:00:02
expect_ok "vnet destroy lvg" vnet destroy lvg
expect_eq "the interface lost its bridge" "" "$(link_master vnet-g1)"
expect_ok "vnet start lvg" vnet start lvg
expect_true "vnet re-attaches the interface to the new bridge" wait_for 10 reattached
expect_eq "a link with a guest's own MAC, never on the bridge, is left alone" "" "$(link_master vc2)"
dhcp_again "DHCP works again after destroy + start"

ip -n "$HOST_NS" link del vt-lvg0
expect_true "drift repair re-creates the bridge and re-attaches the interface" wait_for 15 reattached
dhcp_again "DHCP works again after the bridge was re-created"

vnetd_stop TERM
vnetd_start --libvirt-keepalive 1:2 || e2e_fatal "vnetd restarts"
# a silent client, checked at the end of the scenario (it takes the 30 s handshake deadline)
VNET_CMD=x HOST_NS=$HOST_NS "$LV_PY" "$E2E_DIR/libvirt_binding.py" silent "$(lv_sock_ro)" 30 \
    >"$E2E_TMP/silent.out" 2>&1 &
silent_pid=$!
E2E_PIDS+=("$silent_pid")

e2e_run vnet port-list lvg --json
expect_match "the port survives a vnetd restart" "$PORT" "$E2E_OUT"
e2e_run virsh_rw net-port-list lvg
expect_match "virsh lists it after the restart" "$PORT" "$E2E_OUT"
expect_ok "vnet destroy lvg (after the restart)" vnet destroy lvg
expect_ok "vnet start lvg (after the restart)" vnet start lvg
expect_true "the restarted vnetd re-attaches the interface" wait_for 10 reattached
dhcp_again "DHCP works again after a vnetd restart and destroy + start"
wait "$silent_pid"
while IFS= read -r line; do
    case $line in
    "PASS "*) e2e_pass "${line#PASS }" ;;
    *) e2e_fail "silent client check" "$line" ;;
    esac
done <"$E2E_TMP/silent.out"
expect_ok "delete the port through virsh" virsh_rw net-port-delete lvg "$PORT"
expect_ok "delete the second port" vnet port-delete lvg bbbbbbbb-bbbb-cccc-dddd-eeeeeeeeeeee
e2e_run vnet port-list lvg --json
expect_eq "no port left" "[]" "$(echo "$E2E_OUT" | tr -d ' \n')"
e2e_done
