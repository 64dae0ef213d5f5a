#!/usr/bin/env bash
# Scenario 1: the default NAT network. vnetd on an empty root brings the built-in `default`
# network up by itself; guests get leases (dhclient and udhcpc), DNS answers for their DHCP
# host names, TCP to the upstream is masqueraded behind the uplink address, and the upstream
# cannot connect in. Then a second network with a <dns><host> entry goes through the explicit
# define + start flow.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start

expect_true "built-in default network is active on an empty root" net_wait_active default
expect_eq "default's bridge is virbr0" virbr0 "$(net_bridge default)"
expect_match "virbr0 has 192.168.122.1/24 in the host namespace" "inet $DEFAULT_GW/24" \
    "$(ip -n "$HOST_NS" -4 addr show dev virbr0 2>&1)"
e2e_run vnet list
expect_match "vnet list shows default active and autostarted" '^ *default +active +yes +yes *$' "$E2E_OUT"
expect_true "default's definition was saved" test -f "$ROOT/etc/vnet/networks/default.xml"

guest_add g1 virbr0 || e2e_fatal "guest g1 plugged into virbr0"
guest_add g2 virbr0 || e2e_fatal "guest g2 plugged into virbr0"
ip1=$(dhcp_dhclient g1 e2e-dhc)
expect_match "dhclient guest gets a lease in 192.168.122.2-254" '^192\.168\.122\.([2-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-4])$' "$ip1"
ip2=$(dhcp_udhcpc g2 e2e-udh)
expect_match "udhcpc guest gets a lease in 192.168.122.2-254" '^192\.168\.122\.([2-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-4])$' "$ip2"
expect_match "the lease gives the default route via 192.168.122.1" "default via $DEFAULT_GW" \
    "$(ip -n "$(guest_ns g2)" route show default)"

expect_eq "DNS at 192.168.122.1 resolves the dhclient guest's name" "$ip1" "$(dig_a g2 e2e-dhc $DEFAULT_GW)"
expect_eq "DNS at 192.168.122.1 resolves the udhcpc guest's name" "$ip2" "$(dig_a g1 e2e-udh $DEFAULT_GW)"

upstream_server 7000 || e2e_fatal "upstream TCP server listens"
expect_eq "guest g1 -> upstream: source is the host's uplink address" "$UPLINK_HOST" \
    "$(guest_ask g1 $UPLINK_UP 7000)"
expect_eq "guest g2 -> upstream: source is the host's uplink address" "$UPLINK_HOST" \
    "$(guest_ask g2 $UPLINK_UP 7000)"

tcp_server "$(guest_ns g1)" 7002 'echo guest' || e2e_fatal "guest TCP server listens"
expect_eq "guest g2 reaches guest g1 on the bridge" guest "$(guest_ask g2 "$ip1" 7002)"
ip -n "$UP_NS" route add 192.168.122.0/24 via "$UPLINK_HOST"
expect_fail "upstream cannot connect to a guest, even with a route via the host" \
    tcp_ask "$UP_NS" "$ip1" 7002

# A second network, defined then started explicitly, with a static DNS host entry.
xml=$(net_xml e2edns vt-dns0 192.168.151 nat \
    "<dns><host ip='192.168.151.77'><hostname>static-name</hostname></host></dns>")
f=$(net_xml_file e2edns "$xml")
expect_ok "define e2edns" vnet define "$f"
expect_eq "define prints virsh's message" "Network e2edns defined from $f" "$E2E_OUT"
expect_false "a defined network is not active" net_active e2edns
expect_ok "start e2edns" vnet start e2edns
expect_eq "start prints virsh's message" "Network e2edns started" "$E2E_OUT"
expect_true "e2edns is active" net_active e2edns
expect_true "bridge vt-dns0 exists" link_exists vt-dns0
expect_true "table inet vnet-vt-dns0 exists" table_exists vt-dns0
e2e_run vnet list
expect_match "vnet list shows e2edns active, not autostarted" '^ *e2edns +active +no +yes *$' "$E2E_OUT"
guest_add g3 vt-dns0 || e2e_fatal "guest g3 plugged into vt-dns0"
ip3=$(dhcp_udhcpc g3 e2e-g3)
expect_match "guest on e2edns gets a lease in its range" '^192\.168\.151\.1[0-9][0-9]$' "$ip3"
expect_eq "DNS at 192.168.151.1 answers the <dns><host> entry" 192.168.151.77 \
    "$(dig_a g3 static-name 192.168.151.1)"
expect_eq "DNS at 192.168.151.1 resolves the guest's DHCP name" "$ip3" "$(dig_a g3 e2e-g3 192.168.151.1)"
expect_eq "guest on e2edns -> upstream: source is the uplink address" "$UPLINK_HOST" \
    "$(guest_ask g3 $UPLINK_UP 7000)"
e2e_done
