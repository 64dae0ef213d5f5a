#!/usr/bin/env bash
# Scenario 9: start refuses, with a clear error and nothing left behind, when the subnet is
# already on an interface, when the bridge name belongs to a foreign device, and when dnsmasq
# is missing.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start
net_wait_active default || e2e_fatal "default network is active"

# nothing_left NAME BRIDGE: no bridge, no table, no dnsmasq, no status; still inactive
nothing_left() {
    local name=$1 br=$2
    expect_false "$name: no link $br was created" link_exists "$br"
    expect_false "$name: no table vnet-$br" table_exists "$br"
    expect_eq "$name: no dnsmasq runs for it" "" "$(dnsmasq_pid_of "$name")"
    expect_eq "$name: only its definition is on disk" "$ROOT/etc/vnet/networks/$name.xml" "$(files_of "$name")"
    expect_false "$name: is inactive" net_active "$name"
}

# subnet already on an interface of the host
# (no dummy driver on every kernel: a veth pair stands in for a foreign device)
ip -n "$HOST_NS" link add vt-dum0 type veth peer name vt-dum0p &&
    ip -n "$HOST_NS" addr add 192.168.170.1/24 dev vt-dum0 &&
    ip -n "$HOST_NS" link set vt-dum0 up || e2e_fatal "setup: 192.168.170.1/24 on a veth vt-dum0"
f=$(net_xml_file e2eclash "$(net_xml e2eclash vt-cl0 192.168.170 nat)")
expect_ok "define e2eclash (subnet on vt-dum0)" vnet define "$f"
expect_rc "start e2eclash exits 1" 1 vnet start e2eclash
expect_match "the error says the subnet is already in use" "^error: .*e2eclash.*already in use" "$E2E_OUT"
nothing_left e2eclash vt-cl0

f=$(net_xml_file e2eclash2 "$(net_xml e2eclash2 vt-cl1 192.168.122 nat)")
expect_ok "define e2eclash2 (default's subnet)" vnet define "$f"
expect_rc "start e2eclash2 exits 1" 1 vnet start e2eclash2
expect_match "the error says the subnet is already in use" "^error: .*e2eclash2.*already in use" "$E2E_OUT"
nothing_left e2eclash2 vt-cl1
expect_true "default is still active" net_active default
expect_match "virbr0 keeps its address" "inet $DEFAULT_GW/24" "$(ip -n "$HOST_NS" -4 addr show dev virbr0)"

# bridge name taken by a foreign (non-bridge) device
ip -n "$HOST_NS" link add vt-taken0 type veth peer name vt-taken0p ||
    e2e_fatal "setup: a veth named vt-taken0"
f=$(net_xml_file e2etaken "$(net_xml e2etaken vt-taken0 192.168.171 nat)")
expect_ok "define e2etaken (bridge name of a veth)" vnet define "$f"
expect_rc "start e2etaken exits 1" 1 vnet start e2etaken
expect_match "the error names the device" "^error: .*e2etaken.*vt-taken0" "$E2E_OUT"
e2e_log "message: $E2E_OUT"
expect_match "the foreign device is untouched (still a veth)" "veth" "$(ip -n "$HOST_NS" -d link show dev vt-taken0 2>&1)"
expect_no_match "the foreign device got no address" "192\.168\.171" "$(ip -n "$HOST_NS" addr show dev vt-taken0 2>&1)"
expect_false "no table vnet-vt-taken0" table_exists vt-taken0
expect_eq "e2etaken: no dnsmasq runs for it" "" "$(dnsmasq_pid_of e2etaken)"
expect_false "e2etaken is inactive" net_active e2etaken

# bridge name taken by a bridge vnet did not create
ip -n "$HOST_NS" link add vt-frgn0 type bridge || e2e_fatal "setup: a foreign bridge vt-frgn0"
f=$(net_xml_file e2efrgn "$(net_xml e2efrgn vt-frgn0 192.168.173 nat)")
expect_ok "define e2efrgn (bridge name of a foreign bridge)" vnet define "$f"
expect_rc "start e2efrgn exits 1" 1 vnet start e2efrgn
expect_match "the error names the bridge" "^error: .*e2efrgn.*vt-frgn0" "$E2E_OUT"
e2e_log "message: $E2E_OUT"
expect_true "the foreign bridge still exists" link_exists vt-frgn0
expect_no_match "the foreign bridge got no address" "192\.168\.173" "$(ip -n "$HOST_NS" addr show dev vt-frgn0 2>&1)"
expect_false "no table vnet-vt-frgn0" table_exists vt-frgn0
expect_false "e2efrgn is inactive" net_active e2efrgn

# dnsmasq missing
vnetd_stop TERM
vnetd_start --dnsmasq /nonexistent/dnsmasq || e2e_fatal "vnetd starts with --dnsmasq /nonexistent/dnsmasq"
e2e_pass "vnetd starts with --dnsmasq /nonexistent/dnsmasq"
f=$(net_xml_file e2enodns "$(net_xml e2enodns vt-nd0 192.168.172 nat)")
expect_ok "define e2enodns" vnet define "$f"
expect_rc "start e2enodns exits 1" 1 vnet start e2enodns
expect_match "the error is about dnsmasq" "^error: .*e2enodns.*dnsmasq" "$E2E_OUT"
e2e_log "message: $E2E_OUT"
nothing_left e2enodns vt-nd0
expect_true "default is still active" net_active default
e2e_done
