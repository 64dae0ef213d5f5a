#!/usr/bin/env bash
# Scenario 15: --coexist=firewalld. An inet firewalld-like table rejects the guests' DHCP, DNS
# and outgoing traffic; a stand-in firewalld (tests/e2e/fake-firewalld.py, its D-Bus API on a
# private bus) binds interfaces to zones as firewalld does. vnetd --coexist=firewalld creates
# the "vnet" zone over D-Bus and puts the bridge into it: guests get leases and NAT. After a
# firewalld restart (its rules re-created, runtime bindings lost) vnetd binds the bridge again;
# destroy takes it out of the zone.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_check_binaries
e2e_topology || e2e_fatal "namespaces and uplink are set up"
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import dbus, gi' 2>/dev/null ||
    e2e_fatal "python3-dbus and python3-gi are installed (scripts/install-deps.sh)"

BUS=$E2E_TMP/system_bus_socket
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$BUS
e2e_bg dbus-daemon --config-file=/usr/share/dbus-1/session.conf --address="$DBUS_SYSTEM_BUS_ADDRESS" --nofork --nopidfile
wait_for 10 test -S "$BUS" || e2e_fatal "a private D-Bus bus runs"

cat >"$E2E_TMP/firewalld.nft" <<'NFT'
table inet firewalld {
  chain filter_INPUT {
    type filter hook input priority filter + 10; policy accept;
    ct state { established, related } accept
    iifname "lo" accept
    jump filter_INPUT_ZONES
    reject with icmpx admin-prohibited
  }
  chain filter_FORWARD {
    type filter hook forward priority filter + 10; policy accept;
    ct state { established, related } accept
    jump filter_FORWARD_ZONES
    reject with icmpx admin-prohibited
  }
  chain filter_INPUT_ZONES { goto filter_IN_public; }
  chain filter_IN_public { tcp dport 22 accept; }
  chain filter_FORWARD_ZONES { goto filter_FWD_public; }
  chain filter_FWD_public { }
}
NFT
FWD_PID=""
firewalld_start() { # (re)start: its table from scratch, then the D-Bus service
    [ -z "$FWD_PID" ] || stop_pid "$FWD_PID"
    ip netns exec "$HOST_NS" nft delete table inet firewalld 2>/dev/null
    ip netns exec "$HOST_NS" nft -f "$E2E_TMP/firewalld.nft" || return 1
    e2e_bg ip netns exec "$HOST_NS" /usr/bin/python3 "$E2E_DIR/fake-firewalld.py" "$E2E_TMP/fwd-zones.json"
    FWD_PID=$E2E_BG_PID
    wait_for 10 bus_has_firewalld
}
# (python3-dbus as the D-Bus client: no systemd tools needed)
bus_py() { /usr/bin/python3 -c "import dbus, os, sys; b = dbus.bus.BusConnection(os.environ['DBUS_SYSTEM_BUS_ADDRESS']); $1" "${@:2}"; }
bus_has_firewalld() { bus_py "sys.exit(0 if b.name_has_owner('org.fedoraproject.FirewallD1') else 1)"; }
zone_of() {
    bus_py "print(b.get_object('org.fedoraproject.FirewallD1', '/org/fedoraproject/FirewallD1').getZoneOfInterface(sys.argv[1], dbus_interface='org.fedoraproject.FirewallD1.zone'))" "$1"
}
in_vnet_zone() { [ "$(zone_of virbr0)" = vnet ]; }
findings_none() { vnet info default 2>/dev/null | grep -q '^Findings: *none$'; }

firewalld_start || e2e_fatal "the stand-in firewalld runs with its table"
vnetd_start --coexist=firewalld || e2e_fatal "vnetd --coexist=firewalld starts"
e2e_pass "vnetd --coexist=firewalld starts"
net_wait_active default || e2e_fatal "default network is active"
expect_true "vnetd puts virbr0 into firewalld's zone 'vnet'" wait_for 5 in_vnet_zone
expect_true "it created the zone through the config API" grep -q '"vnet": {"target": "ACCEPT"}' "$E2E_TMP/fwd-zones.json"
expect_true "no findings remain" wait_for 5 findings_none
expect_true "an event says what was done" sh -c "grep -q \"bridge virbr0 put into firewalld's zone 'vnet' (--coexist=firewalld)\" '$VNETD_LOG'"

upstream_server 7000 || e2e_fatal "upstream TCP server listens"
guest_add g1 virbr0 || e2e_fatal "guest g1 plugged"
ip1=$(dhcp_udhcpc g1 fwd-g1)
expect_match "a guest gets a lease through firewalld" '^192\.168\.122\.' "$ip1"
expect_eq "and NAT to the upstream" "$UPLINK_HOST" "$(guest_ask g1 $UPLINK_UP 7000)"
expect_eq "and DNS" "$ip1" "$(dig_a g1 fwd-g1 $DEFAULT_GW)"

# firewalld restarts: its table is re-created and the runtime binding is gone
firewalld_start || e2e_fatal "the stand-in firewalld restarts"
expect_true "after a firewalld restart virbr0 is put back into 'vnet'" wait_for 5 in_vnet_zone
expect_true "no findings" wait_for 5 findings_none
expect_eq "NAT works after the restart" "$UPLINK_HOST" "$(guest_ask g1 $UPLINK_UP 7000)"

expect_ok "destroy default" vnet destroy default
expect_eq "destroy takes virbr0 out of the zone" "" "$(zone_of virbr0)"
e2e_done
