#!/usr/bin/env bash
# Scenario 20: values dnsmasq's config reader would misread. A network whose name holds ' #',
# '"' and ',' starts, its dnsmasq serves DHCP with the lease and pid files named in full, and
# destroy leaves nothing behind; a TXT value with ' #' and '"' is served whole; a name starting
# with '-' works from the CLI after '--'; an ISO-8859-1 definition is defined as written; bad
# subnets and a range holding the gateway are refused at define.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start
net_wait_active default || e2e_fatal "default network is active"

name='lab #1 "x",y'
f=$E2E_TMP/specials.xml
cat >"$f" <<XML
<network>
  <name>lab #1 &quot;x&quot;,y</name>
  <forward mode='nat'/>
  <bridge name='vt-spec0'/>
  <dns>
    <txt name='info' value='a #comment, "quoted"'/>
  </dns>
  <ip address='192.168.171.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.171.100' end='192.168.171.199'/></dhcp>
  </ip>
</network>
XML
expect_ok "define a network named '$name'" vnet define "$f"
expect_ok "start it" vnet start "$name"
expect_true "its dnsmasq runs" test -n "$(dnsmasq_pid_of "$name")"
expect_true "the pid file has the full name" test -s "$ROOT/run/vnet/$name.pid"
guest_add s1 vt-spec0 || e2e_fatal "guest s1 plugged"
ip=$(dhcp_udhcpc s1 spec-s1)
expect_match "a guest gets a lease" '^192\.168\.171\.' "$ip"
expect_true "the lease file has the full name" test -s "$ROOT/var/lib/vnet/dnsmasq/$name.leases"
txt=$(ip netns exec "$(guest_ns s1)" dig @192.168.171.1 info TXT +short +time=1 +tries=2)
expect_eq "the TXT record is served whole" '"a #comment, \"quoted\""' "$txt"
expect_eq "no stray files cut at ' #'" "" "$(find "$ROOT" -name 'lab.*' -o -name 'lab')"
expect_ok "destroy it" vnet destroy "$name"
expect_eq "its dnsmasq is gone" "" "$(dnsmasq_pid_of "$name")"
expect_ok "undefine it" vnet undefine "$name"

f2=$E2E_TMP/dash.xml
net_xml -dash vt-dash0 192.168.172 none >"$f2"
expect_ok "define a network named '-dash'" vnet define "$f2"
expect_fail "start -dash is taken for an option" vnet start -dash
expect_ok "start -- -dash" vnet start -- -dash
e2e_run vnet info -- -dash
expect_match "-dash is active" '^Active: +yes' "$E2E_OUT"
expect_ok "destroy -- -dash" vnet destroy -- -dash
expect_ok "undefine -- -dash" vnet undefine -- -dash

latin=$E2E_TMP/latin1.xml
printf "<?xml version='1.0' encoding='ISO-8859-1'?>\n<network><name>caf\xe9</name><bridge name='vt-caf0'/></network>\n" >"$latin"
expect_ok "define an ISO-8859-1 definition" vnet define "$latin"
e2e_run vnet dumpxml café
expect_match "its name reads café" '<name>café</name>' "$E2E_OUT"
expect_ok "undefine it" vnet undefine café

bad() { # DESC XML-PART REGEX [BRIDGE-ATTRS]
    local g=$E2E_TMP/bad.xml
    printf "<network><name>bad</name><bridge name='vt-bad0' %s/>%s</network>\n" "${4:-}" "$2" >"$g"
    expect_fail "refused at define: $1" vnet define "$g"
    expect_match "the error names it: $1" "$3" "$E2E_OUT"
}
bad "224.0.0.1/24" "<ip address='224.0.0.1' prefix='24'/>" 'multicast'
bad "0.0.0.1/8" "<ip address='0.0.0.1' prefix='8'/>" 'this network'
bad "a range holding the gateway" \
    "<ip address='192.168.173.1' prefix='24'><dhcp><range start='192.168.173.1' end='192.168.173.9'/></dhcp></ip>" \
    "bridge's own address"
bad "STP delay 4294968" "" 'largest delay' "delay='4294968'"
expect_eq "none of them was defined" "" "$(files_of bad)"
e2e_done
