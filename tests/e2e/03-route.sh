#!/usr/bin/env bash
# Scenario 3: a routed network. Guests keep their own addresses: the upstream sees the guest's
# address, and (with a route back via the host) can connect to the guest.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start

net_define_start e2eroute "$(net_xml e2eroute vt-rt0 192.168.153 route)" ||
    e2e_fatal "network e2eroute is up"
expect_true "table inet vnet-vt-rt0 exists" table_exists vt-rt0
guest_add r1 vt-rt0 || e2e_fatal "guest r1 plugged"
ip1=$(dhcp_udhcpc r1 e2e-r1)
expect_match "guest gets a lease in 192.168.153.100-199" '^192\.168\.153\.1[0-9][0-9]$' "$ip1"

ip -n "$UP_NS" route add 192.168.153.0/24 via "$UPLINK_HOST"
upstream_server 7000 || e2e_fatal "upstream TCP server listens"
expect_eq "upstream sees the guest's own address" "$ip1" "$(guest_ask r1 $UPLINK_UP 7000)"

tcp_server "$(guest_ns r1)" 7002 'echo guest' || e2e_fatal "guest TCP server listens"
expect_eq "upstream reaches the guest over the route back" guest "$(tcp_ask "$UP_NS" "$ip1" 7002)"

# the default NAT network next to it is unaffected
guest_add g1 virbr0 || e2e_fatal "guest g1 plugged into virbr0"
ip2=$(dhcp_udhcpc g1)
expect_match "a guest on default still gets a lease" '^192\.168\.122\.' "$ip2"
expect_eq "and is still masqueraded" "$UPLINK_HOST" "$(guest_ask g1 $UPLINK_UP 7000)"
e2e_done
