#!/usr/bin/env bash
# Scenario 4: an isolated network (no <forward>). Two guests get leases and reach each other
# and the network's DNS; neither reaches the upstream, nor the upstream them, even with
# forwarding on in the host and routes both ways.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start

net_define_start e2eiso "$(net_xml e2eiso vt-iso0 192.168.154 none)" || e2e_fatal "network e2eiso is up"
guest_add i1 vt-iso0 || e2e_fatal "guest i1 plugged"
guest_add i2 vt-iso0 || e2e_fatal "guest i2 plugged"
ip1=$(dhcp_dhclient i1 e2e-i1)
expect_match "dhclient guest gets a lease" '^192\.168\.154\.1[0-9][0-9]$' "$ip1"
ip2=$(dhcp_udhcpc i2 e2e-i2)
expect_match "udhcpc guest gets a lease" '^192\.168\.154\.1[0-9][0-9]$' "$ip2"
expect_eq "DNS at 192.168.154.1 resolves a guest's name" "$ip1" "$(dig_a i2 e2e-i1 192.168.154.1)"

tcp_server "$(guest_ns i1)" 7002 'echo i1' || e2e_fatal "TCP server in i1"
tcp_server "$(guest_ns i2)" 7002 'echo i2' || e2e_fatal "TCP server in i2"
expect_eq "i2 reaches i1" i1 "$(guest_ask i2 "$ip1" 7002)"
expect_eq "i1 reaches i2" i2 "$(guest_ask i1 "$ip2" 7002)"

# Make escaping possible if the firewall did not stop it: routes both ways, forwarding on.
for g in i1 i2; do
    ip -n "$(guest_ns "$g")" route replace default via 192.168.154.1 dev eth0
done
ip netns exec "$HOST_NS" sysctl -qw net.ipv4.ip_forward=1
ip -n "$UP_NS" route add 192.168.154.0/24 via "$UPLINK_HOST"
upstream_server 7000 || e2e_fatal "upstream TCP server listens"
expect_fail "i1 cannot reach the upstream" guest_ask i1 $UPLINK_UP 7000
expect_fail "i2 cannot reach the upstream" guest_ask i2 $UPLINK_UP 7000
expect_fail "the upstream cannot reach i1" tcp_ask "$UP_NS" "$ip1" 7002
e2e_done
