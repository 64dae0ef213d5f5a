#!/usr/bin/env bash
# Scenario 11: drift. While vnetd runs, other programs undo parts of an active network:
# flush the whole nftables ruleset, delete the network's table, kill its dnsmasq, delete or
# down its bridge. vnetd sees each through events (nftables and rtnetlink multicast, pidfd)
# and restores it; guests get their NAT, DHCP and DNS back without anyone touching vnet.
# Also: a destroyed network's bridge, deleted in the background, really goes away.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start
net_wait_active default || e2e_fatal "default network is active"

rule_count() { ip netns exec "$HOST_NS" nft list table inet vnet-virbr0 2>/dev/null | grep -c masquerade; }
masq_rules_back() { [ "$(rule_count)" -ge 2 ]; }
dnsmasq_restarted() { # OLD-PID: a different, live dnsmasq runs for default
    local p
    p=$(dnsmasq_pid_of default) && [ "$p" != "$1" ]
}
bridge_addressed() { ip -n "$HOST_NS" -4 addr show dev virbr0 2>/dev/null | grep -q "inet $DEFAULT_GW/24"; }
bridge_up() { ip -n "$HOST_NS" -o link show dev virbr0 2>/dev/null | grep -q '<[^>]*\bUP\b'; }
no_gc_links() { ! ip -n "$HOST_NS" -o link show | grep -q 'vnetgc'; }

upstream_server 7000 || e2e_fatal "upstream TCP server listens"
guest_add g1 virbr0 || e2e_fatal "guest g1 plugged"
ip1=$(dhcp_udhcpc g1 drift-g1)
expect_match "guest g1 gets a lease" '^192\.168\.122\.' "$ip1"
expect_eq "NAT works before any drift" "$UPLINK_HOST" "$(guest_ask g1 $UPLINK_UP 7000)"

# 1. Someone flushes the whole ruleset (as `nft flush ruleset` in a firewall script does).
expect_true "masquerade rules are installed" masq_rules_back
ip netns exec "$HOST_NS" nft flush ruleset
expect_true "after 'nft flush ruleset' vnetd restores the table" wait_for 5 masq_rules_back
expect_eq "NAT works again after the flush" "$UPLINK_HOST" "$(guest_ask g1 $UPLINK_UP 7000)"

# 2. Someone deletes just our table.
ip netns exec "$HOST_NS" nft delete table inet vnet-virbr0
expect_true "after 'nft delete table' vnetd restores it" wait_for 5 masq_rules_back
expect_eq "NAT works again after the delete" "$UPLINK_HOST" "$(guest_ask g1 $UPLINK_UP 7000)"

# 3. dnsmasq dies.
old=$(dnsmasq_pid_of default)
expect_match "a dnsmasq serves default" '^[0-9]+$' "$old"
kill -KILL "$old"
expect_true "a new dnsmasq is started for default" wait_for 5 dnsmasq_restarted "$old"
guest_add g2 virbr0 || e2e_fatal "guest g2 plugged"
ip2=$(dhcp_udhcpc g2 drift-g2)
expect_match "a new guest gets a lease from the new dnsmasq" '^192\.168\.122\.' "$ip2"
expect_eq "DNS answers for the new guest" "$ip2" "$(dig_a g2 drift-g2 $DEFAULT_GW)"

# 3b. Someone removes the bridge's address, or its subnet route (rtnetlink address and
# route events; no waiting for the periodic check).
subnet_route() { ip -n "$HOST_NS" -4 route show dev virbr0 2>/dev/null | grep -q "^192\.168\.122\.0/24"; }
ip -n "$HOST_NS" addr del "$DEFAULT_GW/24" dev virbr0
expect_true "a removed bridge address is put back" wait_for 5 bridge_addressed
expect_true "with its subnet route" wait_for 5 subnet_route
ip -n "$HOST_NS" route del 192.168.122.0/24 dev virbr0
expect_true "a removed subnet route is put back" wait_for 5 subnet_route
expect_eq "NAT works after the address drift" "$UPLINK_HOST" "$(guest_ask g2 $UPLINK_UP 7000)"

# 4. The bridge is set down, then deleted.
ip -n "$HOST_NS" link set virbr0 down
expect_true "a bridge set down is brought up again" wait_for 5 bridge_up
# a port taken off the bridge on purpose (well before the deletion) stays off
guest_add g4 virbr0 || e2e_fatal "guest g4 plugged"
ip -n "$HOST_NS" link set ve-g4 nomaster
wait_for 3 false
ip -n "$HOST_NS" link del virbr0
expect_true "a deleted bridge is re-created" wait_for 5 link_exists virbr0
expect_true "with its address" wait_for 5 bridge_addressed
expect_true "and up" wait_for 5 bridge_up
port_on_bridge() { ip -n "$HOST_NS" -o link show dev "$1" 2>/dev/null | grep -q "master virbr0"; }
expect_true "guest g1's port is back on the re-created bridge" wait_for 5 port_on_bridge ve-g1
expect_true "and guest g2's" wait_for 5 port_on_bridge ve-g2
expect_false "a port taken off on purpose before is not put back" port_on_bridge ve-g4
expect_eq "guest g1, plugged before, reaches the upstream again" "$UPLINK_HOST" "$(guest_ask g1 $UPLINK_UP 7000)"
guest_add g3 virbr0 || e2e_fatal "guest g3 plugged into the new bridge"
ip3=$(dhcp_udhcpc g3 drift-g3)
expect_match "a guest on the re-created bridge gets a lease" '^192\.168\.122\.' "$ip3"
expect_eq "and NAT to the upstream" "$UPLINK_HOST" "$(guest_ask g3 $UPLINK_UP 7000)"
e2e_run vnet list
expect_match "default is still listed active" '^ *default +active +yes +yes *$' "$E2E_OUT"

# 5. Destroy hands the bridge to a background deletion: its name is free at once and the
# device itself is gone shortly after.
expect_ok "destroy default" vnet destroy default
expect_false "virbr0 is gone as soon as destroy returns" link_exists virbr0
expect_true "the renamed bridge is deleted in the background" wait_for 5 no_gc_links
expect_ok "start default again at once" vnet start default
expect_true "virbr0 is back" link_exists virbr0
e2e_done
