#!/usr/bin/env bash
# Scenario 16: one rule per concept (issue 8). Bridge names follow the kernel's rule, and
# the firewall quotes them rather than refusing them: a bridge starting with a digit (`1br`,
# lago's `5d3a-lago-mg`) or holding characters nft identifiers cannot (`v@n+1`) starts,
# gets its rules, stops and leaves nothing behind, and vnetd keeps running. A port forward
# is judged by the same rule at forward-add as at define: one to the network's own address
# is refused and nothing is saved, so the next vnetd start still knows the network.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start
net_wait_active default || e2e_fatal "default network is active"

# vnet_tables: names of the vnet tables in the host namespace, one per line
vnet_tables() { host_tables | awk '$1 == "table" && $2 == "inet" && $3 ~ /^vnet[-_]/ { print $3 }' | sort; }
tables_before=$(vnet_tables)

# name_cycle NAME BRIDGE NET3 TABLE: define, start, check the bridge, its address, its table
# and its rules; destroy, check everything is gone; undefine.
name_cycle() {
    local name=$1 br=$2 net=$3 table=$4 f
    f=$(net_xml_file "$name" "$(net_xml "$name" "$br" "$net" nat)")
    expect_ok "define $name (bridge '$br')" vnet define "$f" || return 1
    expect_ok "start $name (bridge '$br')" vnet start "$name"
    expect_true "vnetd is still running after starting $name" pid_alive "$VNETD_PID"
    expect_true "$name is active" net_active "$name"
    expect_true "bridge '$br' exists" link_exists "$br"
    expect_match "bridge '$br' has $net.1/24" "inet $net.1/24" "$(ip -n "$HOST_NS" -4 addr show dev "$br" 2>&1)"
    e2e_run ip netns exec "$HOST_NS" nft list table inet "$table"
    expect_eq "table $table exists" 0 "$E2E_RC"
    expect_match "its rules name the bridge, quoted" "iifname \"$(sed 's/[+.]/\\&/g' <<<"$br")\"" "$E2E_OUT"
    expect_ok "destroy $name" vnet destroy "$name"
    expect_true "vnetd is still running after destroying $name" pid_alive "$VNETD_PID"
    expect_false "bridge '$br' is gone" link_exists "$br"
    expect_eq "no vnet table is left for $name" "$tables_before" "$(vnet_tables)"
    expect_ok "start $name again" vnet start "$name"
    expect_ok "destroy $name again" vnet destroy "$name"
    expect_eq "no vnet table is left for $name after the second stop" "$tables_before" "$(vnet_tables)"
    expect_ok "undefine $name" vnet undefine "$name"
}

name_cycle digits 1br 192.168.181 vnet-1br
name_cycle lago 5d3a-lago-mg 192.168.182 vnet-5d3a-lago-mg
name_cycle odd 'v@n+1' 192.168.183 vnet_v_40n_2b1

# a table with an escaped name is adopted after a restart and repaired when deleted
odd_table=vnet_v_40n_2b2
odd_table_exists() { ip netns exec "$HOST_NS" nft list table inet "$odd_table" >/dev/null 2>&1; }
f=$(net_xml_file odd2 "$(net_xml odd2 'v@n+2' 192.168.186 nat)")
expect_ok "define odd2 (bridge 'v@n+2')" vnet define "$f"
expect_ok "start odd2" vnet start odd2
vnetd_stop
vnetd_start || e2e_fatal "vnetd starts again"
expect_true "after a restart odd2 is still active" net_active odd2
expect_true "and its table $odd_table is there" odd_table_exists
ip netns exec "$HOST_NS" nft delete table inet "$odd_table"
expect_true "after 'nft delete table $odd_table' vnetd restores it" wait_for 10 odd_table_exists
expect_ok "destroy odd2" vnet destroy odd2
expect_false "its table is gone" odd_table_exists
expect_ok "undefine odd2" vnet undefine odd2

f=$(net_xml_file colon "$(net_xml colon 'br:1' 192.168.184 nat)")
expect_fail "define refuses a bridge name with ':' (the kernel's rule)" vnet define "$f"
expect_match "the error names the bridge element" "<bridge> attribute 'name'" "$E2E_OUT"

# ---------------------------------------------------------- forward-add to the gateway
f=$(net_xml_file pfgw "$(net_xml pfgw vt-pfgw0 192.168.185 nat)")
expect_ok "define pfgw" vnet define "$f"
expect_ok "start pfgw" vnet start pfgw
saved=$(cat "$ROOT/etc/vnet/networks/pfgw.xml")
expect_fail "forward-add to the bridge's own address is refused" \
    vnet forward-add pfgw --proto tcp --port 8080 --to 192.168.185.1:80
expect_match "the error says why" "192\.168\.185\.1 is the network's own address" "$E2E_OUT"
expect_eq "the saved definition is unchanged" "$saved" "$(cat "$ROOT/etc/vnet/networks/pfgw.xml")"
e2e_run vnet forward-list pfgw
expect_no_match "forward-list shows no forward to the gateway" "192\.168\.185\.1" "$E2E_OUT"
expect_ok "a forward to a guest is still accepted" \
    vnet forward-add pfgw --proto tcp --port 8082 --to 192.168.185.10:80

vnetd_stop
vnetd_start || e2e_fatal "vnetd starts again"
expect_true "after a restart pfgw is still known and active" net_active pfgw
e2e_run vnet forward-list pfgw
expect_match "and keeps its good forward" "192\.168\.185\.10" "$E2E_OUT"
expect_ok "destroy pfgw" vnet destroy pfgw
expect_ok "undefine pfgw" vnet undefine pfgw
expect_eq "no vnet table is left" "$tables_before" "$(vnet_tables)"

e2e_done
