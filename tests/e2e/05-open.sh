#!/usr/bin/env bash
# Scenario 5: an open network installs no firewall rules at all; DHCP and DNS still work.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start

net_define_start e2eopen "$(net_xml e2eopen vt-open0 192.168.155 open)" || e2e_fatal "network e2eopen is up"
tables=$(host_tables)
expect_no_match "no table of ours for the open network" 'vnet-vt-open0' "$tables"
guest_add o1 vt-open0 || e2e_fatal "guest o1 plugged"
ip1=$(dhcp_udhcpc o1 e2e-o1)
expect_match "guest on the open network gets a lease" '^192\.168\.155\.1[0-9][0-9]$' "$ip1"
expect_eq "DNS at 192.168.155.1 resolves the guest's name" "$ip1" "$(dig_a o1 e2e-o1 192.168.155.1)"

expect_ok "destroy default" vnet destroy default
e2e_run host_tables
expect_no_match "with only the open network active, no vnet- table at all" 'vnet-' "$E2E_OUT"
e2e_run ip netns exec "$HOST_NS" nft list ruleset
expect_no_match "nft list ruleset shows nothing of ours" 'vnet' "$E2E_OUT"
e2e_done
