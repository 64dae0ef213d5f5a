#!/usr/bin/env bash
# Scenario 40: Debian's virsh (libvirt-clients 9.0) drives vnetd through its virtnetworkd socket
# (network:///system?socket=PATH) with every net-* verb; what virsh shows agrees with `vnet`, and
# errors read as libvirt's. The read-only socket refuses writes; a live listener on the socket
# path is not stolen; a stale socket file is replaced; --no-libvirt-sockets turns them off.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/libvirt-lib.sh"
e2e_init
lv_require
e2e_start

expect_true "the read-write socket exists (mode 0600)" test "$(stat -c %a "$(lv_sock)")" = 600
expect_true "the read-only socket exists (mode 0666)" test "$(stat -c %a "$(lv_sock_ro)")" = 666

# connection-level calls
e2e_run virsh_full version
expect_match "virsh version names the network driver" "Running hypervisor: network 9\.0\.0" "$E2E_OUT"
expect_eq "virsh hostname" "$(ip netns exec "$HOST_NS" hostname)" "$(virsh_rw hostname)"
expect_match "virsh uri" "^network:///system" "$(virsh_rw uri)"
expect_fail "an unimplemented call fails cleanly" virsh_rw sysinfo
expect_match "with libvirt's not-supported message" "error: this function is not supported by the connection driver" "$E2E_OUT"

# listing: virsh and vnet print the same table
e2e_run virsh_full net-list --all
expect_eq "net-list --all agrees with vnet list --all" "$(vnet list --all)" "$E2E_OUT"

f=$(net_xml_file lvv "$(net_xml lvv vt-lvv0 192.168.180 nat)")
expect_ok "virsh net-define" virsh_full net-define "$f"
expect_eq "net-define prints libvirt's message" "Network lvv defined from $f" "$(echo "$E2E_OUT" | sed '/^$/d')"
expect_true "vnet sees the definition" test -e "$ROOT/etc/vnet/networks/lvv.xml"
expect_ok "virsh net-start" virsh_full net-start lvv
expect_eq "net-start prints libvirt's message" "Network lvv started" "$(echo "$E2E_OUT" | sed '/^$/d')"
expect_true "vnet says it is active" net_active lvv
expect_true "its bridge exists" link_exists vt-lvv0
e2e_run virsh_full net-info lvv
expect_eq "net-info agrees with vnet info (virsh's six lines; vnet adds details)" \
    "$(vnet info lvv | head -6)" "$(echo "$E2E_OUT" | sed '/^$/d')"
e2e_run virsh_rw net-dumpxml lvv
expect_eq "net-dumpxml agrees with vnet dumpxml" "$(vnet dumpxml lvv)" "$E2E_OUT"
e2e_run virsh_rw net-dumpxml --inactive lvv
expect_eq "net-dumpxml --inactive agrees" "$(vnet dumpxml --inactive lvv)" "$E2E_OUT"
uuid=$(vnet uuid lvv)
expect_eq "net-uuid" "$uuid" "$(virsh_rw net-uuid lvv)"
expect_eq "net-name" "lvv" "$(virsh_rw net-name "$uuid")"
expect_ok "net-autostart" virsh_rw net-autostart lvv
e2e_run vnet info lvv
expect_match "vnet sees autostart on" '^Autostart: +yes' "$E2E_OUT"
expect_ok "net-autostart --disable" virsh_rw net-autostart --disable lvv
e2e_run vnet info lvv
expect_match "vnet sees autostart off" '^Autostart: +no' "$E2E_OUT"
e2e_run virsh_full net-list --all
expect_eq "net-list --all agrees with vnet again" "$(vnet list --all)" "$E2E_OUT"
for flt in --inactive --persistent --transient --autostart --no-autostart --name --uuid; do
    e2e_run virsh_full net-list $flt
    expect_eq "net-list $flt agrees with vnet list $flt" "$(vnet list $flt)" "$E2E_OUT"
done

# update, leases
expect_ok "net-update add ip-dhcp-host --live --config" virsh_rw net-update lvv add ip-dhcp-host \
    "<host mac='52:54:00:80:00:09' ip='192.168.180.9' name='fixed9'/>" --live --config
expect_match "the live definition has the host" "192.168.180.9" "$(vnet dumpxml lvv)"
expect_match "the saved definition has the host" "192.168.180.9" "$(vnet dumpxml --inactive lvv)"
guest_add v1 vt-lvv0 52:54:00:80:00:09 || e2e_fatal "guest v1 plugged"
ip1=$(dhcp_udhcpc v1 fixed9)
expect_eq "the guest gets the fixed address" "192.168.180.9" "$ip1"
e2e_run virsh_full net-dhcp-leases lvv
expect_eq "net-dhcp-leases agrees with vnet dhcp-leases" "$(vnet dhcp-leases lvv)" "$E2E_OUT"
expect_match "and lists the guest" "52:54:00:80:00:09 +ipv4 +192\.168\.180\.9/24" "$E2E_OUT"
e2e_run virsh_full net-dhcp-leases lvv --mac 52:54:00:80:00:09
expect_eq "net-dhcp-leases --mac agrees" "$(vnet dhcp-leases lvv --mac 52:54:00:80:00:09)" "$E2E_OUT"
expect_ok "net-update delete ip-dhcp-host --config" virsh_rw net-update lvv delete ip-dhcp-host \
    "<host mac='52:54:00:80:00:09' ip='192.168.180.9' name='fixed9'/>" --config
expect_no_match "the saved definition lost the host" "192.168.180.9" "$(vnet dumpxml --inactive lvv)"

# ports through virsh
cat >"$E2E_TMP/port.xml" <<XML
<networkport>
  <uuid>12345678-1234-1234-1234-1234567890ab</uuid>
  <owner><name>vm7</name><uuid>11111111-2222-3333-4444-555555555555</uuid></owner>
  <mac address='52:54:00:80:00:77'/>
</networkport>
XML
expect_ok "net-port-create" virsh_full net-port-create lvv "$E2E_TMP/port.xml"
expect_match "net-port-create prints the port" "12345678-1234-1234-1234-1234567890ab" "$E2E_OUT"
e2e_run virsh_full net-port-list lvv
expect_eq "net-port-list agrees with vnet port-list" "$(vnet port-list lvv)" "$E2E_OUT"
expect_eq "vnet answers to virsh's name net-port-list too" "$(vnet net-port-list lvv)" "$E2E_OUT"
e2e_run virsh_rw net-port-dumpxml lvv 12345678-1234-1234-1234-1234567890ab
expect_match "net-port-dumpxml shows the bridge plug" "<plug type='network' bridge='vt-lvv0'/>" "$E2E_OUT"
expect_eq "and agrees with vnet port-dumpxml" "$(vnet port-dumpxml lvv 12345678-1234-1234-1234-1234567890ab)" "$E2E_OUT"
expect_ok "net-port-delete" virsh_rw net-port-delete lvv 12345678-1234-1234-1234-1234567890ab
e2e_run vnet port-list lvv --json
expect_eq "vnet port-list is empty again" "[]" "$(echo "$E2E_OUT" | tr -d ' \n')"
expect_ok "vnet port-create (the CLI)" vnet port-create lvv "$E2E_TMP/port.xml"
expect_eq "prints virsh's message" "Network port 12345678-1234-1234-1234-1234567890ab created from $E2E_TMP/port.xml" "$E2E_OUT"
e2e_run virsh_rw net-port-list lvv
expect_match "virsh sees the port made with the CLI" "12345678-1234-1234-1234-1234567890ab" "$E2E_OUT"
expect_ok "vnet port-delete (the CLI)" vnet port-delete lvv 12345678-1234-1234-1234-1234567890ab
expect_eq "prints virsh's message" "Network port 12345678-1234-1234-1234-1234567890ab deleted" "$E2E_OUT"
expect_fail "port-create on an inactive network is refused" vnet port-create default-nope "$E2E_TMP/port.xml"

# errors read as libvirt's
expect_fail "net-start of an active network fails" virsh_rw net-start lvv
expect_match "with libvirt's message" "^error: Requested operation is not valid: network 'lvv' is already active" "$(echo "$E2E_OUT" | sed -n 2p)"
expect_fail "net-start of a missing network fails" virsh_rw net-start nosuch
expect_eq "with libvirt's messages" "error: failed to get network 'nosuch'
error: Network not found: no network with matching name 'nosuch'" "$E2E_OUT"
echo vm >"$E2E_TMP/bad.xml"
expect_fail "net-define of a file that is not XML fails" virsh_rw net-define "$E2E_TMP/bad.xml"
expect_match "with the parser's message" "^error: \(network_definition\):1: .*Start tag expected, '<' not found" "$(echo "$E2E_OUT" | sed -n 2p)"
expect_fail "the read-only socket refuses net-destroy" virsh_ro net-destroy lvv
expect_match "with libvirt's read-only message" "operation forbidden: read only access prevents virNetworkDestroy" "$E2E_OUT"
expect_true "the network is still active" net_active lvv
e2e_run virsh_ro net-list --all
expect_eq "the read-only socket lists networks" "$(vnet list --all)" "$E2E_OUT"

# lifecycle events through virsh net-event
virsh_full net-event --event lifecycle --loop --timeout 20 >"$E2E_TMP/events.txt" 2>&1 &
evpid=$!
E2E_PIDS+=("$evpid")
# virsh prints nothing until an event comes: define a scratch network until it reports that
fd=$(net_xml_file lvdummy "$(net_xml lvdummy vt-lvd0 192.168.189 none)")
expect_true "virsh net-event is registered (sees a define)" wait_for 10 \
    sh -c "ip netns exec $HOST_NS $VNET_BIN --root $ROOT define $fd >/dev/null; grep -q 'network lvdummy: Defined' $E2E_TMP/events.txt"
vnet undefine lvdummy >/dev/null
expect_ok "net-destroy" virsh_full net-destroy lvv
expect_eq "net-destroy prints libvirt's message" "Network lvv destroyed" "$(echo "$E2E_OUT" | sed '/^$/d')"
expect_false "vnet says it is inactive" net_active lvv
expect_ok "vnet start (the CLI)" vnet start lvv
expect_true "virsh net-event saw the stop" wait_for 10 grep -q "network lvv: Stopped" "$E2E_TMP/events.txt"
expect_true "virsh net-event saw the start made with the CLI" wait_for 10 grep -q "network lvv: Started" "$E2E_TMP/events.txt"
stop_pid "$evpid" TERM 5
expect_ok "net-destroy again" virsh_rw net-destroy lvv
expect_ok "net-undefine" virsh_full net-undefine lvv
expect_eq "net-undefine prints libvirt's message" "Network lvv has been undefined" "$(echo "$E2E_OUT" | sed '/^$/d')"
expect_false "vnet forgot it" test -e "$ROOT/etc/vnet/networks/lvv.xml"

# transient network through virsh
f2=$(net_xml_file lvt "$(net_xml lvt vt-lvt0 192.168.181 none)")
expect_ok "net-create" virsh_full net-create "$f2"
expect_eq "net-create prints libvirt's message" "Network lvt created from $f2" "$(echo "$E2E_OUT" | sed '/^$/d')"
e2e_run vnet info lvt
expect_match "vnet sees a transient active network" '^Persistent: +no' "$E2E_OUT"
expect_ok "net-destroy of the transient network" virsh_rw net-destroy lvt
expect_fail "it is gone" vnet info lvt

# a live listener is not stolen: a second vnetd (other root) pointed at the same directory
ROOT2=$E2E_TMP/root2
mkdir -p "$ROOT2"
ip netns exec "$HOST_NS" "$VNETD_BIN" --root "$ROOT2" --libvirt-sockets "$ROOT/run/libvirt" \
    >"$E2E_TMP/vnetd2.log" 2>&1 &
pid2=$!
E2E_PIDS+=("$pid2")
expect_true "the second vnetd comes up" wait_for 20 test -S "$ROOT2/run/vnet/vnetd.sock"
expect_match "it says the socket is held and leaves it alone" "virtnetworkd-sock is held by a running daemon" "$(cat "$E2E_TMP/vnetd2.log")"
e2e_run virsh_rw net-list --all --name
expect_match "the first vnetd still answers on it" "^default$" "$E2E_OUT"
stop_pid "$pid2" TERM 10
expect_true "and still does after the second one exits" virsh_rw net-list --all

# a stale socket file (vnetd killed) is replaced
vnetd_stop KILL
expect_true "the socket file is left behind by the killed vnetd" test -S "$(lv_sock)"
vnetd_start || e2e_fatal "vnetd restarts"
e2e_run virsh_rw net-list --all --name
expect_match "the restarted vnetd serves the stale path" "^default$" "$E2E_OUT"

# --no-libvirt-sockets
vnetd_stop TERM
expect_false "a clean exit removes the socket" test -e "$(lv_sock)"
vnetd_start --no-libvirt-sockets || e2e_fatal "vnetd starts without libvirt sockets"
expect_false "no libvirt socket with --no-libvirt-sockets" test -e "$(lv_sock)"

# --libvirt-group opens the read-write socket to a group
vnetd_stop TERM
vnetd_start --libvirt-group nogroup || e2e_fatal "vnetd starts with --libvirt-group"
expect_eq "the read-write socket belongs to the group, mode 0660" "root:nogroup 660" \
    "$(stat -c '%U:%G %a' "$(lv_sock)")"
vnetd_stop TERM
e2e_run ip netns exec "$HOST_NS" "$VNETD_BIN" --root "$ROOT" --libvirt-group no-such-group-x
expect_eq "an unknown group stops vnetd (status 1)" 1 "$E2E_RC"
expect_match "saying which" "--libvirt-group: no group named 'no-such-group-x'" "$E2E_OUT"
e2e_done
