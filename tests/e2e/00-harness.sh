#!/usr/bin/env bash
# Harness self-check, independent of vnet: in this run's namespaces, a bridge + dnsmasq + NAT
# made by hand stand in for a network, and the harness's own pieces are exercised: guests
# plugged by veth, leases with dhclient and udhcpc (own scripts), DNS for a DHCP hostname,
# a NAT'd TCP connection to the upstream namespace, inbound connections refused.
. "$(dirname "$0")/lib.sh"
e2e_init

e2e_topology || e2e_fatal "namespaces and uplink are set up"
e2e_pass "namespaces and uplink are set up"

# A hand-made stand-in for the default network (test setup only: ip/nft in our host ns).
ip -n "$HOST_NS" link add br0 type bridge stp_state 0 forward_delay 0
ip -n "$HOST_NS" addr add "$DEFAULT_GW/24" dev br0
ip -n "$HOST_NS" link set br0 up
ip netns exec "$HOST_NS" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$HOST_NS" nft -f - <<NFT
table ip e2e-harness {
    chain nat_out { type nat hook postrouting priority srcnat; ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 masquerade; }
    chain filter_fwd { type filter hook forward priority filter; policy drop;
        ct state established,related accept
        iifname "br0" ip saddr 192.168.122.0/24 accept; }
}
NFT
[ $? -eq 0 ] || e2e_fatal "hand-made NAT rules load"
e2e_bg ip netns exec "$HOST_NS" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
    --no-hosts --interface=br0 --except-interface=lo --bind-dynamic --no-ping \
    --dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0 --dhcp-authoritative \
    --dhcp-leasefile="$E2E_TMP/harness.leases" --log-facility="$E2E_TMP/log/dnsmasq.log"
DNSMASQ_PID=$E2E_BG_PID
expect_true "dnsmasq listens on the bridge" wait_for 10 \
    sh -c "ip netns exec $HOST_NS ss -Hlun 'sport = :67' | grep -q ."

guest_add g1 br0 || e2e_fatal "guest g1 plugged"
guest_add g2 br0 || e2e_fatal "guest g2 plugged"
ip1=$(dhcp_dhclient g1 e2e-dhc)
expect_match "dhclient gets a lease in 192.168.122.0/24" '^192\.168\.122\.[0-9]+$' "$ip1"
ip2=$(dhcp_udhcpc g2 e2e-udh)
expect_match "udhcpc gets a lease in 192.168.122.0/24" '^192\.168\.122\.[0-9]+$' "$ip2"
expect_match "dhclient set the default route" "default via $DEFAULT_GW" \
    "$(ip -n "$(guest_ns g1)" route show default)"
expect_match "udhcpc set the default route" "default via $DEFAULT_GW" \
    "$(ip -n "$(guest_ns g2)" route show default)"
expect_eq "DNS resolves the dhclient guest's hostname" "$ip1" "$(dig_a g2 e2e-dhc $DEFAULT_GW)"
expect_eq "DNS resolves the udhcpc guest's hostname" "$ip2" "$(dig_a g1 e2e-udh $DEFAULT_GW)"

upstream_server 7000 || e2e_fatal "upstream TCP server listens"
expect_eq "upstream sees the host's uplink address (NAT)" "$UPLINK_HOST" "$(guest_ask g1 $UPLINK_UP 7000)"

line_server 7001 || e2e_fatal "upstream line server listens"
conn_open "$(guest_ns g1)" "$UPLINK_UP" 7001
conn_say one
expect_eq "long-lived connection: first line" "$UPLINK_HOST one" "$CONN_REPLY"
conn_say two
expect_eq "long-lived connection: second line" "$UPLINK_HOST two" "$CONN_REPLY"
expect_eq "one-shot line client" "$UPLINK_HOST three" "$(line_ask "$(guest_ns g2)" $UPLINK_UP 7001 three)"

tcp_server "$(guest_ns g1)" 7002 'echo guest' || e2e_fatal "guest TCP server listens"
expect_eq "the guest server answers on the bridge" "guest" "$(tcp_ask "$HOST_NS" "$ip1" 7002)"
ip -n "$UP_NS" route add 192.168.122.0/24 via "$UPLINK_HOST"
expect_fail "upstream cannot connect to the guest" tcp_ask "$UP_NS" "$ip1" 7002

stop_pid "$DNSMASQ_PID"
expect_true "dnsmasq ended by pid" pid_dead "$DNSMASQ_PID"
e2e_done
